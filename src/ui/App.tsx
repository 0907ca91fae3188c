// The console: the queue and the selected conversation side by side, or one conversation in focus
// mode. It reads the store (through small models) and dispatches actions to the runtime; it never
// touches the network. Keys come from keys/keymap.ts; every command is a case in `run` below.
import { Box, type Key, Text, useApp, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FocusSession } from '../app/queue/focus-session.js';
import type { Runtime } from '../app/runtime.js';
import type { Digest } from '../policy/focus.js';
import { ConversationPane } from './components/ConversationPane.js';
import { DigestView, TextScreen } from './components/DigestView.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { Choice } from './components/Choice.js';
import { Prompt } from './components/Prompt.js';
import { QueuePane } from './components/QueuePane.js';
import { StatusBar } from './components/StatusBar.js';
import { BreakthroughLine } from './components/BreakthroughLine.js';
import { FocusBanner, SplitView, focusIdleText } from './components/SplitView.js';
import { type Context, commandFor, keyName } from './keys/keymap.js';
import { editorContext, readConversation } from './model/conversation-view.js';
import { type QueueFilter, QueueWindow } from './model/queue-window.js';
import { type Overlay, choiceFor, filtered, nextChannel, nextStatus, promptFor, snoozeUntil } from './model/overlays.js';
import { useRuntime, useTerminalSize } from './hooks.js';
import type { Theme } from './theme.js';
import { runEditor, terminalHandover } from './editor.js';
import { useKeys } from './use-keys.js';
import { safeLine } from './text.js';

export interface AppProps {
  runtime: Runtime;
  theme: Theme;
  startInFocus?: boolean;
  /** Opens $EDITOR on a draft with context below it; null when the agent left it empty. Injected so tests can fake it. */
  editor?: (initial: string, below: string) => Promise<string | null>;
  /** Called once the app has saved drafts and wants the process to end. */
  onQuit?: () => void;
  size?: { columns: number; rows: number };
}

type Mode = 'queue' | 'focus' | 'digest' | 'stats';

