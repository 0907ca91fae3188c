// The console's state and the one function that changes it. Pure: no Ink, no store, no clock —
// what the store says (how many rows the queue has, where a conversation moved) comes in with the
// action. Effects (replies, actions, bells, notices) live in ../effects and ../commands.
import type { QueueFilter } from '../../app/queue/queue-window.js';
import type { Digest } from '../../policy/focus.js';
import type { Command, Context } from '../keys/keymap.js';
import { type Overlay, nextChannel, nextStatus, nextView } from '../model/overlays.js';

export type Mode = 'queue' | 'focus' | 'digest' | 'stats';
export type Pane = 'queue' | 'conversation';

/** The inline chat reply being typed. */
export interface Composer {
  id: number;
  value: string;
}

export interface ConsoleState {
  mode: Mode;
  pane: Pane;
  filter: QueueFilter;
  /** The selected queue row (may point past the end after the queue shrank: read it clamped). */
  cursor: number;
  /** Lines scrolled up from the newest message of the shown conversation. */
  scroll: number;
  overlay: Overlay | null;
  composer: Composer | null;
  /** The one-line message under the panes. */
  flash: string | null;
  digest: (Digest & { minutes: number }) | null;
  statsLines: string[] | null;
  /** Focus mode: the conversation shown (null when nothing waits). */
  focusId: number | null;
}

export const initialState: ConsoleState = {
  mode: 'queue',
  pane: 'queue',
  filter: { status: 'open', channel: null, search: '' },
  cursor: 0,
  scroll: 0,
  overlay: null,
  composer: null,
  flash: null,
  digest: null,
  statsLines: null,
  focusId: null,
};

/** Commands that only move the cursor, scroll, switch panes or change the queue's filter. */
export type NavCommand = Extract<
  Command,
  | 'down'
  | 'up'
  | 'top'
  | 'bottom'
  | 'page-down'
  | 'page-up'
  | 'scroll-down'
  | 'scroll-up'
  | 'scroll-top'
  | 'scroll-bottom'
  | 'open'
  | 'switch-pane'
  | 'back'
  | 'clear'
  | 'filter-status'
  | 'filter-channel'
  | 'filter-view'
>;

const NAV: ReadonlySet<Command> = new Set<NavCommand>([
  'down',
  'up',
  'top',
  'bottom',
  'page-down',
  'page-up',
  'scroll-down',
  'scroll-up',
  'scroll-top',
  'scroll-bottom',
  'open',
  'switch-pane',
  'back',
  'clear',
  'filter-status',
  'filter-channel',
  'filter-view',
]);
export const isNavCommand = (c: Command): c is NavCommand => NAV.has(c);

export type ConsoleAction =
  /** `total`: rows in the filtered queue now; `page`: how far a page key moves. */
  | { type: 'navigate'; command: NavCommand; context: Context; total: number; page: number }
  /** The queue reordered under the cursor: it follows its conversation to its new row. */
  | { type: 'follow'; at: number }
  /** Another conversation is shown: it starts at its newest message. */
  | { type: 'scroll-reset' }
  | { type: 'say'; text: string | null }
  | { type: 'open-overlay'; overlay: Overlay }
  | { type: 'close-overlay' }
  /** Typing in the open prompt (its value) or filterable menu (its filter); `token` names the dialog typed into. */
  | { type: 'overlay-input'; token: number; value: string }
  | { type: 'search'; text: string }
  | { type: 'compose'; id: number; value: string }
  | { type: 'composer-input'; id: number; value: string }
  | { type: 'composer-close' }
  | { type: 'focus-started'; id: number | null }
  | { type: 'focus-shows'; id: number | null }
  | { type: 'focus-ended'; digest: Digest & { minutes: number } }
  | { type: 'stats-shown'; lines: string[] }
  /** Any key on the digest or stats screen: back to the queue. */
  | { type: 'screen-dismissed' };

/** Which key table applies. */
export function contextOf(s: ConsoleState): Context {
  return s.mode === 'focus' ? 'focus' : s.pane === 'conversation' ? 'conversation' : 'queue';
}

