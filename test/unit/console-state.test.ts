// The console's state without Ink: the reducer, the layout arithmetic, the typed keymap, where a
// key goes, and the message line. Plain functions in, plain values out.
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { CommandEnv } from '../../src/ui/commands/command-env.js';
import { promptHandlers } from '../../src/ui/commands/prompt-handlers.js';
import { runCommand } from '../../src/ui/commands/run-command.js';
import type { FocusControl } from '../../src/ui/effects/use-focus-session.js';
import { alertBreakthrough } from '../../src/ui/effects/terminal-alert.js';
import { type Command, type Context, KEYMAP, commandFor, keysOf } from '../../src/ui/keys/keymap.js';
import { routeKey, textHasKeys } from '../../src/ui/keys/route-key.js';
import { firstRunHint, messageLine } from '../../src/ui/model/message-line.js';
import { choiceFor, promptFor } from '../../src/ui/model/overlays.js';
import { type ConsoleAction, type ConsoleState, type NavCommand, clampCursor, consoleReducer, contextOf, initialState } from '../../src/ui/state/console-state.js';
import { layoutFor, windowTop } from '../../src/ui/state/layout.js';
import { PLAIN_KEY } from '../../src/ui/use-keys.js';

const run = (s: ConsoleState, ...actions: ConsoleAction[]) => actions.reduce(consoleReducer, s);
const nav = (command: NavCommand, total = 10, context: Context = 'queue', page = 5): ConsoleAction => ({ type: 'navigate', command, context, total, page });

