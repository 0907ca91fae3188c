// Team mode's "never two answers" at send time: the console marks where a conversation stood when
// the agent started writing, and before sending asks which replies went out since that were not
// this agent's own (a teammate's, ingested from the Sent folder, or one from any other mail client).
import type { MessageView } from '../../domain/message.js';
import { conversationMessages } from '../../store/conversations.js';
import { lastMessageRowId, outgoingSince } from '../../store/reply-marks.js';
import type { Runtime } from '../runtime.js';

/** Where the conversation stands now: pass it to `repliesFromElsewhere` later. */
export function replyMark(runtime: Pick<Runtime, 'ctx'>, conversationId: number): number {
  return lastMessageRowId(runtime.ctx.db, conversationId);
}

/** Replies that went out after `mark` and were not queued by this agent's store (oldest first). */
export function repliesFromElsewhere(runtime: Pick<Runtime, 'ctx'>, conversationId: number, mark: number): MessageView[] {
  const db = runtime.ctx.db;
  const others = new Set(outgoingSince(db, conversationId, mark).filter((m) => !m.own).map((m) => m.id));
  if (others.size === 0) return [];
  return conversationMessages(db, conversationId).filter((m) => others.has(m.id));
}
