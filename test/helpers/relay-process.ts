/**
 * `attend relay` as shipped, in its own process (the built binary), so a test can SIGKILL it like a
 * crash and start it again on the same port and data folder. The in-process relay of relay.ts
 * cannot be killed that way. Its admin commands (`attend relay agent add|remove`) run as separate
 * processes on the same ATTEND_HOME, as an operator would run them next to a live relay.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, type CliResult } from './cli.js';
import { freePort } from './net.js';

export interface RelayProcess {
  /** The relay's data folder (ATTEND_HOME): relay.db, relay-token. */
  readonly home: string;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** ws://127.0.0.1:PORT, as a chat account's --url. */
  readonly wsUrl: string;
  readonly dbPath: string;
  /** Everything the relay wrote to stderr, across restarts. */
  log(): string;
  /** Runs `attend ARGS` with the relay's home (e.g. ['relay', 'agent', 'add', 'ana']). */
  run(args: string[]): Promise<CliResult>;
  /** `attend relay agent add NAME`: that agent's token. */
  addAgent(name: string): Promise<string>;
  /** SIGKILL: no clean shutdown, sockets die without a close frame. Resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once /healthz answers. */
  start(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s) and removes the folder. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The token in what `relay agent add` printed: a JSON `{token}`, or the last word of its output (it
 * prints the token once, perhaps with a sentence around it). Tokens are long and have no spaces.
 */
export function tokenFromOutput(stdout: string): string {
  const text = stdout.trim();
  try {
    const parsed = JSON.parse(text) as { token?: unknown };
    if (typeof parsed.token === 'string') return parsed.token;
  } catch {}
  const words = text.split(/\s+/).filter((w) => /^[A-Za-z0-9_\-.~+/=]{20,}$/.test(w));
  const token = words.at(-1);
  if (!token) throw new Error(`no token in the output of \`attend relay agent add\`: ${JSON.stringify(stdout)}`);
  return token;
}

export async function startRelayProcess(opts: { args?: string[] } = {}): Promise<RelayProcess> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'attend-hub-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ATTEND_HOME: home, NO_COLOR: '1' };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const run: RelayProcess['run'] = (args) =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      c.on('error', reject);
      c.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: out, stderr: err });
      });
    });

  const start = async () => {
    const c = spawn(process.execPath, [BIN, 'relay', '--port', String(port), ...(opts.args ?? [])], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let dead = false;
    exited = new Promise<void>((resolve) => c.once('close', () => resolve())).then(() => {
      dead = true;
    });
    c.stderr?.setEncoding('utf8').on('data', (d) => (stderr += d));
    const deadline = Date.now() + 20_000;
    while (!(await healthy(url))) {
      if (dead) throw new Error(`attend relay exited while starting:\n${stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`attend relay did not answer /healthz within 20 s:\n${stderr.slice(-2000)}`);
      await sleep(50);
    }
  };

  const signal = async (sig: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    await exited;
  };

  const relay: RelayProcess = {
    home,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    dbPath: path.join(home, 'relay.db'),
    log: () => stderr,
    run,
    async addAgent(name) {
      const r = await run(['relay', 'agent', 'add', name]);
      if (r.code !== 0) throw new Error(`attend relay agent add ${name} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return tokenFromOutput(r.stdout);
    },
    kill: () => signal('SIGKILL'),
    start,
    async stop() {
      const gone = signal('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      await signal('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    },
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return relay;
}
