// A reply the server refused for good never reached the customer: whatever path recorded the
// failure (attend reply, the console, a sync flushing the outbox), the conversation waits again.
import { conversationsOfFailed, unanswerFailedReplies } from '../store/failed-replies.js';
import type { AppContext } from './context.js';

export function reopenAfterFailure(ctx: AppContext, conversationId: number): void {
  try {
    unanswerFailedReplies(ctx.db, conversationId, ctx.now());
  } catch (err) {
    // The failure itself is recorded already; a busy store must not turn it into a crash.
    ctx.log(`#${conversationId}: could not put the conversation back in the queue: ${(err as Error).message}`);
  }
}

/** After an email outbox flush: every conversation whose reply failed waits again. */
export function reopenAfterFlush(ctx: AppContext, report: { failed: Array<{ messageId: string }> }): void {
  if (report.failed.length === 0) return;
  for (const id of conversationsOfFailed(ctx.db, report.failed.map((f) => f.messageId))) reopenAfterFailure(ctx, id);
}
