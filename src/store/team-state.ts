// The hub's team state in the agent's store: mirrored per conversation (team_state, newest seq
// wins) and written into the conversation's own columns, which is what the queue, list and
// console read. Applying is idempotent and order-safe: an event at or below the mirror's seq is
// old news. Changes still waiting in the team outbox are folded on top, so a change made here
// offline stays visible while teammates' changes arrive, until the hub has it.
import { type ConversationAction, claimAllowed, foldTeamAction, type TeamChangeEvent, type TeamState, type TeamStatus } from '../domain/team.js';
import { safeLine } from '../domain/sanitize.js';
import type { Priority } from '../domain/types.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { setExplicitPriority } from './ranks.js';
import { stmt } from './statements.js';
import { pendingChangesFor } from './team-outbox.js';
import { conversationIdByKey, setNumber, teamAgent } from './team-numbers.js';

/** Which of a conversation's columns a change may touch. */
export type TeamField = 'status' | 'assignee' | 'tags' | 'priority';

export const ALL_TEAM_FIELDS: readonly TeamField[] = ['status', 'assignee', 'tags', 'priority'];

/**
 * What an action changes. A teammate's assignment must not undo what only this store knows (a
 * customer who wrote again reopened the conversation here; the hub learns of mail from no one).
 */
export function fieldsOfAction(a: ConversationAction): TeamField[] {
  switch (a.kind) {
    case 'assign':
      return ['assignee'];
    case 'tag':
      return ['tags'];
    case 'priority':
      return ['priority'];
    case 'note':
      return [];
    default:
      return ['status'];
  }
}

export interface HubState {
  number: number;
  key: string;
  state: TeamState;
  seq: number;
}

export function teamMirror(db: Db, number: number): HubState | undefined {
  const r = stmt(db, 'SELECT number, key, state_json, seq FROM team_state WHERE number = ?').get(number) as
    | { number: number; key: string; state_json: string; seq: number }
    | undefined;
  return r ? { number: r.number, key: r.key, state: JSON.parse(r.state_json) as TeamState, seq: r.seq } : undefined;
}

export function teamMirrorByKey(db: Db, key: string): HubState | undefined {
  const r = stmt(db, 'SELECT number FROM team_state WHERE key = ?').get(key) as { number: number } | undefined;
  return r ? teamMirror(db, r.number) : undefined;
}

/** Every mirrored state, by number (dumps for comparing stores). */
export function allTeamMirrors(db: Db): HubState[] {
  const rows = stmt(db, 'SELECT number, key, state_json, seq FROM team_state ORDER BY number').all() as Array<{ number: number; key: string; state_json: string; seq: number }>;
  return rows.map((r) => ({ number: r.number, key: r.key, state: JSON.parse(r.state_json) as TeamState, seq: r.seq }));
}

/** A conversation's columns as team state (what registration offers the hub when it is the first to know it). */
export function localTeamState(db: Db, id: number): TeamState {
  const c = stmt(db, 'SELECT status, snoozed_until, assignee, priority_set FROM conversations WHERE id = ?').get(id) as
    | { status: string; snoozed_until: number | null; assignee: string | null; priority_set: Priority | null }
    | undefined;
  if (!c) return { status: 'open', snoozedUntil: null, assignee: null, priority: null, tags: [] };
  // 'history' (a first sync's old mail) is dealt with: the team sees it resolved.
  const status: TeamStatus = c.status === 'history' ? 'resolved' : (c.status as TeamStatus);
  return {
    status,
    snoozedUntil: status === 'snoozed' ? c.snoozed_until : null,
    assignee: c.assignee,
    priority: c.priority_set,
    tags: tagsOf(db, id),
  };
}

function tagsOf(db: Db, id: number): string[] {
  return (stmt(db, 'SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag').all(id) as Array<{ tag: string }>).map((r) => r.tag);
}

