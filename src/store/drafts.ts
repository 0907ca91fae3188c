import type { Db } from './db.js';
import { stmt } from './statements.js';

export function getDraft(db: Db, conversationId: number): string | null {
  return (stmt(db, 'SELECT body FROM drafts WHERE conversation_id = ?').get(conversationId) as { body: string } | undefined)?.body ?? null;
}

/** Keeps what was typed; an empty body deletes the draft. */
export function putDraft(db: Db, conversationId: number, body: string, now: number): void {
  if (body.trim() === '') stmt(db, 'DELETE FROM drafts WHERE conversation_id = ?').run(conversationId);
  else
    stmt(db, 'INSERT INTO drafts (conversation_id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at').run(
      conversationId,
      body,
      now,
    );
}

export function draftCount(db: Db): number {
  return (stmt(db, 'SELECT COUNT(*) AS n FROM drafts').get() as { n: number }).n;
}