describe('the console reducer', () => {
  it('moves the cursor within the queue, whatever the keys ask', () => {
    expect(run(initialState, nav('down'), nav('down')).cursor).toBe(2);
    expect(run(initialState, nav('up')).cursor).toBe(0);
    expect(run(initialState, nav('bottom')).cursor).toBe(9);
    expect(run(initialState, nav('bottom'), nav('down')).cursor).toBe(9);
    expect(run(initialState, nav('bottom'), nav('top')).cursor).toBe(0);
    expect(run(initialState, nav('page-down'), nav('page-down'), nav('page-down')).cursor).toBe(9);
    expect(run(initialState, nav('bottom'), nav('page-up')).cursor).toBe(4);
    // An empty queue: the cursor stays on row 0, never -1.
    expect(run(initialState, nav('down', 0), nav('bottom', 0)).cursor).toBe(0);
    // The queue shrank under the cursor (row 9 of 3): a move starts from the last row there is.
    expect(run({ ...initialState, cursor: 9 }, nav('up', 3)).cursor).toBe(1);
  });

  it('pages scroll the transcript outside the queue, never below the newest message', () => {
    const s = run(initialState, nav('page-up', 10, 'conversation'), nav('scroll-up', 10, 'conversation'));
    expect(s.scroll).toBe(6);
    expect(s.cursor).toBe(0);
    expect(run(s, nav('page-down', 10, 'conversation'), nav('page-down', 10, 'focus')).scroll).toBe(0);
    expect(run(s, nav('scroll-down')).scroll).toBe(5);
    expect(run(s, nav('scroll-bottom')).scroll).toBe(0);
    expect(run(s, nav('scroll-top')).scroll).toBe(1_000_000);
    expect(run(s, { type: 'scroll-reset' }).scroll).toBe(0);
  });

  it('switches panes and names the key table that applies', () => {
    expect(contextOf(initialState)).toBe('queue');
    const open = run(initialState, nav('open'));
    expect(open.pane).toBe('conversation');
    expect(contextOf(open)).toBe('conversation');
    expect(run(open, nav('back')).pane).toBe('queue');
    expect(run(open, nav('switch-pane')).pane).toBe('queue');
    expect(run(initialState, nav('switch-pane')).pane).toBe('conversation');
    expect(contextOf(run(open, { type: 'focus-started', id: 4 }))).toBe('focus');
  });

  it('cycles the filters back to the top of the queue; a search is trimmed and clears like it was never typed', () => {
    const at5 = { ...initialState, cursor: 5 };
    const statuses = [];
    let s = at5;
    for (let i = 0; i < 6; i++) {
      s = run(s, nav('filter-status'));
      statuses.push(s.filter.status);
    }
    expect(statuses).toEqual(['pending', 'snoozed', 'resolved', 'history', 'all', 'open']);
    expect(s.cursor).toBe(0);
    expect(run(at5, nav('filter-channel')).filter.channel).toBe('email');
    expect(run(at5, nav('filter-channel'), nav('filter-channel'), nav('filter-channel')).filter.channel).toBe(null);
    const searched = run(at5, { type: 'open-overlay', overlay: promptFor('search', '') }, { type: 'search', text: '  parcel ' });
    expect(searched.filter.search).toBe('parcel');
    expect(searched.cursor).toBe(0);
    expect(searched.overlay).toBe(null);
    const cleared = run({ ...searched, cursor: 3 }, nav('clear'));
    expect(cleared.filter).toEqual(initialState.filter);
    expect(cleared.cursor).toBe(3);
  });

  it('types only into the dialog that is open: an earlier dialog’s input is ignored', () => {
    const old = promptFor('tag', '');
    const current = promptFor('note', '');
    let s = run(initialState, { type: 'open-overlay', overlay: current });
    s = run(s, { type: 'overlay-input', token: old.kind === 'prompt' ? old.token : -1, value: 'vip' });
    expect(s.overlay).toEqual(current);
    s = run(s, { type: 'overlay-input', token: current.kind === 'prompt' ? current.token : -1, value: 'called back' });
    expect(s.overlay?.kind === 'prompt' && s.overlay.value).toBe('called back');
    const menu = choiceFor('priority', {} as never);
    const filtering = run(initialState, { type: 'open-overlay', overlay: { ...menu, filter: '' } }, { type: 'overlay-input', token: menu.token, value: 'urg' });
    expect(filtering.overlay?.kind === 'choice' && filtering.overlay.filter).toBe('urg');
    const help = run(initialState, { type: 'open-overlay', overlay: { kind: 'help' } });
    expect(run(help, { type: 'overlay-input', token: 0, value: 'x' })).toBe(help);
    expect(run(help, { type: 'close-overlay' }).overlay).toBe(null);
  });

  it('keeps the composer to its conversation', () => {
    const s = run(initialState, { type: 'compose', id: 7, value: 'Hi' }, { type: 'composer-input', id: 7, value: 'Hi there' }, { type: 'composer-input', id: 8, value: 'other' });
    expect(s.composer).toEqual({ id: 7, value: 'Hi there' });
    expect(run(s, { type: 'composer-close' }).composer).toBe(null);
  });

  it('goes into focus, through its digest, and back to the queue on any key', () => {
    const digest = { minutes: 3 } as never;
    let s = run(initialState, { type: 'focus-started', id: 4 }, { type: 'focus-shows', id: 9 });
    expect([s.mode, s.focusId]).toEqual(['focus', 9]);
    s = run(s, { type: 'focus-ended', digest });
    expect([s.mode, s.digest]).toEqual(['digest', digest]);
    s = run(s, { type: 'say', text: 'left focus' }, { type: 'screen-dismissed' });
    expect([s.mode, s.digest, s.flash]).toEqual(['queue', null, '']);
    s = run(s, { type: 'stats-shown', lines: ['a', 'b'] });
    expect([s.mode, s.statsLines]).toEqual(['stats', ['a', 'b']]);
  });

  it('returns the same state when nothing changed, so React skips the frame', () => {
    const s = { ...initialState, cursor: 2, flash: 'x' };
    for (const a of [
      { type: 'follow', at: 2 },
      { type: 'scroll-reset' },
      { type: 'say', text: 'x' },
      { type: 'close-overlay' },
      { type: 'composer-close' },
      { type: 'focus-shows', id: null },
    ] satisfies ConsoleAction[])
      expect(consoleReducer(s, a)).toBe(s);
    expect(consoleReducer(s, { type: 'follow', at: 5 }).cursor).toBe(5);
  });
});

describe('layout', () => {
  it('two panes from 70 columns; focus gives two lines to its banner and breakthrough line', () => {
    const wide = layoutFor({ columns: 100, rows: 30 }, 'queue');
    expect(wide.twoPanes).toBe(true);
    expect(wide.queueWidth + 1 + wide.convWidth).toBe(100);
    expect(wide.paneHeight).toBe(27);
    expect(wide.visibleRows).toBe(26);
    expect(wide.page).toBe(13);
    expect(layoutFor({ columns: 100, rows: 30 }, 'focus').paneHeight).toBe(25);
    const narrow = layoutFor({ columns: 60, rows: 3 }, 'queue');
    expect([narrow.twoPanes, narrow.queueWidth, narrow.height, narrow.visibleRows]).toEqual([false, 60, 6, 3]);
  });

  it('scrolls the queue window only as far as the selection needs', () => {
    expect(windowTop(0, 4, 5, 100)).toBe(0);
    expect(windowTop(0, 5, 5, 100)).toBe(1);
    expect(windowTop(10, 3, 5, 100)).toBe(3);
    expect(windowTop(90, 99, 5, 100)).toBe(95);
    expect(windowTop(50, 2, 5, 3)).toBe(0); // the queue shrank: no blank rows at the top
    expect(clampCursor(7, 3)).toBe(2);
    expect(clampCursor(7, 0)).toBe(0);
  });
});

