// The relay under load, on loopback: 1,000 connected visitors send messages that fan out to one
// agent. Measured: committed + acknowledged throughput, and visitor→agent latency (p50/p99) at
// fixed aggregate rates. Baseline in the same run, with the same 1,000 clients: a bare `ws`
// server that echoes each frame to its sender and forwards it to the agent (no parsing, no store).
// The server under test runs in a child process (its own core); the clients share this one.
//   npx tsx bench/relay-bench.ts    RELAY_BENCH_VISITORS (1000), RELAY_BENCH_SECONDS per phase (3),
//                                   RELAY_BENCH_RUNS interleaved runs (3), RELAY_BENCH_PROF=dir (CPU profiles)
//   import { runRelayBench } from './relay-bench.js'   (from bench/run.ts)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { SUBPROTOCOL } from '../src/protocol/wire.js';

export interface PhaseResult {
  /** Offered aggregate rate (messages/s); 0 for the closed-loop maximum. */
  target: number;
  /** Messages acknowledged to the sender per second (relay: `sent`, committed first; echo: the echo). */
  ackedPerSec: number;
  /** Messages that reached the agent per second. */
  deliveredPerSec: number;
  /** Visitor send → agent receive, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Every message reached the agent exactly once (relay: and every send got its `sent`). */
  complete: boolean;
  /** Server CPU time (user + system) per message, µs. */
  cpuUsPerMsg: number;
}

export interface ServerResult {
  connectMs: number;
  phases: PhaseResult[];
  max: PhaseResult;
}

export interface RelayBenchResult {
  visitors: number;
  seconds: number;
  /** Interleaved runs per server; every figure is the median across them. */
  runs: number;
  relay: ServerResult;
  echo: ServerResult;
  /** relay / echo, messages delivered to the agent per second in the closed loop (all acked too). */
  ratio: number;
  goals: { p99Under50msAt1000: boolean; atLeastThirdOfEcho: boolean };
}

type Kind = 'relay' | 'echo';
const HERE = fileURLToPath(import.meta.url);
const RATES = [250, 500, 1000, 2000, 4000];
// Messages in flight per visitor in the closed-loop phase. 1,000 × 2 × ~350 B stays under the
// relay's 1 MiB slow-consumer limit for the one agent even if it has read none of them yet.
const WINDOW = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- servers (child process side)

