// Key bindings are data: command id → keys, per context. The help overlay is generated from this
// table, the console asks `commandFor` which command a key press means, and the `Command` type is
// derived from it: a misspelt command id anywhere is a type error. Keys are spelled as the
// help shows them: "j", "G", "enter", "tab", "esc", "up", "ctrl+d", "space". Nothing here is a key
// that terminals, tmux or SSH swallow (no ctrl+s/q flow control, no ctrl+b/ctrl+a prefixes, no alt).
import type { Key } from 'ink';

export type Context = 'queue' | 'conversation' | 'focus';

export interface Binding {
  readonly command: string;
  readonly keys: readonly string[];
  readonly help: string;
}

const common = [
  { command: 'reply', keys: ['r'], help: 'reply (chat: inline; email: $EDITOR); asks first if a teammate is replying' },
  { command: 'reply-editor', keys: ['e'], help: 'reply in $EDITOR (either channel)' },
  { command: 'resolve', keys: ['R'], help: 'resolve' },
  { command: 'pending', keys: ['p'], help: 'set pending (waiting on the customer)' },
  { command: 'snooze', keys: ['s'], help: 'snooze (presets)' },
  { command: 'reopen', keys: ['o'], help: 'reopen' },
  { command: 'assign', keys: ['a'], help: 'assign to someone' },
  { command: 'tag', keys: ['t'], help: 'add tags (-tag removes)' },
  { command: 'note', keys: ['n'], help: 'internal note (never sent)' },
  { command: 'priority', keys: ['P'], help: 'set priority' },
  { command: 'template', keys: ['T'], help: 'insert a canned reply' },
  { command: 'retry', keys: ['X'], help: 'retry a failed reply' },
  { command: 'help', keys: ['?'], help: 'this help' },
  { command: 'quit', keys: ['q'], help: 'quit (drafts are kept)' },
] as const satisfies readonly Binding[];

export const KEYMAP = {
  queue: [
    { command: 'down', keys: ['j', 'down'], help: 'next conversation' },
    { command: 'up', keys: ['k', 'up'], help: 'previous conversation' },
    { command: 'top', keys: ['g', 'home'], help: 'first' },
    { command: 'bottom', keys: ['G', 'end'], help: 'last' },
    { command: 'page-down', keys: ['ctrl+d', 'pagedown'], help: 'half a page down' },
    { command: 'page-up', keys: ['ctrl+u', 'pageup'], help: 'half a page up' },
    { command: 'open', keys: ['enter', 'l', 'right'], help: 'open the conversation' },
    { command: 'switch-pane', keys: ['tab'], help: 'switch pane' },
    { command: 'search', keys: ['/'], help: 'search subject and customer' },
    { command: 'clear', keys: ['esc'], help: 'clear the search' },
    { command: 'filter-status', keys: ['F'], help: 'status filter: open → pending → snoozed → resolved → history → all' },
    { command: 'filter-channel', keys: ['c'], help: 'channel filter: all → email → chat' },
    { command: 'filter-view', keys: ['v'], help: 'view: all → mine → unassigned' },
    { command: 'focus', keys: ['f'], help: 'focus mode: one conversation at a time (in a team: claimed for you)' },
    { command: 'stats', keys: ['S'], help: 'stats: response times by channel, last 7 days' },
    { command: 'add-account', keys: ['A'], help: 'add an email account (asks one question at a time)' },
    ...common,
  ],
  conversation: [
    { command: 'scroll-down', keys: ['j', 'down'], help: 'scroll down' },
    { command: 'scroll-up', keys: ['k', 'up'], help: 'scroll up' },
    { command: 'scroll-top', keys: ['g', 'home'], help: 'oldest message' },
    { command: 'scroll-bottom', keys: ['G', 'end'], help: 'newest message' },
    { command: 'page-down', keys: ['ctrl+d', 'pagedown', 'space'], help: 'page down' },
    { command: 'page-up', keys: ['ctrl+u', 'pageup'], help: 'page up' },
    { command: 'back', keys: ['esc', 'tab', 'h', 'left'], help: 'back to the queue' },
    { command: 'focus', keys: ['f'], help: 'focus mode' },
    ...common,
  ],
  focus: [
    { command: 'scroll-down', keys: ['j', 'down'], help: 'scroll down' },
    { command: 'scroll-up', keys: ['k', 'up'], help: 'scroll up' },
    { command: 'page-down', keys: ['ctrl+d', 'pagedown', 'space'], help: 'page down' },
    { command: 'page-up', keys: ['ctrl+u', 'pageup'], help: 'page up' },
    { command: 'next', keys: ['N'], help: 'next conversation (asks a reason when this one still waits, and releases it; with none shown, offers the skipped again)' },
    { command: 'jump', keys: ['b'], help: 'jump to the breakthrough conversation' },
    { command: 'leave', keys: ['f', 'esc'], help: 'leave focus and see the digest (releases the one shown unless you replied)' },
    ...common,
  ],
} as const satisfies Record<Context, readonly Binding[]>;

/** Every command a key can mean, in any context. */
export type Command = (typeof KEYMAP)[Context][number]['command'];

const bindings = (context: Context): readonly Binding[] => KEYMAP[context];

/** The key's name as the keymap spells it, or null for keys we never bind. */
export function keyName(input: string, key: Key): string | null {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageDown) return 'pagedown';
  if (key.pageUp) return 'pageup';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  if (input.length === 1) return input;
  return null;
}

export function commandFor(context: Context, input: string, key: Key): Command | null {
  const name = keyName(input, key);
  if (name === null) return null;
  return (bindings(context).find((b) => b.keys.includes(name))?.command as Command | undefined) ?? null;
}

/** The keys of a command as shown in hints ("r", "j/down"). */
export function keysOf(context: Context, command: Command): string {
  return bindings(context).find((b) => b.command === command)?.keys.join('/') ?? '';
}
