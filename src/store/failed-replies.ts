// Replies the server refused for good: why (per message, for show and the console), and undoing
// what queueing them did to the conversation — the customer got nothing, so they still wait.
import type { Db } from './db.js';
import { stmt } from './statements.js';

/** Why each failed reply of a conversation failed, by its message row id. */
export function deliveryErrors(db: Db, conversationId: number): Map<number, string> {
  const rows = stmt(db, "SELECT message_row_id, last_error FROM outbox WHERE conversation_id = ? AND state = 'failed' ORDER BY id").all(conversationId) as Array<{
    message_row_id: number;
    last_error: string | null;
  }>;
  return new Map(rows.map((r) => [r.message_row_id, r.last_error ?? 'unknown error']));
}

/**
 * Queueing a reply counted it as an answer (ingest's foldMessage: last_out_at, waiting_since,
 * first_response_at). After a reply fails for good — or a failed one is queued again (retry) —
 * the conversation is counted again as if only the replies that did not fail had been written: the
 * customer waits from their first message after the last such reply (a message flagged \Answered
 * elsewhere makes nobody wait, as at ingest). Returns whether anything changed.
 */
export function recountReplies(db: Db, conversationId: number, now: number): boolean {
  const unanswered = `(' ' || COALESCE(m.flags, '') || ' ') NOT LIKE '% \\Answered %'`;
  // Focus mode's automatic line to a chat visitor never counted as an answer: it does not here either.
  const delivered = `m.direction = 'out' AND COALESCE(m.delivery_state, 'sent') <> 'failed'
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_row_id = m.id AND json_extract(o.payload_json, '$.automatic'))`;
  return db.transaction(() => {
    const c = stmt(db, 'SELECT last_out_at, waiting_since, first_response_at FROM conversations WHERE id = ?').get(conversationId) as
      | { last_out_at: number | null; waiting_since: number | null; first_response_at: number | null }
      | undefined;
    if (!c) return false;
    const lastOut = (stmt(db, `SELECT MAX(m.sent_at) AS t FROM messages m WHERE m.conversation_id = ? AND ${delivered}`).get(conversationId) as { t: number | null }).t;
    if (lastOut === c.last_out_at) return false; // the newest answer did not fail: nothing to count again
    const waiting = (
      stmt(db, `SELECT MIN(m.sent_at) AS t FROM messages m WHERE m.conversation_id = ? AND m.direction = 'in' AND m.sent_at > COALESCE(?, -1) AND ${unanswered}`).get(
        conversationId,
        lastOut,
      ) as { t: number | null }
    ).t;
    const firstResponse = (
      stmt(
        db,
        `SELECT MIN(m.sent_at) AS t FROM messages m WHERE m.conversation_id = ? AND ${delivered}
           AND EXISTS (SELECT 1 FROM messages i WHERE i.conversation_id = m.conversation_id AND i.direction = 'in' AND i.sent_at <= m.sent_at)`,
      ).get(conversationId) as { t: number | null }
    ).t;
    stmt(db, 'UPDATE conversations SET last_out_at = ?, waiting_since = ?, first_response_at = ?, updated_at = ? WHERE id = ?').run(
      lastOut,
      waiting,
      firstResponse,
      now,
      conversationId,
    );
    return true;
  }).immediate();
}

/** The conversations of failed email replies, by Message-ID (what an outbox flush reports). */
export function conversationsOfFailed(db: Db, messageIds: string[]): number[] {
  const ids = new Set<number>();
  for (const messageId of messageIds) {
    const r = stmt(db, "SELECT conversation_id FROM outbox WHERE message_id = ? AND state = 'failed'").get(messageId) as { conversation_id: number } | undefined;
    if (r) ids.add(r.conversation_id);
  }
  return [...ids];
}
