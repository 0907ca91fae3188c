/** Runs a long-running `attend` command (watch, sync --watch) and collects its stdout lines as they come. */
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, type Cli } from './cli.js';

export interface Followed {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** SIGTERM (or the given signal), then the exit code once it is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function follow(cli: Cli, args: string[]): Followed {
  const child = spawn(process.execPath, [BIN, ...args], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return closed;
    },
  };
}

export async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
