// Checks on team frames' fields (team.register, team.change, activity). Generous limits — a change
// an agent's store accepted must not be refused here, or it would wait in that agent's outbox
// forever — but bounded, and every string is checked before it reaches the store or a teammate.
import type { ActivityReport, ConversationAction, TeamChange, TeamState } from '../protocol/frames.js';
import { MAX_NAME_CHARS, MAX_REGISTER_KEYS } from '../protocol/limits.js';
import { PRIORITIES, type Priority } from '../domain/types.js';
import { safeLine } from '../domain/sanitize.js';
import { type Check, fields } from './validate.js';

/** Keys per team.register frame. */
/** A conversation key (`email:<mailbox>:<Message-ID>` or `chat:<id>`). */
export const MAX_KEY_CHARS = 512;
export const MAX_NOTE_CHARS = 20_000;
export const MAX_TAG_CHARS = 100;
export const MAX_TAGS = 100;

const STATUSES: ReadonlySet<string> = new Set(['open', 'pending', 'snoozed', 'resolved']);
const BAD_TAG = /[\s\p{Cc}]/u;

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = <T>(message: string): Check<T> => ({ ok: false, code: 'bad_frame', message });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkKey(v: unknown, field: string): Check<string> {
  if (typeof v !== 'string' || v.length === 0) return bad(`${field} must be a non-empty string`);
  if (v.length > MAX_KEY_CHARS) return bad(`${field} is longer than ${MAX_KEY_CHARS} characters`);
  if (/\p{Cc}/u.test(v)) return bad(`${field} contains control characters`);
  return ok(v);
}

/** An assignee: a name of one line (agents' stores hold any; the hub only bounds it), or null. */
function checkAssignee(v: unknown, field: string): Check<string | null> {
  if (v === null) return ok(null);
  if (typeof v !== 'string') return bad(`${field} must be a string or null`);
  const name = safeLine(v).trim();
  if (name === '') return ok(null);
  if (name.length > MAX_NAME_CHARS) return bad(`${field} is longer than ${MAX_NAME_CHARS} characters`);
  return ok(name);
}

function checkTags(v: unknown, field: string): Check<string[]> {
  if (!Array.isArray(v) || v.length > MAX_TAGS) return bad(`${field} must be an array of at most ${MAX_TAGS} tags`);
  for (const t of v) {
    if (typeof t !== 'string' || t === '' || t.length > MAX_TAG_CHARS || BAD_TAG.test(t)) {
      return bad(`${field}: a tag is one word of at most ${MAX_TAG_CHARS} characters`);
    }
  }
  return ok(v as string[]);
}

function checkPriority(v: unknown, field: string): Check<Priority | null> {
  if (v === null || PRIORITIES.includes(v as Priority)) return ok(v as Priority | null);
  return bad(`${field} must be one of ${PRIORITIES.join(', ')} or null`);
}

const checkTime = (v: unknown, field: string): Check<number> => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? ok(v) : bad(`${field} must be a time (epoch ms)`));

/** A whole TeamState (a registrant's initial one), canonical: tags sorted, each once. */
export function checkState(v: unknown, field: string): Check<TeamState> {
  if (!isRecord(v)) return bad(`${field} must be an object`);
  if (typeof v.status !== 'string' || !STATUSES.has(v.status)) return bad(`${field}.status must be open, pending, snoozed or resolved`);
  const snoozed = v.snoozedUntil === null || v.snoozedUntil === undefined ? ok(null) : checkTime(v.snoozedUntil, `${field}.snoozedUntil`);
  const assignee = checkAssignee(v.assignee ?? null, `${field}.assignee`);
  const priority = checkPriority(v.priority ?? null, `${field}.priority`);
  const tags = checkTags(v.tags ?? [], `${field}.tags`);
  for (const c of [snoozed, assignee, priority, tags]) if (!c.ok) return c as Check<never>;
  const value = (c: Check<unknown>) => (c as { value: unknown }).value;
  return ok({
    status: v.status as TeamState['status'],
    snoozedUntil: value(snoozed) as number | null,
    assignee: value(assignee) as string | null,
    priority: value(priority) as Priority | null,
    tags: [...new Set(value(tags) as string[])].sort(),
  });
}