export interface ApplyOptions {
  fields: readonly TeamField[];
  /** Who made the change (the event log's `by`). */
  by: string;
  now: number;
  /** Also take a state at the mirror's own seq (a registration answer is as new as the mirror). */
  orEqual?: boolean;
  /** Write the columns from the newest state even when `h` is not newer (after an outbox item settled). */
  always?: boolean;
}

/**
 * Mirrors the hub's state when it is newer than what the mirror has and writes it into the local
 * conversation with that key, if any. Returns whether it was newer. Call inside a transaction.
 */
export function applyHubState(db: Db, hub: HubState, o: ApplyOptions): boolean {
  const h = { ...hub, state: trusted(hub.state) };
  const mirror = teamMirror(db, h.number);
  const newer = !mirror || h.seq > mirror.seq || (o.orEqual === true && h.seq === mirror.seq);
  if (newer) {
    stmt(db, 'DELETE FROM team_state WHERE key = ? AND number <> ?').run(h.key, h.number);
    stmt(db, 'INSERT OR REPLACE INTO team_state (number, key, state_json, seq) VALUES (?, ?, ?, ?)').run(h.number, h.key, JSON.stringify(h.state), h.seq);
  }
  const id = conversationIdByKey(db, h.key);
  if (id === undefined) return newer;
  setNumber(db, id, h.number);
  if (newer || o.always) writeTeamColumns(db, id, withPending(db, id, newer || !mirror ? h.state : mirror.state), o.fields, o.by, o.now);
  return newer;
}

const PRIORITIES: ReadonlySet<string> = new Set(['urgent', 'high', 'normal', 'low']);
const STATUSES: ReadonlySet<string> = new Set(['open', 'pending', 'snoozed', 'resolved']);

/**
 * What the hub says is text from outside: names made one safe line, tags one word, anything
 * unknown left out — a broken or hostile hub cannot put escape sequences or junk into the store.
 */
function trusted(s: TeamState): TeamState {
  const name = typeof s?.assignee === 'string' ? safeLine(s.assignee) : '';
  return {
    status: STATUSES.has(s?.status) ? s.status : 'open',
    snoozedUntil: typeof s?.snoozedUntil === 'number' && Number.isFinite(s.snoozedUntil) ? s.snoozedUntil : null,
    assignee: name === '' ? null : name,
    priority: typeof s?.priority === 'string' && PRIORITIES.has(s.priority) ? s.priority : null,
    tags: Array.isArray(s?.tags) ? [...new Set(s.tags.filter((t): t is string => typeof t === 'string' && t !== '' && !/[\s\p{Cc}]/u.test(t)))].sort() : [],
  };
}

/** The hub's state with this store's unconfirmed changes on top (as the hub will fold them). */
function withPending(db: Db, id: number, s: TeamState): TeamState {
  const me = teamAgent(db) ?? '';
  let state = s;
  for (const c of pendingChangesFor(db, id)) {
    if (c.claim && c.action.kind === 'assign' && !claimAllowed(state, me, c.action.to, c.claim.take)) continue;
    if (c.ifAssignee !== undefined && state.assignee !== c.ifAssignee) continue;
    state = foldTeamAction(state, c.action);
  }
  return state;
}

