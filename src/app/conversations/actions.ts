// The changes an agent makes to a conversation — status, snooze, assignee, tags, note, priority —
// for every front end (the CLI's commands, the console's keys, a template's actions after a
// reply): one validation, one store write, one message. Resolving or reopening a chat is also
// told to the visitor, best effort: a relay that cannot be reached is a warning, not a failure.
import { randomUUID } from 'node:crypto';
import { shownRef } from '../../domain/conversation-ref.js';
import { safeLine } from '../../domain/sanitize.js';
import type { Priority } from '../../domain/types.js';
import type { ConversationAction } from '../../domain/team.js';
import { appendEvent } from '../../store/events.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import { addNote, addTags, assign, getConversation, removeTags, setStatus } from '../../store/conversations.js';
import { setExplicitPriority } from '../../store/ranks.js';
import { teamAgent } from '../../store/team-numbers.js';
import { addTeamNote, teamNoteId } from '../../store/team-state.js';
import type { AppContext } from '../context.js';

export type { ConversationAction } from '../../domain/team.js';

/** The name the console has always used. */
export type Action = ConversationAction;

/** Why an action was not applied: the CLI maps these to its exit codes (3, 2, and 4: someone else holds it). */
export type ActionFailure = 'no-such-conversation' | 'invalid' | 'claimed';

export type ActionResult =
  | {
      ok: true;
      /** The conversation after the change. */
      conversation: ConversationSummary;
      /** The line to show: "#5 resolved". */
      message: string;
      /** What was done, without the id ("resolved", "tagged vip"): for summaries such as a template's. */
      summary: string;
      /** Done, but something beside it did not work (the chat visitor could not be told). */
      warnings: string[];
      /** Team mode: done here, but the hub could not be reached; the team hears of it when the hub is back. */
      teamQueued?: boolean;
    }
  /** `holder`: with 'claimed', the teammate the conversation is assigned to (a safe line); message "#41 is assigned to sam". */
  | { ok: false; failure: ActionFailure; message: string; holder?: string };

const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];

/** A tag is one word: no spaces, no control characters (it is printed in lists and the console). */
const BAD_TAG = /[\s\p{Cc}]/u;

/**
 * Checks an action and brings it to its canonical form (names and tags trimmed, "" unassigns,
 * repeated tags once). Returns the message for the agent when it cannot be applied.
 */
