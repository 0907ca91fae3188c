// Team changes made here that the hub has not confirmed yet. Each keeps its idempotency key, so
// replaying the outbox after a drop, a crash or a day offline never applies a change twice.
import type { ConversationAction } from '../domain/team.js';
import type { Db } from './db.js';
import { stmt } from './statements.js';

/** A team.change's `d` as stored (the same shape as protocol/frames.ts TeamChange; the store does not import the wire). */
export interface StoredTeamChange {
  key: string;
  action: ConversationAction;
  claim?: { take: boolean };
  ifAssignee?: string | null;
}

export interface QueuedTeamChange {
  changeId: string;
  conversationId: number;
  change: StoredTeamChange;
  createdAt: number;
}

export function enqueueTeamChange(db: Db, changeId: string, conversationId: number, change: StoredTeamChange, now: number): void {
  stmt(db, 'INSERT OR IGNORE INTO team_outbox (change_id, conversation_id, frame_json, created_at) VALUES (?, ?, ?, ?)').run(
    changeId,
    conversationId,
    JSON.stringify(change),
    now,
  );
}

/** Oldest first: the hub must hear them in the order they were made. */
export function pendingTeamChanges(db: Db, limit = 1000): QueuedTeamChange[] {
  const rows = stmt(db, 'SELECT change_id, conversation_id, frame_json, created_at FROM team_outbox ORDER BY id LIMIT ?').all(limit) as Array<{
    change_id: string;
    conversation_id: number;
    frame_json: string;
    created_at: number;
  }>;
  return rows.map((r) => ({ changeId: r.change_id, conversationId: r.conversation_id, change: JSON.parse(r.frame_json) as StoredTeamChange, createdAt: r.created_at }));
}

export function teamOutboxSize(db: Db): number {
  return (stmt(db, 'SELECT COUNT(*) AS n FROM team_outbox').get() as { n: number }).n;
}

export function isTeamChangePending(db: Db, changeId: string): boolean {
  return stmt(db, 'SELECT 1 FROM team_outbox WHERE change_id = ?').get(changeId) !== undefined;
}

export function dropTeamChange(db: Db, changeId: string): void {
  stmt(db, 'DELETE FROM team_outbox WHERE change_id = ?').run(changeId);
}

/** The changes still waiting for the hub on one conversation, oldest first (folded over the hub's state). */
export function pendingChangesFor(db: Db, conversationId: number): StoredTeamChange[] {
  const rows = stmt(db, 'SELECT frame_json FROM team_outbox WHERE conversation_id = ? ORDER BY id').all(conversationId) as Array<{ frame_json: string }>;
  return rows.map((r) => JSON.parse(r.frame_json) as StoredTeamChange);
}