/** Writes team state into a conversation's columns, appending to the event log only what changed. */
export function writeTeamColumns(db: Db, id: number, s: TeamState, fields: readonly TeamField[], by: string, now: number): void {
  const c = stmt(db, 'SELECT status, snoozed_until, assignee, priority_set FROM conversations WHERE id = ?').get(id) as
    | { status: string; snoozed_until: number | null; assignee: string | null; priority_set: Priority | null }
    | undefined;
  if (!c) return;
  const who = { by, team: true };
  if (fields.includes('status')) {
    let status: string = s.status;
    let until = s.status === 'snoozed' ? s.snoozedUntil : null;
    // A snooze that has ended is open (wakeSnoozed would flip it back at once, logging it again).
    if (status === 'snoozed' && (until === null || until <= now)) {
      status = 'open';
      until = null;
    }
    if (status === 'resolved' && c.status === 'history') status = 'history';
    if (status !== c.status || until !== c.snoozed_until) {
      stmt(db, 'UPDATE conversations SET status = ?, snoozed_until = ?, updated_at = ? WHERE id = ?').run(status, until, now, id);
      const type = status === 'open' ? 'reopened' : status;
      appendEvent(db, `conversation.${type}`, id, now, until !== null ? { ...who, until: new Date(until).toISOString() } : who);
    }
  }
  if (fields.includes('assignee') && s.assignee !== c.assignee) {
    stmt(db, 'UPDATE conversations SET assignee = ?, updated_at = ? WHERE id = ?').run(s.assignee, now, id);
    appendEvent(db, 'conversation.assigned', id, now, { ...who, assignee: s.assignee });
  }
  if (fields.includes('tags')) {
    const have = new Set(tagsOf(db, id));
    const want = new Set(s.tags);
    const add = [...want].filter((t) => !have.has(t));
    const remove = [...have].filter((t) => !want.has(t));
    const ins = stmt(db, 'INSERT OR IGNORE INTO conversation_tags (conversation_id, tag) VALUES (?, ?)');
    const del = stmt(db, 'DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?');
    for (const t of add) ins.run(id, t);
    for (const t of remove) del.run(id, t);
    if (add.length) appendEvent(db, 'conversation.tagged', id, now, { ...who, tags: add });
    if (remove.length) appendEvent(db, 'conversation.untagged', id, now, { ...who, tags: remove });
    if (add.length || remove.length) stmt(db, 'UPDATE conversations SET updated_at = ? WHERE id = ?').run(now, id);
  }
  if (fields.includes('priority') && s.priority !== c.priority_set) {
    setExplicitPriority(db, id, s.priority);
    appendEvent(db, 'conversation.priority', id, now, { ...who, priority: s.priority });
  }
}

/** The external id of a team note: the same in every store, so each stores it once. */
export function teamNoteId(by: string, changeId: string): string {
  return `team-note:${by}:${changeId}`;
}

/** Stores a note under its team id unless it is there (returns whether it was new). */
export function addTeamNote(db: Db, id: number, author: string, text: string, externalId: string, now: number): boolean {
  const r = stmt(
    db,
    `INSERT OR IGNORE INTO messages (conversation_id, account, external_id, direction, from_name, sent_at, text, created_at)
     SELECT id, account, ?, 'note', ?, ?, ?, ? FROM conversations WHERE id = ?`,
  ).run(externalId, author, now, text, now, id);
  if (r.changes === 0) return false;
  appendEvent(db, 'note.added', id, now, { author });
  return true;
}

/**
 * A team.change event from the hub (its relay seq orders it; inside the chat ingest's transaction, with the cursor): the
 * state when newer than the mirror, the note once (whatever the order, the note's id dedupes it).
 */
export function applyTeamEvent(db: Db, e: TeamChangeEvent, seq: number, now: number): void {
  applyHubState(db, { number: e.number, key: e.key, state: e.state, seq }, { fields: fieldsOfAction(e.action), by: safeLine(String(e.by)), now });
  if (e.action.kind === 'note' && typeof e.action.text === 'string') {
    const id = conversationIdByKey(db, e.key);
    // The id keeps the hub's spelling (it must match the author's own copy); the name shown is a safe line.
    if (id !== undefined) addTeamNote(db, id, safeLine(String(e.by)), e.action.text, teamNoteId(e.by, e.changeId), now);
  }
}

/**
 * The hub started over (a new epoch: its store was reset): its seqs and numbers begin again, so
 * the mirror's seqs would hide every new event and our numbers would be stale. Forget both; the
 * next registration numbers every conversation again.
 */
export function forgetTeamMirror(db: Db): void {
  db.transaction(() => {
    stmt(db, 'DELETE FROM team_state').run();
    stmt(db, 'UPDATE conversations SET number = NULL WHERE number IS NOT NULL').run();
  }).immediate();
}