export function checkAction(v: unknown, field: string): Check<ConversationAction> {
  if (!isRecord(v) || typeof v.kind !== 'string') return bad(`${field} must be an object with a string "kind"`);
  switch (v.kind) {
    case 'resolve':
    case 'reopen':
    case 'pending':
      return ok({ kind: v.kind });
    case 'snooze': {
      const until = checkTime(v.until, `${field}.until`);
      return until.ok ? ok({ kind: 'snooze', until: until.value }) : until;
    }
    case 'assign': {
      const to = checkAssignee(v.to ?? null, `${field}.to`);
      return to.ok ? ok({ kind: 'assign', to: to.value }) : to;
    }
    case 'tag': {
      const add = checkTags(v.add ?? [], `${field}.add`);
      const remove = checkTags(v.remove ?? [], `${field}.remove`);
      if (!add.ok) return add;
      if (!remove.ok) return remove;
      if (add.value.length + remove.value.length === 0) return bad(`${field} adds or removes no tag`);
      return ok({ kind: 'tag', add: add.value, remove: remove.value });
    }
    case 'note': {
      if (typeof v.text !== 'string' || v.text.trim() === '') return bad(`${field}.text must be a non-empty string`);
      if (v.text.length > MAX_NOTE_CHARS) return bad(`${field}.text is longer than ${MAX_NOTE_CHARS} characters`);
      return ok({ kind: 'note', text: v.text });
    }
    case 'priority': {
      const p = checkPriority(v.priority ?? null, `${field}.priority`);
      return p.ok ? ok({ kind: 'priority', priority: p.value }) : p;
    }
    default:
      return bad(`${field}.kind "${v.kind.slice(0, 32)}" is not an action`);
  }
}

export function checkRegister(d: unknown): Check<Array<{ key: string; state?: TeamState }>> {
  const list = fields(d).conversations;
  if (!Array.isArray(list) || list.length === 0) return bad('team.register needs d.conversations: [{key, state?}, …]');
  if (list.length > MAX_REGISTER_KEYS) return bad(`team.register takes at most ${MAX_REGISTER_KEYS} conversations per frame`);
  const out: Array<{ key: string; state?: TeamState }> = [];
  for (const [i, item] of list.entries()) {
    if (!isRecord(item)) return bad(`d.conversations[${i}] must be an object`);
    const key = checkKey(item.key, `d.conversations[${i}].key`);
    if (!key.ok) return key;
    if (item.state === undefined) {
      out.push({ key: key.value });
      continue;
    }
    const state = checkState(item.state, `d.conversations[${i}].state`);
    if (!state.ok) return state;
    out.push({ key: key.value, state: state.value });
  }
  return ok(out);
}

export function checkChange(d: unknown): Check<TeamChange> {
  const f = fields(d);
  const key = checkKey(f.key, 'd.key');
  if (!key.ok) return key;
  const action = checkAction(f.action, 'd.action');
  if (!action.ok) return action;
  const change: TeamChange = { key: key.value, action: action.value };
  if (f.claim !== undefined) {
    if (!isRecord(f.claim) || typeof f.claim.take !== 'boolean') return bad('d.claim must be {"take": boolean}');
    // A claim is about the assignee: on any other action there is nothing to claim.
    if (action.value.kind === 'assign') change.claim = { take: f.claim.take };
  }
  if (f.ifAssignee !== undefined) {
    const who = checkAssignee(f.ifAssignee, 'd.ifAssignee');
    if (!who.ok) return who;
    change.ifAssignee = who.value;
  }
  return ok(change);
}

export function checkActivity(d: unknown): Check<ActivityReport> {
  const f = fields(d);
  const c = f.conversation ?? null;
  if (c !== null && (!Number.isSafeInteger(c) || (c as number) < 1)) return bad('d.conversation must be a team number (positive integer) or null');
  if (typeof f.replying !== 'boolean') return bad('d.replying must be a boolean');
  return ok({ conversation: c as number | null, replying: f.replying });
}