async function serve(kind: Kind): Promise<void> {
  // The parent holds our stdin: when it goes away (even killed), so do we. It also asks for our
  // CPU time there ("cpu" → "CPU <µs>"), to compare what each server spends per message.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.setEncoding('utf8').on('data', (d: string) => {
    if (d.includes('cpu')) {
      const u = process.cpuUsage();
      process.stdout.write(`CPU ${u.user + u.system}\n`);
    }
  });
  if (kind === 'relay') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attend-relay-bench-'));
    const { startRelay } = await import('../src/relay/server.js');
    const big = 1e12;
    const relay = await startRelay({
      port: 0,
      dbPath: path.join(dir, 'relay.db'),
      env: { ATTEND_HOME: dir },
      agentToken: 'bench-token',
      // One machine plays 1,000 visitors from one address at rates no person types at.
      limits: { sendBurst: big, sendRefillMs: 1 / big, frameBurst: big, framesPerSecond: big, newVisitorsPerIpPerMinute: big },
    });
    process.stdout.write(`READY ${relay.port}\n`);
    process.once('SIGTERM', () => {
      relay.close().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    });
    return;
  }
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024, handleProtocols: () => SUBPROTOCOL });
  let agent: WebSocket | undefined;
  wss.on('connection', (ws, req) => {
    if (req.url === '/ws/agent') {
      agent = ws;
      return;
    }
    ws.on('message', (data) => {
      ws.send(data, { binary: false });
      agent?.send(data, { binary: false });
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`));
  process.once('SIGTERM', () => process.exit(0));
}

interface Server {
  child: ChildProcess;
  port: number;
  /** The server process's CPU time so far (user + system), µs. */
  cpu(): Promise<number>;
}

function startServer(kind: Kind): Promise<Server> {
  // RELAY_BENCH_PROF=dir: the server writes a V8 CPU profile there (node bench/prof-top.mjs FILE).
  const prof = process.env.RELAY_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAY_BENCH_PROF}`] : [];
  const child = spawn(process.execPath, [...process.execArgv, ...prof, HERE, '--serve', kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  let cpuWaiter: ((us: number) => void) | undefined;
  const cpu = () =>
    new Promise<number>((resolve) => {
      cpuWaiter = resolve;
      child.stdin?.write('cpu\n');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const cpuLine = /CPU (\d+)\n/.exec(out);
      if (cpuLine) {
        out = out.slice((cpuLine.index ?? 0) + cpuLine[0].length);
        cpuWaiter?.(Number(cpuLine[1]));
        return;
      }
      const m = /READY (\d+)/.exec(out);
      if (m) {
        out = out.slice((m.index ?? 0) + m[0].length);
        resolve({ child, port: Number(m[1]), cpu });
      }
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before it was ready`)));
  });
}

// ---------------------------------------------------------------- clients (this process)

interface Clients {
  visitors: WebSocket[];
  agent: WebSocket;
  /** Called per message received by the agent with its send time. */
  onDelivered: (fn: (sentAt: number, body: string) => void) => void;
  /** Called per ack a visitor receives. */
  onAcked: (fn: (visitor: number) => void) => void;
  close(): void;
}

function open(url: string, headers: Record<string, string> = {}, origin?: string): Promise<WebSocket> {
  const ws = new WebSocket(url, [SUBPROTOCOL], { headers, origin, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends hello and waits for welcome (relay only). */
function hello(ws: WebSocket, d: unknown): Promise<void> {
  return new Promise((resolve) => {
    ws.once('message', () => resolve());
    ws.send(JSON.stringify({ t: 'hello', d }));
  });
}

async function connectAll(kind: Kind, port: number, n: number): Promise<Clients> {
  const base = `ws://127.0.0.1:${port}`;
  const agent = await open(`${base}/ws/agent`, { Authorization: 'Bearer bench-token' });
  if (kind === 'relay') await hello(agent, { name: 'Bench' });
  const visitors: WebSocket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const ws = await open(`${base}/ws/visitor`, {}, 'http://localhost:8080');
        if (kind === 'relay') await hello(ws, {});
        return ws;
      }),
    );
    visitors.push(...batch);
  }
  let delivered: (sentAt: number, body: string) => void = () => {};
  let acked: (visitor: number) => void = () => {};
  // Bodies are "<visitor> <n> <performance.now() at send>"; both ends live in this process.
  const bodyRe = kind === 'relay' ? /"body":"(\d+ \d+ ([\d.]+))"/ : /"body":"(\d+ \d+ ([\d.]+))"/;
  const ackPrefix = kind === 'relay' ? '{"t":"sent"' : '{"t":"send"';
  agent.on('close', (code) => {
    if (code !== 1005 && code !== 1006) process.stderr.write(`${kind}: the agent was disconnected (${code}): figures after this are not valid\n`);
  });
  agent.on('message', (data) => {
    const m = bodyRe.exec(data.toString());
    if (m) delivered(Number(m[2]), m[1] as string);
  });
  visitors.forEach((ws, i) => {
    ws.on('message', (data) => {
      if ((data as Buffer).toString('latin1', 0, 11) === ackPrefix) acked(i);
    });
  });
  return {
    visitors,
    agent,
    onDelivered: (fn) => {
      delivered = fn;
    },
    onAcked: (fn) => {
      acked = fn;
    },
    close: () => {
      for (const ws of [agent, ...visitors]) ws.terminate();
    },
  };
}

let counter = 0;
function sendFrom(c: Clients, i: number): void {
  const n = ++counter;
  (c.visitors[i] as WebSocket).send(`{"t":"send","id":"b${n}","d":{"body":"${i} ${n} ${performance.now().toFixed(3)}"}}`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Measures one phase: a fixed aggregate rate (open loop), or WINDOW in flight per visitor (closed loop). */
async function phase(c: Clients, server: Server, rate: number, seconds: number): Promise<PhaseResult> {
  const cpu0 = await server.cpu();
  const lat: number[] = [];
  const seen = new Set<string>();
  let dupes = 0;
  let acks = 0;
  let sent = 0;
  c.onDelivered((t0, body) => {
    if (seen.has(body)) dupes++;
    seen.add(body);
    lat.push(performance.now() - t0);
  });
  const start = performance.now();
  const end = start + seconds * 1000;
  if (rate > 0) {
    c.onAcked(() => acks++);
    let next = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; sent < due; sent++) sendFrom(c, next++ % c.visitors.length);
      await sleep(2);
    }
  } else {
    // Paced by delivery to the agent (end to end), not by acks: acks alone would let the relay
    // run ahead of the one agent until it is cut off as a slow consumer — correct, but not a
    // throughput figure.
    let running = true;
    c.onAcked(() => acks++);
    c.onDelivered((t0, body) => {
      if (seen.has(body)) dupes++;
      seen.add(body);
      lat.push(performance.now() - t0);
      if (running) {
        sent++;
        sendFrom(c, Number(body.slice(0, body.indexOf(' '))));
      }
    });
    c.visitors.forEach((_, i) => {
      for (let k = 0; k < WINDOW; k++, sent++) sendFrom(c, i);
    });
    await sleep(seconds * 1000);
    running = false;
  }
  const elapsed = (performance.now() - start) / 1000;
  const ackedAtEnd = acks;
  const deliveredAtEnd = seen.size;
  for (let i = 0; i < 500 && (acks < sent || seen.size < sent); i++) await sleep(10); // drain
  const cpuUsPerMsg = (await server.cpu()) - cpu0;
  lat.sort((a, b) => a - b);
  return {
    target: rate,
    ackedPerSec: Math.round(ackedAtEnd / elapsed),
    deliveredPerSec: Math.round(deliveredAtEnd / elapsed),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? Number.NaN,
    complete: acks === sent && seen.size === sent && dupes === 0,
    cpuUsPerMsg: Math.round(cpuUsPerMsg / Math.max(1, seen.size)),
  };
}

async function benchServer(kind: Kind, visitors: number, seconds: number, log: (s: string) => void): Promise<ServerResult> {
  const server = await startServer(kind);
  const { child, port } = server;
  try {
    const t0 = performance.now();
    const c = await connectAll(kind, port, visitors);
    const connectMs = performance.now() - t0;
    log(`${kind}: ${visitors} visitors connected in ${connectMs.toFixed(0)} ms`);
    await phase(c, server, 200, 1); // warm-up (JIT, first-message paths)
    const phases: PhaseResult[] = [];
    for (const rate of RATES) {
      const r = await phase(c, server, rate, seconds);
      phases.push(r);
      log(`${kind}: ${rate}/s → acked ${r.ackedPerSec}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.complete ? '' : ' (INCOMPLETE)'}`);
    }
    const max = await phase(c, server, 0, seconds);
    log(`${kind}: closed loop (${WINDOW} in flight per visitor) → delivered ${max.deliveredPerSec}/s, acked ${max.ackedPerSec}/s, p50 ${max.p50.toFixed(1)} ms, p99 ${max.p99.toFixed(1)} ms`);
    c.close();
    return { connectMs, phases, max };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Per phase, the median of each figure across runs. */
function medianPhases(runs: ServerResult[]): ServerResult {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
  const phase = (ps: PhaseResult[]): PhaseResult => ({
    target: (ps[0] as PhaseResult).target,
    ackedPerSec: med(ps.map((p) => p.ackedPerSec)),
    deliveredPerSec: med(ps.map((p) => p.deliveredPerSec)),
    p50: med(ps.map((p) => p.p50)),
    p99: med(ps.map((p) => p.p99)),
    max: med(ps.map((p) => p.max)),
    complete: ps.every((p) => p.complete),
    cpuUsPerMsg: med(ps.map((p) => p.cpuUsPerMsg)),
  });
  return {
    connectMs: med(runs.map((r) => r.connectMs)),
    phases: (runs[0] as ServerResult).phases.map((_, i) => phase(runs.map((r) => r.phases[i] as PhaseResult))),
    max: phase(runs.map((r) => r.max)),
  };
}

export async function runRelayBench(opts: { visitors?: number; seconds?: number; runs?: number; log?: (line: string) => void } = {}): Promise<RelayBenchResult> {
  const visitors = opts.visitors ?? Number(process.env.RELAY_BENCH_VISITORS ?? 1000);
  const seconds = opts.seconds ?? Number(process.env.RELAY_BENCH_SECONDS ?? 3);
  const runs = Math.max(1, opts.runs ?? Number(process.env.RELAY_BENCH_RUNS ?? 3));
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  // Interleaved (echo, relay, echo, relay…) so a noisy neighbour hits both sides alike.
  const echoRuns: ServerResult[] = [];
  const relayRuns: ServerResult[] = [];
  for (let i = 0; i < runs; i++) {
    echoRuns.push(await benchServer('echo', visitors, seconds, log));
    relayRuns.push(await benchServer('relay', visitors, seconds, log));
  }
  const echo = runs === 1 ? (echoRuns[0] as ServerResult) : medianPhases(echoRuns);
  const relay = runs === 1 ? (relayRuns[0] as ServerResult) : medianPhases(relayRuns);
  const at1000 = relay.phases.find((p) => p.target === 1000);
  const ratio = relay.max.deliveredPerSec / echo.max.deliveredPerSec;
  return {
    visitors,
    seconds,
    runs,
    relay,
    echo,
    ratio,
    goals: { p99Under50msAt1000: Boolean(at1000?.complete && at1000.p99 < 50), atLeastThirdOfEcho: ratio >= 1 / 3 },
  };
}

function printReport(r: RelayBenchResult): void {
  const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));
  const lines = [
    `relay bench: ${r.visitors} visitors → 1 agent, loopback, ${r.seconds} s per phase, medians of ${r.runs} interleaved runs, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}`,
    '',
    'rate/s   server  acked/s  delivered/s  p50 ms  p99 ms  max ms  server CPU/msg  complete',
  ];
  const row = (name: string, p: PhaseResult) =>
    `${String(p.target || 'max').padEnd(8)} ${name.padEnd(7)} ${String(p.ackedPerSec).padStart(7)}  ${String(p.deliveredPerSec).padStart(11)}  ${ms(p.p50).padStart(6)}  ${ms(p.p99).padStart(6)}  ${ms(p.max).padStart(6)}  ${`${p.cpuUsPerMsg} µs`.padStart(14)}  ${p.complete ? 'yes' : 'NO'}`;
  r.relay.phases.forEach((p, i) => {
    lines.push(row('relay', p));
    lines.push(row('echo', r.echo.phases[i] as PhaseResult));
  });
  lines.push(row('relay', r.relay.max), row('echo', r.echo.max));
  lines.push(
    '',
    `connect ${r.visitors}: relay ${r.relay.connectMs.toFixed(0)} ms, echo ${r.echo.connectMs.toFixed(0)} ms`,
    `goal p99 < 50 ms at 1,000 msg/s: ${r.goals.p99Under50msAt1000 ? 'ok' : 'MISSED'}`,
    `goal ≥ 1/3 of bare echo throughput: ${(r.ratio * 100).toFixed(0)}% ${r.goals.atLeastThirdOfEcho ? 'ok' : 'MISSED'}`,
    `server CPU per message at max: relay ${r.relay.max.cpuUsPerMsg} µs, echo ${r.echo.max.cpuUsPerMsg} µs (the clients share one process: at max it, not the server, may be the limit)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt > 0) {
  await serve(process.argv[serveAt + 1] as Kind);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printReport(await runRelayBench());
}