export function App(props: AppProps) {
  const { runtime, theme } = props;
  const { exit } = useApp();
  const { write } = useStdout();
  const db = runtime.ctx.db;
  const term = useTerminalSize(props.size);
  const { version, now } = useRuntime(runtime);
  const windowRef = useRef<QueueWindow | null>(null);
  windowRef.current ??= new QueueWindow(db, runtime.ctx.now);
  const win = windowRef.current;

  const [mode, setMode] = useState<Mode>('queue');
  const [pane, setPane] = useState<'queue' | 'conversation'>('queue');
  const [filter, setFilter] = useState<QueueFilter>({ status: 'open', channel: null, search: '' });
  const [cursor, setCursor] = useState(0);
  const followId = useRef<number | null>(null);
  const topRef = useRef(0);
  const [scroll, setScroll] = useState(0);
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const [composer, setComposer] = useState<{ id: number; value: string } | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [digest, setDigest] = useState<(Digest & { minutes: number }) | null>(null);
  const [statsLines, setStatsLines] = useState<string[] | null>(null);
  const focusRef = useRef<FocusSession | null>(null);
  const [focusId, setFocusId] = useState<number | null>(null);
  const [ctrlCArmed, setCtrlCArmed] = useState(false);

  // Layout: two panes when there is room, else the active one; 1 line for messages, 1 status bar.
  const width = term.columns;
  const height = Math.max(6, term.rows - 1);
  const paneHeight = height - 2 - (mode === 'focus' ? 2 : 0); // focus: its banner and the breakthrough line
  const twoPanes = width >= 70;
  const queueWidth = twoPanes ? Math.max(34, Math.min(60, Math.floor(width * 0.42))) : width;
  const convWidth = twoPanes ? width - queueWidth - 1 : width;
  const visibleRows = Math.max(1, paneHeight - 1);

  // Focus shows one conversation: the queue is not read at all while it lasts.
  const total = mode === 'focus' ? 0 : win.count(version, filter);
  // The selection follows its conversation when the queue reorders under it — decided in this
  // render, so no frame ever shows (or a key ever acts on) the row that slid under the cursor.
  const followedAt = useRef({ version, filter });
  let cursorNow = cursor;
  if (mode !== 'focus' && (followedAt.current.version !== version || followedAt.current.filter !== filter)) {
    const sameFilter = followedAt.current.filter === filter;
    followedAt.current = { version, filter };
    const at = sameFilter && followId.current !== null ? win.indexOf(filter, followId.current) : null;
    if (at !== null && at !== cursor) {
      cursorNow = at;
      setCursor(at);
    }
  }
  const clamped = Math.min(cursorNow, Math.max(0, total - 1));
  if (clamped < topRef.current) topRef.current = clamped;
  if (clamped >= topRef.current + visibleRows) topRef.current = clamped - visibleRows + 1;
  if (topRef.current > Math.max(0, total - visibleRows)) topRef.current = Math.max(0, total - visibleRows);
  const rows = mode === 'focus' ? [] : win.rows(version, filter, topRef.current, visibleRows);
  const selectedId = rows[clamped - topRef.current]?.id ?? null;

  if (mode !== 'focus') followId.current = selectedId;

  const shownId = mode === 'focus' ? focusId : selectedId;
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the trigger: re-read when the store changed
  const data = useMemo(() => (shownId === null ? null : readConversation(db, shownId)), [db, shownId, version]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a different conversation starts at its newest message
  useEffect(() => setScroll(0), [shownId]);

  // Focus: new activity is sorted (current / deferred / hidden) as it arrives; notices go out.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and the clock are the triggers
  const focusFacts = useMemo(() => {
    const s = focusRef.current;
    if (mode !== 'focus' || !s) return null;
    s.setPolicy(runtime.policy);
    for (const n of s.observe()) void runtime.notice(n.conversationId, n.text).catch((err) => runtime.log(`queue notice: ${(err as Error).message}`));
    return s.facts();
  }, [mode, version, now, runtime]);
  // facts() shows a newcomer when focus was idle: follow the session's choice.
  // biome-ignore lint/correctness/useExhaustiveDependencies: focusFacts is the trigger; the session holds the truth
  useEffect(() => {
    const s = focusRef.current;
    if (mode === 'focus' && s && s.currentId !== focusId) setFocusId(s.currentId);
  }, [focusFacts]);
  useEffect(() => {
    const b = focusFacts?.breakthrough;
    const s = focusRef.current;
    if (!(b && s?.announce(b.item.id))) return;
    const f = runtime.policy.focus.breakthrough;
    if (f.bell) process.stdout.write('\x07');
    if (f.notify) process.stdout.write(`\x1b]9;attend: #${b.item.id} ${b.breached ? 'has breached' : 'is about to breach'} its target\x07`);
  }, [focusFacts, runtime]);

  const say = useCallback((line: string) => setFlash(line), []);

  // What an account's first sync imported ("312 conversations, 14 open, 298 history …").
  useEffect(() => {
    runtime.on('notice', say);
    return () => {
      runtime.off('notice', say);
    };
  }, [runtime, say]);

  const startFocus = useCallback(() => {
    const s = new FocusSession(db, runtime.policy, runtime.ctx.now);
    focusRef.current = s;
    setFocusId(s.currentId);
    setMode('focus');
    say(s.currentId === null ? 'focus: nothing is waiting — f leaves' : 'focus: one conversation at a time; the rest waits');
  }, [db, runtime, say]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, at start
  useEffect(() => {
    if (props.startInFocus) startFocus();
  }, []);

  const leaveFocus = useCallback(() => {
    const s = focusRef.current;
    if (!s) return;
    setDigest(s.end());
    focusRef.current = null;
    setMode('digest');
  }, []);

  const saveComposer = useCallback(() => {
    if (composer) runtime.putDraft(composer.id, composer.value);
  }, [composer, runtime]);

  const quit = useCallback(() => {
    saveComposer();
    focusRef.current?.end();
    focusRef.current = null;
    props.onQuit?.();
    exit();
  }, [saveComposer, exit, props]);

  /** After a status action in focus, the next conversation comes up (send-and-next, Play). */
  const afterHandled = useCallback(
    (id: number, outcome: 'resolved' | 'pending' | 'snoozed' | 'replied') => {
      const s = focusRef.current;
      if (mode !== 'focus' || !s || s.currentId !== id) return; // the agent moved on meanwhile
      setFocusId(s.handle(id, outcome));
    },
    [mode],
  );

  const act = useCallback(
    async (id: number, a: Parameters<Runtime['act']>[1], outcome?: 'resolved' | 'pending' | 'snoozed') => {
      try {
        say(await runtime.act(id, a));
        if (outcome) afterHandled(id, outcome);
      } catch (err) {
        say(`failed: ${(err as Error).message}`);
      }
    },
    [runtime, say, afterHandled],
  );

  /** Queues and sends a reply; `andNext` in focus moves on to the next conversation (send and next). */
  const sendReply = useCallback(
    async (id: number, body: string, andNext = false) => {
      if (body.trim() === '') return;
      runtime.putDraft(id, '');
      say(`#${id}: reply queued…`);
      try {
        const r = await runtime.reply(id, body);
        if (r.state === 'failed') {
          // Refused for good: the customer got nothing, so focus stays here; the pane shows the
          // whole reason after the failed reply (this line is cut to the terminal's width).
          say(`#${id}: reply FAILED, not sent — the reason is in the conversation · X retries`);
          return;
        }
        say(r.state === 'queued' ? (r.error ? `#${id}: reply queued (${r.error})` : `#${id}: reply queued → sending`) : `#${id}: reply ${r.state}`);
        if (andNext) afterHandled(id, 'replied');
      } catch (err) {
        runtime.putDraft(id, body);
        say(`#${id}: not sent, kept as draft: ${(err as Error).message}`);
      }
    },
    [runtime, say, afterHandled],
  );

  const openEditor = useCallback(
    async (id: number) => {
      const d = readConversation(db, id);
      if (!d) return;
      const editor =
        props.editor ??
        (async (initial: string, below: string) => runEditor(initial, below, terminalHandover(write)));
      try {
        const body = await editor(runtime.getDraft(id) ?? '', editorContext(d));
        if (body === null) say('reply cancelled: it was empty');
        else await sendReply(id, body, mode === 'focus'); // an email reply in focus: send and next
      } catch (err) {
        const draft = (err as { draft?: string | null }).draft;
        if (draft) runtime.putDraft(id, draft);
        say(`editor: ${(err as Error).message}${draft ? ' (kept as draft)' : ''}`);
      }
    },
    [db, props.editor, say, sendReply, write, runtime, mode],
  );

  const reply = useCallback(
    (id: number, viaEditor: boolean) => {
      const d = readConversation(db, id);
      if (!d) return;
      if (viaEditor || d.conversation.channel === 'email') void openEditor(id);
      else setComposer({ id, value: runtime.getDraft(id) ?? '' });
    },
    [db, openEditor, runtime.getDraft],
  );

  const context: Context = mode === 'focus' ? 'focus' : pane === 'conversation' ? 'conversation' : 'queue';

  const run = (command: string) => {
    const id = shownId;
    const page = Math.max(1, Math.floor(visibleRows / 2));
    switch (command) {
      case 'down':
        return setCursor(Math.min(total - 1, clamped + 1));
      case 'up':
        return setCursor(Math.max(0, clamped - 1));
      case 'top':
        return setCursor(0);
      case 'bottom':
        return setCursor(Math.max(0, total - 1));
      case 'page-down':
        if (context === 'queue') return setCursor(Math.min(total - 1, clamped + page));
        return setScroll((s) => Math.max(0, s - page));
      case 'page-up':
        if (context === 'queue') return setCursor(Math.max(0, clamped - page));
        return setScroll((s) => s + page);
      case 'scroll-down':
        return setScroll((s) => Math.max(0, s - 1));
      case 'scroll-up':
        return setScroll((s) => s + 1);
      case 'scroll-top':
        return setScroll(1_000_000);
      case 'scroll-bottom':
        return setScroll(0);
      case 'open':
        return setPane('conversation');
      case 'switch-pane':
        return setPane((p) => (p === 'queue' ? 'conversation' : 'queue'));
      case 'back':
        return setPane('queue');
      case 'search':
        return setOverlay(promptFor('search', filter.search));
      case 'clear':
        return setFilter((f) => ({ ...f, search: '' }));
      case 'filter-status':
        setCursor(0);
        return setFilter((f) => ({ ...f, status: nextStatus(f.status) }));
      case 'filter-channel':
        setCursor(0);
        return setFilter((f) => ({ ...f, channel: nextChannel(f.channel) }));
      case 'focus':
        return startFocus();
      case 'stats':
        say('computing stats…');
        return void runtime.stats(width).then(
          (lines) => {
            setStatsLines(lines);
            setMode('stats');
            say('');
          },
          (err) => say(`stats: ${(err as Error).message}`),
        );
      case 'leave':
        return leaveFocus();
      case 'help':
        return setOverlay({ kind: 'help' });
      case 'quit':
        return quit();
      case 'next': {
        const s = focusRef.current;
        if (!s) return;
        if (s.currentId === null) {
          // Nothing shown: offer again what this session skipped or handled, if any still waits.
          const next = s.reconsider();
          if (next === null) say('nothing is waiting');
          return setFocusId(next);
        }
        if (s.currentWaiting()) return setOverlay(promptFor('skip', ''));
        return s.currentId === null ? undefined : setFocusId(s.handle(s.currentId, 'replied'));
      }
      case 'jump': {
        const b = focusFacts?.breakthrough;
        if (!b || !focusRef.current) return say('no breakthrough to jump to');
        focusRef.current.jump(b.item.id);
        return setFocusId(b.item.id);
      }
    }
    if (id === null) return say('no conversation selected');
    switch (command) {
      case 'reply':
        return reply(id, false);
      case 'reply-editor':
        return reply(id, true);
      case 'resolve':
        return void act(id, { kind: 'resolve' }, 'resolved');
      case 'pending':
        return void act(id, { kind: 'pending' }, 'pending');
      case 'reopen':
        return void act(id, { kind: 'reopen' });
      case 'snooze':
        return setOverlay(choiceFor('snooze', runtime));
      case 'priority':
        return setOverlay(choiceFor('priority', runtime));
      case 'template': {
        const o = choiceFor('template', runtime);
        return o.kind === 'choice' && o.options.length === 0 ? say(`no templates yet: add NAME.md files to ${o.hint}`) : setOverlay(o);
      }
      case 'assign':
        return setOverlay(promptFor('assign', data?.conversation.assignee ?? ''));
      case 'tag':
        return setOverlay(promptFor('tag', ''));
      case 'note':
        return setOverlay(promptFor('note', ''));
      case 'retry':
        return void runtime.retry(id).then((n) => say(n ? `#${id}: retrying ${n} failed repl${n === 1 ? 'y' : 'ies'}` : `#${id}: no failed reply`));
    }
  };

  const submitOverlay = (o: Overlay, value: string) => {
    setOverlay(null);
    const id = shownId;
    if (o.kind === 'prompt' && o.purpose === 'search') {
      setCursor(0);
      return setFilter((f) => ({ ...f, search: value.trim() }));
    }
    if (o.kind === 'prompt' && o.purpose === 'skip') {
      const s = focusRef.current;
      if (s) setFocusId(s.skip(value));
      return;
    }
    if (id === null) return;
    if (o.kind === 'prompt') {
      if (o.purpose === 'assign') return void act(id, { kind: 'assign', to: value.trim() || null });
      if (o.purpose === 'tag') return void act(id, { kind: 'tag', ...runtime.parseTags(value) });
      if (o.purpose === 'note') return value.trim() ? void act(id, { kind: 'note', text: value.trim() }) : undefined;
      if (o.purpose === 'snooze-custom') {
        const until = snoozeUntil(value, runtime.ctx.now());
        return until === null ? say(`cannot read "${value}" (try 2h, 3d or 2026-12-01T09:00)`) : void act(id, { kind: 'snooze', until }, 'snoozed');
      }
    }
  };

  const choose = (o: Extract<Overlay, { kind: 'choice' }>, key: string) => {
    const option = o.options.find((x) => x.key === key);
    if (option) chooseOption(o, option);
  };

  const chooseOption = (o: Extract<Overlay, { kind: 'choice' }>, option: { value: string }) => {
    setOverlay(null);
    const id = shownId;
    if (id === null) return;
    if (o.purpose === 'snooze') {
      if (option.value === 'custom') return setOverlay(promptFor('snooze-custom', ''));
      const until = snoozeUntil(option.value, runtime.ctx.now());
      if (until !== null) void act(id, { kind: 'snooze', until }, 'snoozed');
      return;
    }
    if (o.purpose === 'priority') return void act(id, { kind: 'priority', priority: option.value === 'auto' ? null : (option.value as 'urgent') });
    if (o.purpose === 'template') {
      try {
        const text = runtime.renderTemplate(option.value, id);
        const d = readConversation(db, id);
        const draft = runtime.getDraft(id);
        const value = draft ? `${draft.trimEnd()} ${text}` : text; // added to what was typed, never instead of it
        if (d?.conversation.channel === 'chat') setComposer({ id, value });
        else {
          runtime.putDraft(id, draft ? `${draft.trimEnd()}\n\n${text}` : text);
          void openEditor(id);
        }
      } catch (err) {
        say((err as Error).message);
      }
    }
  };

  const filtering = overlay?.kind === 'choice' && overlay.filter !== undefined;
  useKeys(handleKey, composer !== null || overlay?.kind === 'prompt' || filtering);

  function handleKey(input: string, key: Key) {
    const name = keyName(input, key);
    if (name === 'ctrl+c') {
      if (composer) {
        saveComposer();
        setComposer(null);
        setCtrlCArmed(true);
        return say('draft kept — Ctrl-C again quits');
      }
      return quit();
    }
    if (ctrlCArmed) setCtrlCArmed(false);
    if (composer) {
      if (name === 'tab' && mode === 'focus') {
        const c = latest.current.composer;
        setComposer(null);
        if (c) void sendReply(c.id, c.value, true);
        return;
      }
      if (name === 'esc') {
        saveComposer();
        setComposer(null);
        say(composer.value.trim() ? `draft kept for #${composer.id}` : '');
      }
      return; // the text input has the keys
    }
    if (overlay) {
      if (overlay.kind === 'help') return setOverlay(null);
      if (name === 'esc') return setOverlay(null);
      if (overlay.kind === 'choice' && overlay.filter === undefined && name !== null) choose(overlay, name);
      return; // a filter input has the keys
    }
    if (mode === 'digest' || mode === 'stats') {
      setDigest(null);
      setStatsLines(null);
      setMode('queue');
      return say('');
    }
    const command = commandFor(context, input, key);
    if (command) {
      if (flash) setFlash(null);
      run(command);
    }
  }

  // However the console ends (q, a signal, an error), the typed reply stays a draft and the focus
  // session is closed in the event log.
  useEffect(
    () => () => {
      const c = latest.current.composer;
      if (c) runtime.putDraft(c.id, c.value);
      focusRef.current?.end();
      focusRef.current = null;
    },
    [runtime],
  );

  // ink-text-input re-subscribes to keys after each render, so an Enter typed right after a key
  // can reach the previous render's handlers: submit what the latest render holds, not their copy.
  const latest = useRef({ composer, overlay });
  latest.current = { composer, overlay };

  // ----- layout -----
  const footerWidth = mode === 'focus' || !twoPanes ? width - 2 : convWidth - 2;
  const convFooter = composer ? (
    <Prompt
      label={`reply #${composer.id}>`}
      value={composer.value}
      onChange={(v) => {
        // Saved as it is typed: a dropped SSH session or a crash loses nothing.
        runtime.putDraft(composer.id, v);
        setComposer((c) => (c && c.id === composer.id ? { ...c, value: v } : c));
      }}
      onSubmit={() => {
        const c = latest.current.composer;
        if (!c) return;
        setComposer(null);
        void sendReply(c.id, c.value);
      }}
      width={footerWidth}
      theme={theme}
    />
  ) : overlay?.kind === 'prompt' ? (
    <Prompt
      label={overlay.label}
      value={overlay.value}
      onChange={(v) => setOverlay((o) => (o?.kind === 'prompt' && o.token === overlay.token ? { ...o, value: v } : o))}
      onSubmit={() => {
        const o = latest.current.overlay;
        if (o?.kind === 'prompt') submitOverlay(o, o.value);
      }}
      width={footerWidth}
      theme={theme}
    />
  ) : null;

  const typing = shownId !== null && runtime.isTyping(shownId);
  let body: React.ReactNode;
  if (overlay?.kind === 'help') body = <HelpOverlay context={context} width={width} height={paneHeight} theme={theme} />;
  else if (mode === 'digest' && digest) body = <DigestView digest={digest} labelOf={(id) => runtime.customerName(id)} width={width} height={paneHeight} theme={theme} />;
  else if (mode === 'stats' && statsLines)
    body = <TextScreen title="Stats · last 7 days (any key returns; attend stats --help for more)" lines={statsLines} width={width} height={paneHeight} theme={theme} />;
  else if (overlay?.kind === 'choice') {
    const options = filtered(overlay.options, overlay.filter);
    const filterInput =
      overlay.filter === undefined ? undefined : (
        <Prompt
          label="filter:"
          value={overlay.filter}
          onChange={(v) => setOverlay((o) => (o?.kind === 'choice' && o.token === overlay.token ? { ...o, filter: v } : o))}
          onSubmit={() => {
            const o = latest.current.overlay;
            const first = o?.kind === 'choice' ? filtered(o.options, o.filter)[0] : undefined;
            if (o?.kind === 'choice' && first) {
              setOverlay(null);
              chooseOption(o, first);
            }
          }}
          width={width - 2}
          theme={theme}
        />
      );
    body = <Choice title={overlay.title} options={options} width={width} height={paneHeight} theme={theme} filterInput={filterInput} />;
  }
  else if (mode === 'focus')
    body =
      focusId === null ? (
        <Box height={paneHeight} paddingLeft={1}>
          <Text>{focusIdleText(focusRef.current?.idle() ?? { waiting: 0, skipped: 0, handled: 0 })}</Text>
        </Box>
      ) : (
        <ConversationPane data={data} width={width} height={paneHeight} scroll={scroll} active typing={typing} now={now} theme={theme} footer={convFooter} />
      );
  else {
    const queue = (
      <QueuePane rows={rows} first={topRef.current} selected={clamped} total={total} filter={filter} width={queueWidth} height={paneHeight} active={pane === 'queue'} now={now} theme={theme} />
    );
    const conv = (
      <ConversationPane data={data} width={convWidth} height={paneHeight} scroll={scroll} active={pane === 'conversation'} typing={typing} now={now} theme={theme} footer={convFooter} />
    );
    const leftOnly = pane === 'queue' && !composer && overlay?.kind !== 'prompt';
    body = <SplitView left={queue} right={conv} showLeftOnly={leftOnly} twoPanes={twoPanes} height={paneHeight} theme={theme} />;
  }

  const hint = composer
    ? `enter sends${mode === 'focus' ? ' · tab sends and moves on' : ''} · esc keeps it as a draft · ctrl-c keeps it and stops`
    : overlay?.kind === 'prompt'
      ? 'enter accepts · esc cancels'
      : filtering
        ? 'type to filter · enter picks the first · esc cancels'
        : null;
  // A new user's empty queue says where the built-in relay's demo page is — only when there really
  // is nobody yet: an empty search or filter is not a first run (the queue pane says "no match").
  const firstRun = mode === 'queue' && total === 0 && !filter.search && runtime.relayUrl !== null && win.storeIsEmpty();
  const idleHint = firstRun ? `no customers yet: open ${runtime.relayUrl}/demo in a browser and write` : null;
  const message = (
    <Text wrap="truncate-end" color={theme.accent}>
      {safeLine(hint ?? flash ?? idleHint ?? '') || ' '}
    </Text>
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      {mode === 'focus' ? <FocusBanner id={focusId} label={data?.conversation.label} width={width} /> : null}
      {body}
      {mode === 'focus' ? (
        focusFacts?.breakthrough ? (
          <BreakthroughLine item={focusFacts.breakthrough} who={runtime.customerName(focusFacts.breakthrough.item.id)} more={focusFacts.moreBreakthroughs} width={width} now={now} theme={theme} />
        ) : (
          <Text> </Text>
        )
      ) : null}
      {message}
      <StatusBar
        channels={[...runtime.channels.values()]}
        outbox={runtime.outbox()}
        waiting={mode === 'focus' ? (focusFacts?.deferredCount ?? 0) : null}
        now={now}
        width={width}
        theme={theme}
      />
    </Box>
  );
}
