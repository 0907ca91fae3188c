// The console: the queue and the selected conversation side by side, or one conversation in focus
// mode. A composition of state + keys + view: the reducer (state/console-state.ts) holds what the
// screen is in; keys (keys/) name a command from the keymap and commands/ carry it out through the
// runtime; effects/ do what must happen outside a render (focus notices, the bell, drafts on exit);
// components/ draw. It reads the store only through the app layer and never touches the network.
import { useApp, useStdout } from 'ink';
import { useReducer, useRef } from 'react';
import type { Runtime } from '../app/runtime.js';
import type { CommandEnv, Editor } from './commands/command-env.js';
import { promptHandlers } from './commands/prompt-handlers.js';
import { ConsoleScreen } from './components/ConsoleScreen.js';
import { useConversation } from './data/use-conversation.js';
import { useQueueSelection } from './data/use-queue-selection.js';
import { useFocusSession } from './effects/use-focus-session.js';
import { useRuntimeNotices } from './effects/use-runtime-notices.js';
import { useSaveOnExit } from './effects/use-save-on-exit.js';
import { useActivityReport, useTeammates } from './effects/use-team.js';
import { runEditor, terminalHandover } from './editor.js';
import { useRuntime, useTerminalSize } from './hooks.js';
import type { OutputGate } from './output-gate.js';
import { routeKey, textHasKeys } from './keys/route-key.js';
import { firstRunHint, messageLine, setupHint } from './model/message-line.js';
import { useConsoleSetup } from './setup/use-console-setup.js';
import { consoleReducer, initialState } from './state/console-state.js';
import { layoutFor } from './state/layout.js';
import type { Theme } from './theme.js';
import { useKeys } from './use-keys.js';

export interface AppProps {
  runtime: Runtime;
  theme: Theme;
  startInFocus?: boolean;
  /** Opens $EDITOR on a draft with context below it; null when the agent left it empty. Injected so tests can fake it. */
  editor?: Editor;
  /** The gate Ink writes through (run.tsx): with it, the console keeps running while $EDITOR has the terminal. */
  terminal?: OutputGate;
  /** Called once the app has saved drafts and wants the process to end. */
  onQuit?: () => void;
  size?: { columns: number; rows: number };
}

export function App(props: AppProps) {
  const { runtime, theme } = props;
  const { exit } = useApp();
  const { write } = useStdout();
  const term = useTerminalSize(props.size);
  const clock = useRuntime(runtime);
  const [state, dispatch] = useReducer(consoleReducer, initialState);
  // Text inputs and the unmount cleanup read the latest render's state, not their render's copy.
  const latest = useRef(state);
  latest.current = state;

  const layout = layoutFor(term, state.mode);
  const queue = useQueueSelection(runtime, state, dispatch, clock.version, layout.visibleRows);
  const shownId = state.mode === 'focus' ? state.focusId : queue.selectedId;
  const data = useConversation(runtime, shownId, clock.version, dispatch);
  const focus = useFocusSession(runtime, state.mode, clock, dispatch, props.startInFocus);
  useRuntimeNotices(runtime, dispatch);
  // Team mode: teammates' activity on screen; mine (what is on my screen, my composer) told to them.
  const team = useTeammates(runtime);
  const paneShown = state.mode === 'focus' || (state.mode === 'queue' && (layout.twoPanes || state.pane === 'conversation'));
  const activity = useActivityReport(runtime, paneShown ? shownId : null, state.composer?.id ?? null);
  useSaveOnExit(runtime, () => latest.current.composer, focus.close);
  const setup = useConsoleSetup(runtime, (text) => dispatch({ type: 'say', text }));

  const env: CommandEnv = {
    runtime,
    dispatch,
    focus,
    state,
    editor: props.editor ?? (async (initial, below) => runEditor(initial, below, terminalHandover(write, props.terminal))),
    total: queue.total,
    page: layout.page,
    width: layout.width,
    shownId,
    assignee: data?.conversation.assignee ?? null,
    activity,
    openSetup: setup.open,
    exit: () => {
      props.onQuit?.();
      exit();
    },
  };
  // While the set-up is open it has the keys (its own listener); the console's wait.
  useKeys((input, key) => (setup.View ? undefined : routeKey(input, key, env, () => latest.current.composer)), textHasKeys(state) || setup.View !== null);

  if (setup.View) return <setup.View runtime={runtime} theme={theme} width={layout.width} height={layout.height} onDone={setup.close} />;
  const message = messageLine(state, () =>
    setupHint(state, setup.noEmailAccount, firstRunHint(state, queue.total, runtime.relayUrl, queue.storeIsEmpty), runtime.relayUrl, queue.total, queue.storeIsEmpty),
  );
  return (
    <ConsoleScreen
      runtime={runtime}
      state={state}
      layout={layout}
      queue={queue}
      data={data}
      shownId={shownId}
      focus={focus}
      handlers={promptHandlers(env, () => latest.current)}
      message={message}
      now={clock.now}
      theme={theme}
      team={team}
    />
  );
}
