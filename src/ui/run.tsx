// Starts the full-screen console: alternate screen, hidden cursor, raw keys; restores the terminal
// on every way out (q, Ctrl-C, SIGTERM, SIGHUP when an SSH session drops, an uncaught error).
import type { AppContext } from '../app/context.js';
import { Runtime } from '../app/runtime.js';
import { outputGate } from './output-gate.js';
import { makeTheme } from './theme.js';

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export async function runConsole(ctx: AppContext, opts: { focus: boolean; relay: boolean }): Promise<number> {
  // Ink renders only a final frame when it thinks it runs in CI; on a real terminal we always want live frames.
  // Unset, not CI=false: chalk (Ink's styling) takes any CI variable, even "false", as "no styles at all".
  for (const key of Object.keys(process.env)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
  const [{ render }, { App }] = await Promise.all([import('ink'), import('./App.js')]);
  // The first frame comes from the store alone; connecting (and starting the relay) follows.
  const runtime = await Runtime.start(ctx, { relay: opts.relay, channels: false });
  let exitCode: number;
  try {
    exitCode = await runOn(runtime, render, App, opts);
  } finally {
    // Also when render() itself throws: the runtime's timers must not outlive the store.
    await runtime.close();
  }
  if (runtime.relayUrl) process.stderr.write(`attend: the built-in chat relay stopped (${runtime.relayUrl})\n`);
  return exitCode;
}

async function runOn(
  runtime: Runtime,
  render: typeof import('ink').render,
  App: typeof import('./App.js').App,
  opts: { focus: boolean; relay: boolean },
): Promise<number> {
  const terminal = outputGate();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    // Stopped while $EDITOR has the terminal: it is on the main screen already, and stays the editor's.
    if (!terminal.held) process.stdout.write(LEAVE);
  };
  process.on('exit', restore);
  process.stdout.write(ENTER);
  let exitCode = 0;
  const instance = render(<App runtime={runtime} theme={makeTheme()} startInFocus={opts.focus} terminal={terminal} />, {
    stdout: terminal.stdout,
    stderr: terminal.stderr,
    exitOnCtrlC: false,
    patchConsole: true,
    // Not incrementalRendering: in Ink 6.8 it misplaces lines after the first frame (seen in tmux).
    maxFps: 60,
  });
  setImmediate(() => runtime.startChannelsLater(opts.relay));
  const stopOnSignal = () => instance.unmount();
  // Ctrl-C is a key in raw mode; a SIGINT from elsewhere (kill -INT) must still restore the terminal.
  // While $EDITOR has the terminal (cooked mode), a Ctrl-C typed there is the editor's, as in git.
  const stopOnInterrupt = () => {
    if (!terminal.held) instance.unmount();
  };
  process.on('SIGINT', stopOnInterrupt);
  process.on('SIGTERM', stopOnSignal);
  process.on('SIGHUP', stopOnSignal);
  try {
    await instance.waitUntilExit();
  } catch (err) {
    exitCode = 1;
    restore();
    process.stderr.write(`attend: the console stopped: ${(err as Error).message}\n`);
  } finally {
    terminal.end();
    restore();
    process.off('SIGINT', stopOnInterrupt);
    process.off('SIGTERM', stopOnSignal);
    process.off('SIGHUP', stopOnSignal);
  }
  return exitCode;
}
