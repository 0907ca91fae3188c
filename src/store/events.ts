import { stmt } from './statements.js';
import type { LoggedEvent } from '../domain/event.js';
import type { Db } from './db.js';

/** Appends to the append-only event log (watch --since and stats read it). Call inside the writer's transaction. */
export function appendEvent(db: Db, type: string, conversationId: number | null, at: number, data: Record<string, unknown> = {}): number {
  const r = stmt(db, 'INSERT INTO events (type, conversation_id, at, data_json) VALUES (?, ?, ?, ?)')
    .run(type, conversationId, at, JSON.stringify(data));
  return Number(r.lastInsertRowid);
}

export function eventsSince(db: Db, seq: number, limit = 1000): LoggedEvent[] {
  const rows = stmt(db, 'SELECT seq, type, conversation_id, at, data_json FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(seq, limit) as Array<{ seq: number; type: string; conversation_id: number | null; at: number; data_json: string }>;
  return rows.map((r) => ({ seq: r.seq, type: r.type, conversationId: r.conversation_id, at: r.at, data: JSON.parse(r.data_json) }));
}
