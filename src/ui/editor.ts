// Long replies are written in $VISUAL / $EDITOR, like `git commit`: the console leaves the
// alternate screen, the editor gets the terminal, and what is above the scissors line is the reply.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
  /** Give the terminal to another program (leave the alternate screen, cooked mode). */
  release(): void;
  /** Take it back and repaint. */
  reclaim(): void;
}

/** The console's terminal, lent to the editor: main screen and cooked mode while it runs. */
export function terminalHandover(inkWrite: (data: string) => void): TerminalHandover {
  return {
    release: () => {
      process.stdout.write('\x1b[?1049l\x1b[?25h');
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
    },
    reclaim: () => {
      if (process.stdin.isTTY) process.stdin.setRawMode(true);
      process.stdout.write('\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H');
      inkWrite(''); // Ink repaints its whole frame after an outside write
    },
  };
}

/** Runs the editor on a private temp file; throws when the editor cannot be started or fails. */
export function runEditor(initial: string, below: string, term: TerminalHandover, env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'attend-reply-'));
  const file = path.join(dir, 'REPLY.txt');
  writeFileSync(file, editorFileText(initial, below), { mode: 0o600 });
  const editor = env.VISUAL || env.EDITOR || 'vi';
  term.release();
  try {
    // Through sh, as git does: EDITOR may carry arguments ("code --wait", "emacs -nw").
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit', env });
    if (r.error) throw new Error(`cannot start ${editor}: ${r.error.message}`);
    if (r.status !== 0) {
      // Whatever was typed is kept as a draft; nothing is sent after a failed editor.
      const draft = replyFromEditorText(readFileSync(file, 'utf8'));
      throw Object.assign(new Error(`${editor} exited with status ${r.status}; nothing was sent`), { draft });
    }
    return replyFromEditorText(readFileSync(file, 'utf8'));
  } finally {
    term.reclaim();
    rmSync(dir, { recursive: true, force: true });
  }
}
