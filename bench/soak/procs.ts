/**
 * The parts the soak kills: each a separate `attend` process that can be SIGKILLed and started
 * again. Peak RSS is read from /proc before each kill, since a dead process has no status file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { BIN } from '../../test/helpers/cli.js';
import { sleep } from './rng.js';

export interface Supervised {
  readonly name: string;
  readonly kills: number;
  /** Highest VmHWM (kB) seen over every run of this process. */
  readonly peakRssKb: number;
  start(): Promise<void>;
  /** SIGKILL: no goodbye, no cleanup. */
  kill(): Promise<void>;
  /** Samples VmHWM now (also done before each kill). */
  sample(): void;
  stop(): Promise<void>;
  stderrTail(): string;
}

export interface SpawnSpec {
  name: string;
  args: () => string[];
  env: NodeJS.ProcessEnv;
  /** Resolves once the process is ready to serve (e.g. its port accepts). */
  ready?: () => Promise<void>;
  /** Each complete stdout line. */
  onLine?: (line: string) => void;
}

function vmHwmKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function supervise(spec: SpawnSpec): Supervised {
  let child: ChildProcess | undefined;
  let closed: Promise<void> = Promise.resolve();
  let kills = 0;
  let peak = 0;
  let err = '';
  const s: Supervised = {
    name: spec.name,
    get kills() {
      return kills;
    },
    get peakRssKb() {
      return peak;
    },
    async start() {
      const c = spawn(process.execPath, [BIN, ...spec.args()], { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      closed = new Promise((resolve) => c.once('close', () => resolve()));
      let buf = '';
      c.stdout?.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop() ?? ''; // a line cut by SIGKILL is never delivered: the consumer never saw it
        for (const l of parts) if (l) spec.onLine?.(l);
      });
      c.stderr?.setEncoding('utf8').on('data', (d: string) => {
        err = (err + d).slice(-4000);
      });
      await spec.ready?.();
    },
    sample() {
      peak = Math.max(peak, vmHwmKb(child?.pid));
    },
    async kill() {
      s.sample();
      kills++;
      child?.kill('SIGKILL');
      await closed;
    },
    async stop() {
      s.sample();
      child?.kill('SIGTERM');
      const done = await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]);
      if (!done) child?.kill('SIGKILL');
      await closed;
    },
    stderrTail: () => err,
  };
  return s;
}

/** Waits until 127.0.0.1:port accepts a TCP connection. */
export async function portOpen(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} not open after ${timeoutMs} ms`);
}
