// Long replies are written in $VISUAL / $EDITOR, like `git commit`: the console leaves the
// alternate screen, the editor gets the terminal, and what is above the scissors line is the reply.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OutputGate } from './output-gate.js';

export const SCISSORS = '# ------------------------ >8 ------------------------';
// Interrupting an email for a chat must be cheap (the queue simulation: README "Queue order"):
// quitting with an error keeps the text as a draft that the next reply starts from.
const HELP = '# Write your reply above this block. Save and quit to send; an empty reply cancels; quit with an error (vim: :cq) to keep it as a draft for later.';

export function editorFileText(initial: string, below: string): string {
  return `${initial.replace(/\s+$/, '')}\n\n${HELP}\n${SCISSORS}\n# Everything below is not part of your reply (the quoted original is added to emails for you).\n${below}`;
}

/** The reply in an edited file: the text above the scissors, without our help line. */
export function replyFromEditorText(text: string): string | null {
  const cut = text.indexOf(SCISSORS);
  const above = (cut >= 0 ? text.slice(0, cut) : text)
    .split('\n')
    .filter((l) => l !== HELP)
    .join('\n')
    .replace(/\s+$/, '')
    .replace(/^\s*\n/, '');
  return above.trim() === '' ? null : above;
}

export interface TerminalHandover {
  /**
   * Give the terminal to another program (leave the alternate screen, cooked mode). True when the
   * console keeps running meanwhile (its frames held back, its keys not read), false when it must
   * block until the program exits (no way to stop reading the keyboard: they would fight over it).
   */
  release(): boolean;
  /** Take it back and repaint. */
  reclaim(): void;
}

/** The private libuv handle under process.stdin: what actually reads fd 0. */
interface ReadHandle {
  reading?: boolean;
  readStop(): number;
  readStart(): number;
}

/**
 * stdin's handle, if it can be stopped. Pausing the stream is not enough: a paused tty stream with a
 * 'readable' listener (Ink's) still reads fd 0 into its buffer, so keys typed into the editor would
 * reach the console after it. readStop/readStart are private but have been there since Node's
 * first streams; without them the editor runs as it always did, blocking the console.
 */
function stdinHandle(): ReadHandle | null {
  const h = (process.stdin as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  return h && typeof h.readStop === 'function' && typeof h.readStart === 'function' ? (h as ReadHandle) : null;
}

const LEAVE_SCREEN = '\x1b[?1049l\x1b[?25h';
const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H';

/**
 * The console's terminal, lent to the editor: main screen and cooked mode while it runs, the
 * console's frames held at `gate` (Ink re-renders on every change meanwhile) and its keyboard
 * reading stopped. Our own screen switches go to the real stdout, past the gate.
 */
export function terminalHandover(inkWrite: (data: string) => void, gate?: OutputGate): TerminalHandover {
  let stopped: ReadHandle | null = null;
  return {
    release: () => {
      const handle = gate ? stdinHandle() : null;
      gate?.hold();
      process.stdout.write(LEAVE_SCREEN);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      // `reading` stays as it is, so Node does not start the handle again while the stream asks for more.
      if (handle?.reading) {
        handle.readStop();
        stopped = handle;
      }
      return handle !== null;
    },
    reclaim: () => {
      if (gate?.ended) return; // the console was stopped (SIGTERM) while the editor ran: the terminal stays the user's
      if (stopped && stopped === stdinHandle()) stopped.readStart();
      stopped = null;
      if (process.stdin.isTTY) process.stdin.setRawMode(true);
      process.stdout.write(ENTER_SCREEN);
      gate?.open();
      inkWrite(''); // Ink repaints its latest frame after an outside write (also those it drew while held)
    },
  };
}

/** How the editor ended: its exit status, or the signal that killed it. */
type Ended = { status: number | null; signal: NodeJS.Signals | null; error?: Error };

/** The editor runs while the console keeps going: its relay connection answers pings, chat is stored. */
function runAlongside(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.once('error', (error) => resolve({ status: null, signal: null, error }));
    child.once('exit', (status, signal) => resolve({ status, signal }));
  });
}

function runBlocking(command: string, args: string[], env: NodeJS.ProcessEnv): Ended {
  const r = spawnSync(command, args, { stdio: 'inherit', env });
  return { status: r.status, signal: r.signal, error: r.error };
}

/** Runs the editor on a private temp file; rejects when the editor cannot be started or fails. */
export async function runEditor(initial: string, below: string, term: TerminalHandover, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const dir = mkdtempSync(path.join(tmpdir(), 'attend-reply-'));
  const file = path.join(dir, 'REPLY.txt');
  try {
    writeFileSync(file, editorFileText(initial, below), { mode: 0o600 });
    const editor = env.VISUAL || env.EDITOR || 'vi';
    // Through sh, as git does: EDITOR may carry arguments ("code --wait", "emacs -nw").
    const argv = ['-c', `${editor} "$1"`, 'sh', file];
    let r: Ended;
    try {
      r = term.release() ? await runAlongside('sh', argv, env) : runBlocking('sh', argv, env);
    } finally {
      term.reclaim();
    }
    if (r.error) throw new Error(`cannot start ${editor}: ${r.error.message}`);
    if (r.status !== 0) {
      // Whatever was typed is kept as a draft; nothing is sent after a failed editor.
      const draft = replyFromEditorText(readFileSync(file, 'utf8'));
      const how = r.signal ? `was stopped by ${r.signal}` : `exited with status ${r.status}`;
      throw Object.assign(new Error(`${editor} ${how}; nothing was sent`), { draft });
    }
    return replyFromEditorText(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
