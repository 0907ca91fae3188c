// Team membership in the store and the identity of conversations across the team: the key that
// names a conversation for everyone (domain/team.ts) and the number the hub gave it.
import type { Channel } from '../domain/types.js';
import type { Db } from './db.js';
import { getMeta, putMeta } from './ranks.js';
import { conversationNumberOf } from './conversation-refs.js';
import { stmt } from './statements.js';

/** My agent name at the hub, once a relay said it is a team hub (null: working alone). */
export function teamAgent(db: Db): string | null {
  return getMeta(db, 'team.agent');
}

/** The chat account whose relay is the team's hub. */
export function teamAccountName(db: Db): string | null {
  return getMeta(db, 'team.account');
}

/**
 * A relay said "team": from now on new conversations get their number from the hub. The first
 * time, every number is cleared (they were local ids, which mean nothing to teammates) so that
 * registration hands out the team's. Returns true when this store joined just now.
 * A second chat account whose relay is another hub does not move the membership.
 */
export function enterTeam(db: Db, agent: string, account: string): boolean {
  return db
    .transaction(() => {
      const current = teamAccountName(db);
      if (current !== null && current !== account) return false;
      const joined = teamAgent(db) === null;
      putMeta(db, 'team.agent', agent);
      putMeta(db, 'team.account', account);
      if (joined) stmt(db, 'UPDATE conversations SET number = NULL WHERE number IS NOT NULL').run();
      return joined;
    })
    .immediate();
}

export interface TeamCandidate {
  id: number;
  channel: Channel;
  account: string;
  teamKey: string | null;
  threadRoot: string | null;
  externalRef: string | null;
}

/** Conversations the hub has not numbered yet, after `afterId` in id order (pages for registration). */
export function unnumberedConversations(db: Db, afterId: number, limit: number): TeamCandidate[] {
  const rows = stmt(
    db,
    'SELECT id, channel, account, team_key, thread_root, external_ref FROM conversations WHERE id > ? AND number IS NULL ORDER BY id LIMIT ?',
  ).all(afterId, limit) as Array<{ id: number; channel: Channel; account: string; team_key: string | null; thread_root: string | null; external_ref: string | null }>;
  return rows.map((r) => ({ id: r.id, channel: r.channel, account: r.account, teamKey: r.team_key, threadRoot: r.thread_root, externalRef: r.external_ref }));
}

export function teamCandidate(db: Db, id: number): TeamCandidate | undefined {
  const r = stmt(db, 'SELECT id, channel, account, team_key, thread_root, external_ref FROM conversations WHERE id = ?').get(id) as
    | { id: number; channel: Channel; account: string; team_key: string | null; thread_root: string | null; external_ref: string | null }
    | undefined;
  return r ? { id: r.id, channel: r.channel, account: r.account, teamKey: r.team_key, threadRoot: r.thread_root, externalRef: r.external_ref } : undefined;
}

/**
 * An email conversation's thread root. Rows stored before migration 10 have none: their earliest
 * message's Message-ID stands in (and is kept), which is the root for a thread seen from its start.
 */
export function threadRootOf(db: Db, id: number): string | null {
  const row = stmt(db, 'SELECT thread_root FROM conversations WHERE id = ?').get(id) as { thread_root: string | null } | undefined;
  if (!row) return null;
  if (row.thread_root) return row.thread_root;
  const first = stmt(db, "SELECT external_id FROM messages WHERE conversation_id = ? AND direction <> 'note' ORDER BY sent_at, id LIMIT 1").get(id) as
    | { external_id: string }
    | undefined;
  if (!first) return null;
  const root = first.external_id.replace(/#[^#]*$/, ''); // a reused Message-ID is stored as id#fingerprint
  stmt(db, 'UPDATE conversations SET thread_root = ? WHERE id = ?').run(root, id);
  return root;
}

/** Remembers a conversation's team key (false: another conversation here already has it). */
export function setTeamKey(db: Db, id: number, key: string): boolean {
  const other = stmt(db, 'SELECT id FROM conversations WHERE team_key = ?').get(key) as { id: number } | undefined;
  if (other && other.id !== id) return false;
  if (!other) stmt(db, 'UPDATE conversations SET team_key = ? WHERE id = ?').run(key, id);
  return true;
}

/**
 * The hub's number for a conversation (and its key). A row that still holds that number (from an
 * older numbering) gives it up first: it is registered again and gets its own.
 */
export function setTeamIdentity(db: Db, id: number, key: string, number: number): boolean {
  return db.transaction(() => {
    if (!setTeamKey(db, id, key)) return false;
    setNumber(db, id, number);
    return true;
  })();
}

export function setNumber(db: Db, id: number, number: number): void {
  const cur = stmt(db, 'SELECT number FROM conversations WHERE id = ?').get(id) as { number: number | null } | undefined;
  if (!cur || cur.number === number) return;
  stmt(db, 'UPDATE conversations SET number = NULL WHERE number = ? AND id <> ?').run(number, id);
  stmt(db, 'UPDATE conversations SET number = ? WHERE id = ?').run(number, id);
}

export function conversationIdByKey(db: Db, key: string): number | undefined {
  return (stmt(db, 'SELECT id FROM conversations WHERE team_key = ?').get(key) as { id: number } | undefined)?.id;
}

export function numberOf(db: Db, id: number): number | null {
  return conversationNumberOf(db, id)?.number ?? null;
}

export function maxConversationId(db: Db): number {
  return (stmt(db, 'SELECT COALESCE(MAX(id), 0) AS n FROM conversations').get() as { n: number }).n;
}
