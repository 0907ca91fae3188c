// Where a conversation's messages stood when an agent started on it, and which replies went out
// after that — by this store's outbox (mine: this console, or my CLI) or from elsewhere (a
// teammate's reply ingested from the Sent folder, another mail client). Team mode's collision
// checks read this; message row ids only grow, so a row id is a mark no clock can confuse.
import type { Db } from './db.js';
import { stmt } from './statements.js';

/** The newest message row of the conversation (0 when it has none). */
export function lastMessageRowId(db: Db, conversationId: number): number {
  const row = stmt(db, 'SELECT MAX(id) AS id FROM messages WHERE conversation_id = ?').get(conversationId) as { id: number | null };
  return row.id ?? 0;
}

/** Outgoing messages stored after `afterRowId`, and whether each one is this store's own reply (queued through its outbox). */
export function outgoingSince(db: Db, conversationId: number, afterRowId: number): Array<{ id: number; own: boolean }> {
  const rows = stmt(
    db,
    `SELECT m.id, EXISTS (SELECT 1 FROM outbox o WHERE o.message_row_id = m.id) AS own
       FROM messages m WHERE m.conversation_id = ? AND m.id > ? AND m.direction = 'out' ORDER BY m.id`,
  ).all(conversationId, afterRowId) as Array<{ id: number; own: number }>;
  return rows.map((r) => ({ id: r.id, own: r.own === 1 }));
}

/** Who the conversation is assigned to here (null: nobody; undefined: no such conversation). */
export function assigneeOf(db: Db, conversationId: number): string | null | undefined {
  const row = stmt(db, 'SELECT assignee FROM conversations WHERE id = ?').get(conversationId) as { assignee: string | null } | undefined;
  return row === undefined ? undefined : row.assignee;
}
