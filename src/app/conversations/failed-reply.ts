// A reply the server refused for good never reached the customer: whatever path recorded the
// failure (attend reply, the console, a sync flushing the outbox), the conversation waits again;
// and a failed reply queued again (the console's retry) counts as an answer again.
import { conversationsOfFailed, recountReplies } from '../../store/failed-replies.js';
import type { AppContext } from '../context.js';
import { shownRefOf } from './conversation-ref.js';

export function recountAnswers(ctx: AppContext, conversationId: number): void {
  try {
    recountReplies(ctx.db, conversationId, ctx.now());
  } catch (err) {
    // The failure itself is recorded already; a busy store must not turn it into a crash.
    ctx.log(`${shownRefOf(ctx, conversationId)}: could not count its replies again: ${(err as Error).message}`);
  }
}

/** After an email outbox flush: every conversation whose reply failed waits again. */
export function recountAfterFlush(ctx: AppContext, report: { failed: Array<{ messageId: string }> }): void {
  if (report.failed.length === 0) return;
  for (const id of conversationsOfFailed(ctx.db, report.failed.map((f) => f.messageId))) recountAnswers(ctx, id);
}