/** The cursor as the queue can show it: within [0, total - 1] (0 for an empty queue). */
export function clampCursor(cursor: number, total: number): number {
  return Math.max(0, Math.min(cursor, total - 1));
}

function navigate(s: ConsoleState, a: Extract<ConsoleAction, { type: 'navigate' }>): ConsoleState {
  const at = clampCursor(s.cursor, a.total);
  const last = Math.max(0, a.total - 1);
  const cursor = (to: number): ConsoleState => ({ ...s, cursor: Math.max(0, Math.min(last, to)) });
  const scroll = (to: number): ConsoleState => ({ ...s, scroll: Math.max(0, to) });
  switch (a.command) {
    case 'down':
      return cursor(at + 1);
    case 'up':
      return cursor(at - 1);
    case 'top':
      return cursor(0);
    case 'bottom':
      return cursor(last);
    case 'page-down':
      return a.context === 'queue' ? cursor(at + a.page) : scroll(s.scroll - a.page);
    case 'page-up':
      return a.context === 'queue' ? cursor(at - a.page) : scroll(s.scroll + a.page);
    case 'scroll-down':
      return scroll(s.scroll - 1);
    case 'scroll-up':
      return scroll(s.scroll + 1);
    case 'scroll-top':
      return scroll(1_000_000); // the pane stops at the oldest message
    case 'scroll-bottom':
      return scroll(0);
    case 'open':
      return { ...s, pane: 'conversation' };
    case 'switch-pane':
      return { ...s, pane: s.pane === 'queue' ? 'conversation' : 'queue' };
    case 'back':
      return { ...s, pane: 'queue' };
    case 'clear':
      return { ...s, filter: { ...s.filter, search: '' } };
    case 'filter-status':
      return { ...s, cursor: 0, filter: { ...s.filter, status: nextStatus(s.filter.status) } };
    case 'filter-channel':
      return { ...s, cursor: 0, filter: { ...s.filter, channel: nextChannel(s.filter.channel) } };
    case 'filter-view':
      return { ...s, cursor: 0, filter: { ...s.filter, view: nextView(s.filter.view) } };
  }
}

export function consoleReducer(s: ConsoleState, a: ConsoleAction): ConsoleState {
  switch (a.type) {
    case 'navigate':
      return navigate(s, a);
    case 'follow':
      return s.cursor === a.at ? s : { ...s, cursor: a.at };
    case 'scroll-reset':
      return s.scroll === 0 ? s : { ...s, scroll: 0 };
    case 'say':
      return s.flash === a.text ? s : { ...s, flash: a.text };
    case 'open-overlay':
      return { ...s, overlay: a.overlay };
    case 'close-overlay':
      return s.overlay === null ? s : { ...s, overlay: null };
    case 'overlay-input': {
      const o = s.overlay;
      // A text input of an earlier dialog that still hears a key must not write into this one.
      if (o === null || o.kind === 'help' || o.token !== a.token) return s;
      return { ...s, overlay: o.kind === 'prompt' ? { ...o, value: a.value } : { ...o, filter: a.value } };
    }
    case 'search':
      return { ...s, overlay: null, cursor: 0, filter: { ...s.filter, search: a.text.trim() } };
    case 'compose':
      return { ...s, composer: { id: a.id, value: a.value } };
    case 'composer-input':
      return s.composer?.id === a.id ? { ...s, composer: { ...s.composer, value: a.value } } : s;
    case 'composer-close':
      return s.composer === null ? s : { ...s, composer: null };
    case 'focus-started':
      return { ...s, mode: 'focus', focusId: a.id };
    case 'focus-shows':
      return s.focusId === a.id ? s : { ...s, focusId: a.id };
    case 'focus-ended':
      return { ...s, mode: 'digest', digest: a.digest };
    case 'stats-shown':
      return { ...s, mode: 'stats', statsLines: a.lines, flash: '' };
    case 'screen-dismissed':
      return { ...s, mode: 'queue', digest: null, statsLines: null, flash: '' };
  }
}
