/**
 * Drives a full-screen program in a real terminal: a detached tmux session on a private socket,
 * fixed size, no user config. Tests type keys and read the screen as plain text (or with SGR
 * escapes), and after the program quits they still read its exit status and its last screen.
 * Written against tmux 3.3a (Debian bookworm); each call is one short `tmux` client invocation.
 *
 * Limits of tmux 3.3a worth knowing when a test fails oddly:
 * - What a program prints within its first few ms and then exits is sometimes lost (the screen
 *   stays empty; the status is right). A Node program is never that quick.
 * - Keys sent before the program has set up its terminal go through the tty's cooked mode (echoed,
 *   line-buffered): wait for the first screen before sending keys.
 * - A program that exits while still in the alternate screen loses its top row in capture().
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface TmuxOptions {
  /** argv, run directly (no shell), e.g. [process.execPath, BIN]. */
  command: string[];
  /** Working directory of the program; default process.cwd(). */
  cwd?: string;
  /**
   * The program's whole environment (nothing is inherited from the test process), plus what tmux
   * adds: TERM (always tmux's: tmux-256color, or screen-256color without that terminfo),
   * TERM_PROGRAM, TERM_PROGRAM_VERSION, TMUX, TMUX_PANE, SHELL, PWD.
   */
  env: Record<string, string>;
  width?: number;
  height?: number;
}