describe('the keymap', () => {
  it('types the commands: a misspelt command id does not compile', () => {
    // @ts-expect-error 'resolv' is no command
    const bad: Command = 'resolv';
    const good: Command = 'resolve';
    expect([bad, good]).toHaveLength(2);
    expect(commandFor('queue', 'R', PLAIN_KEY)).toBe('resolve');
    expect(commandFor('conversation', 'j', PLAIN_KEY)).toBe('scroll-down');
    expect(commandFor('focus', 'N', PLAIN_KEY)).toBe('next');
    expect(commandFor('queue', 'N', PLAIN_KEY)).toBe(null);
    expect(keysOf('queue', 'down')).toBe('j/down');
  });

  it('every command of every context has something to do', () => {
    const said: string[] = [];
    const dispatched: ConsoleAction[] = [];
    const focus: FocusControl = {
      facts: null,
      // A session showing nothing, with nothing skipped to offer again.
      session: () => ({ currentId: null, reconsider: () => null }) as never,
      start: () => said.push('focus started'),
      leave: () => said.push('focus left'),
      close: () => said.push('focus closed'),
      handled: () => undefined,
      idle: () => ({ waiting: 0, skipped: 0, handled: 0 }),
    };
    const env: CommandEnv = {
      runtime: { stats: async () => [], putDraft: () => undefined } as never,
      dispatch: (a) => {
        dispatched.push(a);
        if (a.type === 'say' && a.text) said.push(a.text);
      },
      focus,
      editor: async () => null,
      state: initialState,
      total: 3,
      page: 2,
      width: 80,
      shownId: null,
      assignee: null,
      exit: () => said.push('exit'),
    };
    for (const context of Object.keys(KEYMAP) as Context[]) {
      for (const b of KEYMAP[context]) {
        said.length = 0;
        dispatched.length = 0;
        runCommand(b.command, { ...env, state: { ...initialState, mode: context === 'focus' ? 'focus' : 'queue' } });
        expect(said.length + dispatched.length, `${context}: ${b.command}`).toBeGreaterThan(0);
      }
    }
    said.length = 0;
    runCommand('resolve', env);
    expect(said).toEqual(['no conversation selected']);
    runCommand('jump', env);
    expect(said).toContain('no breakthrough to jump to');
  });
});

describe('where a key goes', () => {
  const key = (over: Partial<Key>): Key => ({ ...PLAIN_KEY, ...over });
  function envWith(state: ConsoleState) {
    const drafts: Array<[number, string]> = [];
    const actions: ConsoleAction[] = [];
    let quit = 0;
    const env = {
      runtime: { putDraft: (id: number, body: string) => drafts.push([id, body]) },
      dispatch: (a: ConsoleAction) => actions.push(a),
      focus: { close: () => undefined },
      state,
      total: 5,
      page: 2,
      shownId: 1,
      exit: () => quit++,
    } as unknown as CommandEnv;
    return { env, drafts, actions, quits: () => quit };
  }

  it('Ctrl-C keeps a typed reply as a draft, and quits when nothing is typed', () => {
    const typing = envWith({ ...initialState, composer: { id: 3, value: 'half a reply' } });
    routeKey('c', key({ ctrl: true }), typing.env, () => null);
    expect(typing.drafts).toEqual([[3, 'half a reply']]);
    expect(typing.actions).toEqual([{ type: 'composer-close' }, { type: 'say', text: 'draft kept — Ctrl-C again quits' }]);
    expect(typing.quits()).toBe(0);
    const idle = envWith(initialState);
    routeKey('c', key({ ctrl: true }), idle.env, () => null);
    expect(idle.quits()).toBe(1);
  });

  it('an open composer or prompt has the keys; esc closes; any key leaves the digest', () => {
    const composing = envWith({ ...initialState, composer: { id: 3, value: '' } });
    routeKey('j', PLAIN_KEY, composing.env, () => null);
    expect(composing.actions).toEqual([]);
    expect(textHasKeys(composing.env.state)).toBe(true);
    const prompting = envWith({ ...initialState, overlay: promptFor('tag', '') });
    routeKey('j', PLAIN_KEY, prompting.env, () => null);
    expect(prompting.actions).toEqual([]);
    routeKey('', key({ escape: true }), prompting.env, () => null);
    expect(prompting.actions).toEqual([{ type: 'close-overlay' }]);
    const digest = envWith({ ...initialState, mode: 'digest' });
    routeKey('x', PLAIN_KEY, digest.env, () => null);
    expect(digest.actions).toEqual([{ type: 'screen-dismissed' }]);
    expect(textHasKeys(initialState)).toBe(false);
  });

  it('a command key clears the last message first, then acts', () => {
    const q = envWith({ ...initialState, flash: 'old news' });
    routeKey('j', PLAIN_KEY, q.env, () => null);
    expect(q.actions).toEqual([{ type: 'say', text: null }, nav('down', 5, 'queue', 2)]);
  });
});

