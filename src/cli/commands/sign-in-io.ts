// How an OAuth2 sign-in talks to a person at a terminal, often over SSH: instructions on stderr
// (stdout stays for --json), the redirected URL read from the terminal, a browser opened only
// where one can show up. Never a token: the sign-in code hands none to show().
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { SetupProgress } from '../../app/email/account-setup.js';
import type { SignInIO, SignInPrompt } from '../../app/email/oauth-session.js';
import type { OAuthFlow } from '../../config/settings.js';
import { safeLine } from '../../domain/sanitize.js';

export interface TerminalOptions {
  /** The flow asked for; a pasted URL from a pipe is accepted for `paste` only (see canPaste). */
  flow: OAuthFlow | undefined;
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadStream;
  write?: (line: string) => void;
}

/**
 * Pasting needs someone at stdin. A terminal: always offered (also while a loopback listener
 * waits, for a browser on another machine). A pipe: only when the paste flow was asked for by
 * name — then a script may hand over the URL; otherwise a pipe (cron, `</dev/null`) would end
 * the sign-in with its end of input while the browser is still on its way.
 */
export function canPaste(flow: OAuthFlow | undefined, stdinIsTTY: boolean): boolean {
  return stdinIsTTY || flow === 'paste';
}

/**
 * A browser can appear only with a graphical session or a browser command the user named;
 * over SSH without X forwarding xdg-open would fail or start a text browser in our terminal.
 */
export function browserCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | null {
  // $BROWSER is a shell command ("firefox --new-window"); "none" turns opening off.
  if (env.BROWSER === 'none') return null;
  if (env.BROWSER) return env.BROWSER;
  if (platform === 'darwin') return env.SSH_CONNECTION || env.SSH_TTY ? null : 'open';
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return 'xdg-open';
  return null;
}

export type TerminalSignInIO = SignInIO & SetupProgress & {
  /** Stops reading stdin (a paste still awaited once the browser came back): the process can exit. */
  close(): void;
};

export function terminalSignInIO(opts: TerminalOptions): TerminalSignInIO {
  const env = opts.env ?? process.env;
  const stdin = opts.stdin ?? process.stdin;
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paste = canPaste(opts.flow, Boolean(stdin.isTTY));
  const done = new AbortController();
  const io: TerminalSignInIO = {
    close: () => done.abort(),
    step: (line) => write(safeLine(line)),
    show: (prompt) => {
      for (const line of promptLines(prompt, paste)) write(line);
    },
  };
  if (paste) io.readPastedUrl = (signal) => readLine(stdin, AbortSignal.any([signal, done.signal]));
  const command = browserCommand(env);
  if (command) io.openBrowser = (url) => openWith(command, url);
  return io;
}

/** What a person reads for each step; URLs and codes come from the provider, so made terminal-safe. */
export function promptLines(prompt: SignInPrompt, paste: boolean): string[] {
  switch (prompt.kind) {
    case 'device': {
      const minutes = Math.max(1, Math.round((prompt.expiresAt - Date.now()) / 60_000));
      const lines = [`To sign in, open ${safeLine(prompt.verificationUri)} and enter the code ${safeLine(prompt.userCode)}`];
      if (prompt.verificationUriComplete) lines.push(`(or open ${safeLine(prompt.verificationUriComplete)} — the code is filled in there)`);
      lines.push(`in any browser, on any device, within ${minutes} min. Waiting…`);
      return lines;
    }
    case 'browser': {
      const lines = [`Open this URL in a browser: ${safeLine(prompt.url)}`];
      if (!prompt.listening) {
        lines.push(`After signing in your browser will fail to open a ${hostOf(prompt.redirectUri)} page; copy that page's address and paste it here:`);
      } else {
        lines.push(`Waiting for the browser to come back to ${safeLine(prompt.redirectUri)} on this machine…`);
        if (paste) lines.push(`If the browser runs elsewhere and shows an error page at ${hostOf(prompt.redirectUri)}, copy that page's address and paste it here.`);
      }
      return lines;
    }
  }
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).hostname;
  } catch {
    return '127.0.0.1';
  }
}

/** The first non-empty line on stdin; rejects at end of input or when the sign-in is over. */
function readLine(stdin: NodeJS.ReadStream, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('sign-in ended'));
      return;
    }
    const rl = createInterface({ input: stdin, terminal: false });
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      // readline resumed stdin: pause it and let go of it, or an open pipe keeps the process
      // alive after the sign-in (measured: a paused pipe still did).
      stdin.pause();
      (stdin as { unref?: () => void }).unref?.();
      fn();
    };
    const onAbort = () => finish(() => reject(new Error('sign-in ended')));
    signal.addEventListener('abort', onAbort);
    rl.on('line', (line) => {
      const text = line.trim();
      if (text !== '') finish(() => resolve(text));
    });
    rl.on('close', () => finish(() => reject(new Error('no URL was pasted (end of input)'))));
  });
}

/** Starts the browser and does not wait for it; false when the command cannot be started. */
function openWith(command: string, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      // The URL as "$1", never spliced into the command line.
      const child = spawn('/bin/sh', ['-c', `${command} "$1"`, 'sh', url], { stdio: 'ignore', detached: true, env: process.env });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
