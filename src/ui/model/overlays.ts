// The small dialogs of the console: one-line prompts and one-key menus, as data.
import type { Runtime } from '../../app/runtime.js';
import type { QueueView } from '../../app/queue/queue-window.js';
import type { Channel, Status } from '../../domain/types.js';
import { parseUntil } from '../../domain/when.js';
import type { ChoiceOption } from '../components/Choice.js';

export type PromptPurpose = 'search' | 'assign' | 'tag' | 'note' | 'skip' | 'snooze-custom';

export type Overlay =
  | { kind: 'help' }
  | { kind: 'prompt'; purpose: PromptPurpose; label: string; value: string; token: number }
  | {
      kind: 'choice';
      purpose: 'snooze' | 'priority' | 'template' | 'reply-anyway' | 'send-anyway';
      title: string;
      options: Array<ChoiceOption & { value: string }>;
      hint?: string;
      /** Lines shown above the options (wrapped; sanitized by whoever builds them). */
      body?: string[];
      /** A question about one reply: the conversation, how to write it, or the text waiting to go. */
      reply?: { id: number; viaEditor: boolean; text?: string; andNext?: boolean; template?: string };
      /** Long lists (templates) are picked by typing a filter and Enter instead of one key. */
      filter?: string;
      token: number;
    };

/**
 * Each opened dialog gets a new token: a text input of an earlier dialog that still hears a key
 * (Ink re-subscribes after the render) must not write into this one.
 */
let tokens = 0;
const nextToken = () => ++tokens;

/** The options a filterable menu shows for its filter (all words, any order, any case). */
export function filtered<T extends { label: string }>(options: T[], filter: string | undefined): T[] {
  const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return words.length === 0 ? options : options.filter((o) => words.every((w) => o.label.toLowerCase().includes(w)));
}

const LABELS: Record<PromptPurpose, string> = {
  search: 'search:',
  assign: 'assign to (empty unassigns):',
  tag: 'tags (-tag removes):',
  note: 'internal note:',
  skip: 'skip — one word why:',
  'snooze-custom': 'snooze until (2h, 3d, 2026-12-01T09:00):',
};

export function promptFor(purpose: PromptPurpose, value: string): Overlay {
  return { kind: 'prompt', purpose, label: LABELS[purpose], value, token: nextToken() };
}

const KEYS = '123456789abcdefghijklmnopqrstuvwxyz';

export function choiceFor(purpose: 'snooze' | 'priority' | 'template', runtime: Runtime): Extract<Overlay, { kind: 'choice' }> {
  if (purpose === 'snooze') {
    return {
      kind: 'choice',
      token: nextToken(),
      purpose,
      title: 'Snooze until',
      options: [
        { key: '1', label: 'in 1 hour', value: '1h' },
        { key: '2', label: 'in 4 hours', value: '4h' },
        { key: '3', label: 'tomorrow 09:00', value: 'tomorrow' },
        { key: '4', label: 'next Monday 09:00', value: 'monday' },
        { key: '5', label: 'custom…', value: 'custom' },
      ],
    };
  }
  if (purpose === 'priority') {
    return {
      kind: 'choice',
      token: nextToken(),
      purpose,
      title: 'Priority',
      options: [
        { key: 'u', label: 'urgent', value: 'urgent' },
        { key: 'h', label: 'high', value: 'high' },
        { key: 'n', label: 'normal', value: 'normal' },
        { key: 'l', label: 'low', value: 'low' },
        { key: 'a', label: 'automatic (from the rules)', value: 'auto' },
      ],
    };
  }
  const templates = runtime.templates();
  return {
    kind: 'choice',
    token: nextToken(),
    purpose,
    title: 'Insert a canned reply — type to filter, enter picks the first',
    options: templates.list.map((t, i) => ({ key: KEYS[i] ?? '', label: t.name, value: t.name })),
    hint: templates.dir,
    filter: '',
  };
}

type Question = Extract<Overlay, { kind: 'choice' }>;

/** A y/n question about one reply (team mode: a teammate replies too); `body` is shown above the answers. */
export function replyQuestion(purpose: 'reply-anyway' | 'send-anyway', title: string, yes: string, no: string, reply: NonNullable<Question['reply']>, body?: string[]): Question {
  const options = [
    { key: 'y', label: yes, value: 'yes' },
    { key: 'n', label: no, value: 'no' },
  ];
  return { kind: 'choice', token: nextToken(), purpose, title, options, reply, ...(body ? { body } : {}) };
}

/** Presets ("tomorrow", "monday") and anything parseUntil reads; null when unreadable or past. */
export function snoozeUntil(value: string, now: number): number | null {
  const at9 = (d: Date) => {
    d.setHours(9, 0, 0, 0);
    return d.getTime();
  };
  if (value === 'tomorrow') {
    const d = new Date(now);
    d.setDate(d.getDate() + 1);
    return at9(d);
  }
  if (value === 'monday') {
    const d = new Date(now);
    d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
    return at9(d);
  }
  const t = parseUntil(value, now);
  return t !== null && t > now ? t : null;
}

const STATUSES: Array<Status | 'all'> = ['open', 'pending', 'snoozed', 'resolved', 'history', 'all'];
export const nextStatus = (s: Status | 'all'): Status | 'all' => STATUSES[(STATUSES.indexOf(s) + 1) % STATUSES.length] as Status | 'all';
const CHANNELS: Array<Channel | null> = [null, 'email', 'chat'];
const VIEWS: QueueView[] = ['everyone', 'mine', 'unassigned'];
/** everyone's → mine → unassigned. */
export const nextView = (v: QueueView | undefined): QueueView => VIEWS[(VIEWS.indexOf(v ?? 'everyone') + 1) % VIEWS.length] ?? 'everyone';
export const nextChannel = (c: Channel | null): Channel | null => CHANNELS[(CHANNELS.indexOf(c) + 1) % CHANNELS.length] ?? null;