describe('the message line', () => {
  it('an open input’s hint beats the last message, which beats the first-run hint', () => {
    const first = () => 'first run';
    expect(messageLine({ ...initialState, composer: { id: 1, value: '' } }, first)).toMatch(/^enter sends · esc keeps it as a draft/);
    expect(messageLine({ ...initialState, mode: 'focus', composer: { id: 1, value: '' } }, first)).toContain('tab sends and moves on');
    expect(messageLine({ ...initialState, overlay: promptFor('note', ''), flash: 'x' }, first)).toBe('enter accepts · esc cancels');
    expect(messageLine({ ...initialState, flash: 'resolved' }, first)).toBe('resolved');
    expect(messageLine({ ...initialState, flash: '' }, first)).toBe('');
    expect(messageLine(initialState, first)).toBe('first run');
  });

  it('the first-run hint only when the store is really empty and a relay runs', () => {
    let asked = 0;
    const empty = () => {
      asked++;
      return true;
    };
    expect(firstRunHint(initialState, 0, 'http://127.0.0.1:7357', empty)).toBe('no customers yet: open http://127.0.0.1:7357/demo in a browser and write');
    expect(firstRunHint({ ...initialState, filter: { ...initialState.filter, search: 'x' } }, 0, 'http://r', empty)).toBe(null);
    expect(firstRunHint(initialState, 2, 'http://r', empty)).toBe(null);
    expect(firstRunHint(initialState, 0, null, empty)).toBe(null);
    expect(asked).toBe(1);
    expect(firstRunHint(initialState, 0, 'http://r', () => false)).toBe(null);
  });
});

describe('the breakthrough alert', () => {
  it('rings and notifies as the settings say, outside the frame', () => {
    const b = { item: { id: 12 }, breached: false } as never;
    const out: string[] = [];
    alertBreakthrough({ bell: true, notify: true }, b, (s) => out.push(s));
    expect(out).toEqual(['\x07', '\x1b]9;attend: #12 is about to breach its target\x07']);
    out.length = 0;
    alertBreakthrough({ bell: false, notify: false }, b, (s) => out.push(s));
    expect(out).toEqual([]);
  });
});

describe('the composer as it closes', () => {
  it('a key that reaches the closing text input is no edit: the sent text does not come back as a draft', () => {
    const drafts: Array<[number, string]> = [];
    const actions: ConsoleAction[] = [];
    let state: ConsoleState = consoleReducer(initialState, { type: 'compose', id: 7, value: 'Yes, I am here' });
    const env = {
      runtime: { putDraft: (id: number, body: string) => drafts.push([id, body]), reply: async () => ({ state: 'queued', error: null }) },
      dispatch: (a: ConsoleAction) => {
        actions.push(a);
        state = consoleReducer(state, a);
      },
    } as unknown as CommandEnv;
    const h = promptHandlers(env, () => state);
    h.composerChange(7, 'Yes, I am here!');
    expect(drafts).toEqual([[7, 'Yes, I am here!']]);
    h.composerSubmit(); // Enter: the reply goes, its draft is cleared, the composer closes
    expect(state.composer).toBe(null);
    expect(drafts.at(-1)).toEqual([7, '']);
    // The next key ("r" to reply again) reaches the old text input before Ink drops it.
    h.composerChange(7, 'Yes, I am here!r');
    expect(drafts.at(-1)).toEqual([7, '']);
    expect(state.composer).toBe(null);
  });
});