export function validateAction(a: ConversationAction, now: number): ConversationAction | string {
  switch (a.kind) {
    case 'snooze':
      if (!Number.isFinite(a.until)) return 'cannot read the snooze time';
      if (a.until <= now) return 'the snooze time is in the past';
      return a;
    case 'assign': {
      const to = a.to?.trim() ?? '';
      return { kind: 'assign', to: to === '' ? null : to, ...(a.take ? { take: true } : {}) };
    }
    case 'tag': {
      const clean = (tags: string[]) => [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
      const add = clean(a.add);
      const remove = clean(a.remove);
      if (add.length === 0 && remove.length === 0) return 'no tag given';
      if ([...add, ...remove].some((t) => BAD_TAG.test(t))) return 'a tag is one word without spaces or control characters';
      return { kind: 'tag', add, remove };
    }
    case 'note': {
      const text = a.text.trim();
      return text === '' ? 'the note is empty' : { kind: 'note', text };
    }
    case 'priority':
      return a.priority === null || PRIORITIES.includes(a.priority) ? a : 'priority must be urgent, high, normal, low or auto';
    default:
      return a;
  }
}

/** Validates, applies and reports one action; the conversation must exist (else no-such-conversation). */
export async function applyAction(ctx: AppContext, id: number, action: ConversationAction): Promise<ActionResult> {
  const a = validateAction(action, ctx.now());
  if (typeof a === 'string') return { ok: false, failure: 'invalid', message: a };
  const before = getConversation(ctx.db, id);
  if (!before) return { ok: false, failure: 'no-such-conversation', message: `no conversation ${id}` };
  const me = teamAgent(ctx.db);
  const team = me === null ? null : { me, changeId: randomUUID() };
  write(ctx, id, a, team);
  const warnings: string[] = [];
  let teamQueued = false;
  if (team) {
    // Team mode: the hub orders it and tells the others. Assigning someone is a claim there.
    const take = action.kind === 'assign' && action.take === true;
    const claim = a.kind === 'assign' && a.to !== null ? { take } : undefined;
    const { QUEUED_WARNING, shareChange } = await import('../team/team-changes.js');
    const outcome = await shareChange(ctx, id, a, { changeId: team.changeId, ...(claim ? { claim } : {}) });
    if (outcome?.kind === 'claimed') {
      const holder = safeLine(outcome.holder);
      const now = getConversation(ctx.db, id) ?? before;
      return { ok: false, failure: 'claimed', holder, message: `${shownRef(now)} is assigned to ${holder}` };
    }
    if (outcome?.kind === 'queued') {
      teamQueued = true;
      warnings.push(QUEUED_WARNING);
    }
    if (outcome?.kind === 'rejected') warnings.push(`the hub refused it: ${safeLine(outcome.message)}`);
  }
  const told = a.kind === 'resolve' ? 'resolved' : a.kind === 'reopen' ? 'open' : null;
  if (told && before.channel === 'chat') {
    const { mirrorChatStatus } = await import('../chat/chat-account.js');
    const warning = await mirrorChatStatus(ctx, id, told);
    if (warning) warnings.push(warning);
  }
  if (a.kind === 'priority') {
    // Ranks follow the new priority at once, so what is returned (and printed) is current.
    const { prepareQueue } = await import('../queue/policy.js');
    await prepareQueue(ctx); // the cached policy when the settings file did not change
  }
  const summary = summaryOf(a);
  const after = getConversation(ctx.db, id) ?? before;
  const ref = shownRef(after); // the hub may have numbered it just now
  const message = a.kind === 'note' ? `note added to ${ref}` : a.kind === 'pending' ? `${ref} is pending` : `${ref} ${summary}`;
  return { ok: true, conversation: after, message, summary, warnings, ...(teamQueued ? { teamQueued } : {}) };
}

function write(ctx: AppContext, id: number, a: ConversationAction, team: { me: string; changeId: string } | null): void {
  const now = ctx.now();
  switch (a.kind) {
    case 'resolve':
      setStatus(ctx.db, id, 'resolved', now);
      break;
    case 'reopen':
      setStatus(ctx.db, id, 'open', now);
      break;
    case 'pending':
      setStatus(ctx.db, id, 'pending', now);
      break;
    case 'snooze':
      setStatus(ctx.db, id, 'snoozed', now, a.until);
      break;
    case 'assign':
      assign(ctx.db, id, a.to, now);
      break;
    case 'tag':
      if (a.add.length) addTags(ctx.db, id, a.add, now);
      if (a.remove.length) removeTags(ctx.db, id, a.remove, now);
      break;
    case 'note':
      // In a team, under the id every store gives it: the hub's echo finds it here and adds no second one.
      if (team) ctx.db.transaction(() => addTeamNote(ctx.db, id, team.me, a.text, teamNoteId(team.me, team.changeId), now)).immediate();
      else addNote(ctx.db, id, ctx.settings.get('agent').name, a.text, now);
      break;
    case 'priority':
      ctx.db
        .transaction(() => {
          setExplicitPriority(ctx.db, id, a.priority);
          appendEvent(ctx.db, 'conversation.priority', id, now, { priority: a.priority });
        })
        .immediate();
      break;
  }
}

function summaryOf(a: ConversationAction): string {
  switch (a.kind) {
    case 'resolve':
      return 'resolved';
    case 'reopen':
      return 'reopened';
    case 'pending':
      return 'pending';
    case 'snooze':
      // ISO: the same in the CLI, the console and a template's summary, whatever the locale.
      return `snoozed until ${new Date(a.until).toISOString()}`;
    case 'assign':
      return a.to ? `assigned to ${safeLine(a.to)}` : 'unassigned';
    case 'tag':
      return [a.add.length ? `tagged ${a.add.join(' ')}` : '', a.remove.length ? `untagged ${a.remove.join(' ')}` : ''].filter(Boolean).join(', ');
    case 'note':
      return 'note added';
    case 'priority':
      return a.priority ? `priority ${a.priority}` : 'priority from the rules';
  }
}

/** "refund -spam vip" → add refund and vip, remove spam (the console's tag prompt). */
export function parseTagInput(input: string): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  for (const word of input.split(/[\s,]+/).filter(Boolean)) {
    if (word.startsWith('-') && word.length > 1) remove.push(word.slice(1));
    else if (!word.startsWith('-')) add.push(word.replace(/^\+/, ''));
  }
  return { add, remove };
}