export interface TmuxSession {
  /** The private server's socket: `tmux -S <socket> attach` watches a hanging test live. */
  readonly socket: string;
  /** tmux key names, one per argument: 'j', 'Enter', 'Tab', 'BTab', 'Escape', 'C-c', 'Up', 'M-x'. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Literal text, as if pasted key by key (a '\n' in it is C-j, not Enter). */
  type(text: string): Promise<void>;
  /** The visible screen as plain text, trailing blank lines removed; after exit, the last screen. */
  capture(): Promise<string>;
  /** Same, with SGR escapes as tmux re-encodes them (e.g. reset of a colour is \e[39m, not \e[0m). */
  captureWithEscapes(): Promise<string>;
  /** Polls the screen until it contains the text (or matches); resolves with that screen. */
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Polls the screen until it no longer contains the text; resolves with that screen. */
  waitForGone(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Resizes the window; resolves once the program's pty has the new size, i.e. SIGWINCH is sent
   * (tmux holds back a resize that follows another within 250 ms). Redrawing is the program's job.
   */
  resize(width: number, height: number): Promise<void>;
  /** null while the program runs; its exit code once it has exited; 128+N if killed by signal N. */
  exitStatus(): Promise<number | null>;
  /** Resolves with the exit status (as exitStatus) once the program has exited. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** True while the program has the alternate screen (smcup) switched on. */
  alternateOn(): Promise<boolean>;
  /** False while the program has hidden the cursor (civis / \e[?25l). */
  cursorVisible(): Promise<boolean>;
  /** Kills the server and the program (SIGHUP) and removes the socket dir. Safe to call twice. */
  kill(): Promise<void>;
}

let tmuxPath: string | null | undefined;

function findTmux(): string | null {
  if (tmuxPath === undefined) {
    const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
    tmuxPath = null;
    for (const dir of dirs.filter(Boolean)) {
      try {
        fs.accessSync(path.join(dir, 'tmux'), fs.constants.X_OK);
        tmuxPath = path.join(dir, 'tmux');
        break;
      } catch {}
    }
  }
  return tmuxPath;
}

export function tmuxAvailable(): boolean {
  return findTmux() !== null;
}

/** tmux-256color when its terminfo is installed (ncurses-base), else the older, ubiquitous one. */
function innerTerm(): string {
  const dirs = [process.env.TERMINFO, path.join(os.homedir(), '.terminfo'), '/etc/terminfo', '/lib/terminfo', '/usr/share/terminfo', '/usr/lib/terminfo'];
  const found = dirs.some((d) => d && ['t', '74'].some((sub) => fs.existsSync(path.join(d, sub, 'tmux-256color'))));
  return found ? 'tmux-256color' : 'screen-256color';
}

/**
 * tmux splits its argv into commands at a trailing ';' (`a;` is `a` then a new command), so a
 * trailing ';' of ours must be sent as '\;' (tmux turns that back into ';').
 */
function arg(a: string): string {
  return a.endsWith(';') ? `${a.slice(0, -1)}\\;` : a;
}

// Servers still running when the test process exits (a failed test that skipped kill()).
const live = new Set<string>();
let exitHook = false;

interface PaneState {
  /** The process has exited (tmux saw EOF on the pty). */
  dead: boolean;
  /** tmux has reaped it too: exit status known and the "Pane is dead" line drawn. */
  status: number | null;
  history: number;
  height: number;
  alternate: boolean;
  cursor: boolean;
}

const STATE_FORMAT = '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{history_size}|#{pane_height}|#{alternate_on}|#{cursor_flag}';

function parseState(line: string): PaneState {
  const [dead, code, signal, history, height, alternate, cursor] = line.trim().split('|');
  return {
    dead: dead === '1',
    status: code ? Number(code) : signal ? 128 + Number(signal) : null,
    history: Number(history),
    height: Number(height),
    alternate: alternate === '1',
    cursor: cursor === '1',
  };
}

function trimScreen(lines: string[]): string {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
  return out.join('\n');
}

function matches(screen: string, what: string | RegExp): boolean {
  return typeof what === 'string' ? screen.includes(what) : what.test(screen);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startTmux(opts: TmuxOptions): Promise<TmuxSession> {
  const bin = findTmux();
  if (!bin) throw new Error('tmux is not installed');
  if (opts.command.length === 0) throw new Error('startTmux: empty command');
  const width = opts.width ?? 80;
  const height = opts.height ?? 24;
  // A socket of our own (-S, not -L: -L shares /tmp/tmux-UID with the user's servers), so we never
  // talk to a user's server; -f /dev/null so no ~/.tmux.conf changes keys, size, status line or TERM;
  // -u so the client treats output as UTF-8 whatever the locale (box drawing, CJK, emoji).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attend-tmux-'));
  const socket = path.join(dir, 'sock');
  const base = ['-S', socket, '-f', '/dev/null', '-u'];
  const tmux = async (args: string[], env?: NodeJS.ProcessEnv): Promise<string> =>
    (await execFileP(bin, [...base, ...args], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })).stdout;

  // With one argument tmux runs `$SHELL -c ARG`; with two or more it execs argv. Keep argv semantics.
  const argv = opts.command.length === 1 ? ['/bin/sh', '-c', 'exec "$0"', ...opts.command] : opts.command;
  // The server copies its own environment into every pane, and it is started by this very call, so
  // starting it with opts.env makes that the program's environment. TMUX* would be replaced anyway.
  const env: NodeJS.ProcessEnv = { ...opts.env };
  delete env.TMUX;
  delete env.TMUX_PANE;
  // One invocation, so every option is set before the program starts (a program that exits at once
  // must still leave its status and screen behind):
  // - remain-on-exit: the pane (and server) stay after the program exits, for exitStatus() and the
  //   last screen. tmux 3.3a then draws "Pane is dead (status N, <date>)" on the bottom row after a
  //   line feed, scrolling the screen up by one line; capture() undoes that.
  // - status off: no status line; the pane is exactly width x height.
  // - window-size manual, set on the window afterwards: a person who attaches to watch does not
  //   resize it. (Set globally before new-session, tmux 3.3a segfaults.)
  const out = await tmux(
    [
      'set-option', '-g', 'remain-on-exit', 'on', ';',
      'set-option', '-g', 'status', 'off', ';',
      'set-option', '-g', 'default-terminal', innerTerm(), ';',
      'new-session', '-d', '-s', 'attend', '-x', String(width), '-y', String(height),
      '-c', opts.cwd ?? process.cwd(), '-P', '-F', '#{pane_id}', '--', ...argv.map(arg), ';',
      'set-option', '-w', 'window-size', 'manual', ';',
      'display-message', '-p', '#{pid}',
    ],
    env,
  );
  const [pane = '', serverPid] = out.trim().split('\n');
  live.add(socket);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const s of live) {
        try {
          execFileSync(bin, ['-S', s, 'kill-server'], { stdio: 'ignore' });
        } catch {}
        fs.rmSync(path.dirname(s), { recursive: true, force: true });
      }
    });
  }

  /**
   * tmux 3.3a (built with libutempter, as Debian's is) can miss the SIGCHLD of a program that exits
   * within milliseconds of starting: libutempter has its own handler in place then (tmux issue
   * #311). The pane is dead but never gets a status. A SIGCHLD to the server makes it reap.
   */
  const nudge = () => {
    try {
      process.kill(Number(serverPid), 'SIGCHLD');
    } catch {} // server gone
  };

  /**
   * The pane's state, and its screen when asked, from one tmux invocation: the server runs a command
   * list without reading pane output in between, so the two agree. The capture starts one line up
   * in history (-S -1) because after the program's exit the top line of its last screen is there.
   */
  const snapshot = async (capture?: 'plain' | 'escapes'): Promise<{ state: PaneState; screen: string }> => {
    const args = ['display-message', '-p', '-t', pane, STATE_FORMAT];
    if (capture) args.push(';', 'capture-pane', '-p', '-t', pane, '-S', '-1', ...(capture === 'escapes' ? ['-e'] : []));
    for (let tries = 0; ; tries++) {
      const [first = '', ...rest] = (await tmux(args)).replace(/\n$/, '').split('\n');
      const state = parseState(first);
      // Dead without a status: wait (up to a second) until tmux has reaped it, for a stable answer.
      if (state.dead && state.status === null && tries < 50) {
        nudge();
        await sleep(20);
        continue;
      }
      // rest: one history line if there is history, then the `height` rows of the screen.
      let lines = state.history > 0 ? rest : ['', ...rest];
      if (state.status !== null) {
        // Drop the "Pane is dead" row. On the main screen the line it scrolled away is the history
        // line; the alternate screen keeps no history, so there that top line is lost.
        lines = state.alternate ? lines.slice(1, state.height) : lines.slice(0, state.height);
      } else {
        lines = lines.slice(1);
      }
      return { state, screen: trimScreen(lines) };
    }
  };
  const state = async (): Promise<PaneState> => (await snapshot()).state;

  /**
   * tmux applies a resize to the pty (TIOCSWINSZ, hence SIGWINCH) at once only if the last one was
   * more than 250 ms ago; otherwise on a timer. So wait until the pty itself has the new size.
   */
  const ptySize = async (tty: string): Promise<string | null> => {
    try {
      return (await execFileP('stty', ['-F', tty, 'size'], { encoding: 'utf8' })).stdout.trim();
    } catch {
      return null; // no GNU stty, or the pane is dead
    }
  };

  const poll = async (what: string | RegExp, want: boolean, timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { state: st, screen } = await snapshot('plain');
      if (matches(screen, what) === want) return screen;
      const verb = want ? 'to appear' : 'to go away';
      // An exited program's screen never changes again: fail now, not at the timeout.
      if (st.status !== null) {
        throw new Error(`waiting for ${String(what)} ${verb}, but the program exited (status ${st.status}). Screen:\n${screen}`);
      }
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${String(what)} ${verb}. Screen:\n${screen}`);
      await sleep(50);
    }
  };

  let killed = false;
  return {
    socket,
    async sendKeys(...keys) {
      if (keys.length > 0) await tmux(['send-keys', '-t', pane, '--', ...keys.map(arg)]);
    },
    async type(text) {
      if (text !== '') await tmux(['send-keys', '-t', pane, '-l', '--', arg(text)]);
    },
    capture: async () => (await snapshot('plain')).screen,
    captureWithEscapes: async () => (await snapshot('escapes')).screen,
    waitFor: (what, timeoutMs = 10_000) => poll(what, true, timeoutMs),
    waitForGone: (what, timeoutMs = 10_000) => poll(what, false, timeoutMs),
    async resize(w, h) {
      const tty = (await tmux(['resize-window', '-t', pane, '-x', String(w), '-y', String(h), ';', 'display-message', '-p', '-t', pane, '#{pane_tty}'])).trim();
      const deadline = Date.now() + 2000;
      for (;;) {
        const size = await ptySize(tty);
        if (size === `${h} ${w}`) return;
        if (size === null || Date.now() > deadline) return sleep(300); // can't tell: wait out tmux's timer
        await sleep(20);
      }
    },
    exitStatus: async () => (await state()).status,
    async waitForExit(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const st = await state();
        if (st.status !== null) return st.status;
        if (Date.now() > deadline) {
          const why = st.dead ? 'the program closed its terminal but tmux has no exit status' : 'the program still runs';
          throw new Error(`waited ${timeoutMs} ms for exit: ${why}. Screen:\n${(await snapshot('plain')).screen}`);
        }
        await sleep(50);
      }
    },
    alternateOn: async () => (await state()).alternate,
    cursorVisible: async () => (await state()).cursor,
    async kill() {
      if (killed) return;
      killed = true;
      live.delete(socket);
      try {
        await tmux(['kill-server']);
      } catch {} // already gone
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
