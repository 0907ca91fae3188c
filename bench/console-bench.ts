// The console benchmark (issue: "With 100,000 conversations in the store: first frame within
// 500 ms of start; a key press in the queue re-renders within 16 ms (median) and 50 ms (p99);
// memory under 200 MB"). Each figure is set against a bare Ink app doing the least of the same
// work (bench/bare/ink-frame.mjs: 23 static lines, j moves a highlighted row), in the same run and
// the same terminal setup, because the machines are noisy and the ratio is what we track.
//
//   store        seedStore() fills a fresh $ATTEND_HOME with 100k conversations (email + chat)
//                through the real ingest code, then one `attend list --limit 1` ranks them, as a
//                sync or list would have before a user opens the console. That first rank of
//                100k is what the first command after an upgrade pays; it is timed once, as a row.
//   first frame  the built binary in a real pseudo-terminal (util-linux `script`, 80x24), from
//                spawn to the first output chunk holding the queue header "QUEUE (". Whole
//                process: node startup is on both sides.
//   memory       the same console process after 200 j and a G sent through the pty: its VmHWM.
//   key latency  in-process, where it can be timed to the microsecond: the real App rendered by
//                Ink into fake TTY streams (src/ui/run.tsx's render options), 300 keys one at a
//                time, ~40 ms apart (well outside Ink's 17 ms frame throttle), from the stdin
//                write to the stdout write that carries the new frame. That includes the hop
//                React 19 makes (Ink 6.8 renders the update in a scheduler task, not inside the
//                key handler): what a user waits for, not only CPU. Runs in a child process
//                (this file with --keys), so neither the seeding nor the pty half shares its heap.
//   environment  NO_COLOR, TERM=xterm-256color, no CI variables (as run.tsx leaves them),
//                NODE_ENV as the caller has it.
//   which Ink    as the binary loads it: bundled with production React (scripts/bundle.mjs). The
//                baseline and the in-process render are bundled with the same esbuild options
//                (bench/bundles.ts), so the ratios measure attend's own code, not packaging.
//
//   npx tsx bench/console-bench.ts     BENCH_SCALE (1: 100k conversations), BENCH_RUNS (3),
//                                      BENCH_PROF=1 (CPU profiles of the console processes in
//                                      bench/profiles/console-*/, summed by bench/prof-top.mjs)
//   BENCH_ONLY=console npm run bench   the same, inside bench/run.ts's table and results.json
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ReactElement } from 'react';
import { BIN } from '../test/helpers/cli.js';
import { BARE_FRAME, buildBenchBundles, KEYS_ATTEND, KEYS_BARE } from './bundles.js';
import { fmtMb, fmtMs, loadAvg, median, mustRun, printTable, type Row } from './lib.js';
import { seedStore } from './seed-store.js';

const HERE = import.meta.dirname;
const SELF = fileURLToPath(import.meta.url);
const PROF_DIR = path.join(HERE, 'profiles');
const COLUMNS = 80;
const ROWS = 24;
/** Pause between two key presses: far outside Ink's frame throttle (maxFps 60 → 17 ms). */
const KEY_GAP_MS = 40;
/** A press that brings no frame within this long counts as "no re-render" (it would be a no-op). */
const KEY_TIMEOUT_MS = 2000;
/**
 * The keys pressed in the queue, one cycle of 30 repeated 10 times (300 presses). Every press
 * changes the frame in both apps: k only after a j, g only after G and two k, and the bare app's
 * j/k/ctrl-d wrap around its 22 rows (so the same cycle never hits an edge there either).
 */
const CYCLE = ['j', 'j', 'j', 'k', 'j', 'j', '\x04', 'j', 'k', 'j', 'j', 'j', 'j', 'k', 'j', 'j', '\x04', 'j', 'k', 'j', 'j', 'j', 'j', 'k', 'j', 'G', 'k', 'k', 'g', 'j'];
const KEYS = Array.from({ length: 10 }, () => CYCLE).flat();

type Kind = 'attend' | 'bare';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const fmtKey = (ms: number) => `${ms.toFixed(1)} ms`;

/** What src/ui/run.tsx does before loading Ink: with CI set, Ink renders only a last frame (and chalk no styles). */
function dropCiVars(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(env)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete env[key];
}

/** Peak resident set (VmHWM) of a live process, MB: what it reached, not what it holds now. */
function vmHwmMb(pid: number | 'self'): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]) / 1024;
}

// ------------------------------------------------------------------------------- the pty half

interface PtyRun {
  /** spawn → first output chunk holding "QUEUE (". */
  firstMs: number;
  /** VmHWM after start + 200 j + G. */
  hwmMb: number;
  /** 'q' sent → process gone (store and terminal restored). */
  quitMs: number;
  /** Bytes the scrolling brought: proof the keys reached the app. */
  scrollBytes: number;
}

/**
 * Runs `argv` in a pseudo-terminal: `script` gives it a pty, `stty` makes it 80x24, `exec` keeps
 * the shell's pid (printed first) for the program, so /proc/PID is the console itself.
 * Our pipe is the terminal's keyboard and screen.
 */
async function ptyRun(label: string, argv: string[], env: NodeJS.ProcessEnv): Promise<PtyRun> {
  const cmd = `stty cols ${COLUMNS} rows ${ROWS}; echo PID=$$; exec ${argv.map(shQuote).join(' ')}`;
  const t0 = performance.now();
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let lastChunk = t0;
  let waiter: { test: () => boolean; resolve: (t: number) => void } | null = null;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    lastChunk = performance.now();
    out += d;
    if (waiter?.test()) {
      waiter.resolve(lastChunk);
      waiter = null;
    }
  });
  const closed = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: performance.now() })));
  const fail = (what: string) => {
    child.kill('SIGKILL'); // `script` only: the pty closes and the program gets SIGHUP
    return new Error(`${label} in the pty: ${what}\n${stderr}\nlast output: ${JSON.stringify(out.slice(-1500))}`);
  };
  const waitFor = (test: () => boolean, ms: number, what: string) =>
    new Promise<number>((resolve, reject) => {
      if (test()) return resolve(lastChunk);
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(fail(`timed out waiting for ${what}`));
      }, ms);
      waiter = {
        test,
        resolve: (t) => {
          settled = true;
          clearTimeout(timer);
          resolve(t);
        },
      };
      void closed.then(() => {
        if (settled) return;
        clearTimeout(timer);
        reject(fail(`exited while waiting for ${what}`));
      });
    });
  const press = (k: string) => child.stdin.write(k);

  const firstAt = await waitFor(() => out.includes('QUEUE ('), 120_000, 'the first frame');
  const pid = Number(/PID=(\d+)/.exec(out)?.[1]);
  // Keys sent before the app has put the tty in raw mode would be echoed and line-buffered.
  await sleep(300);
  const before = out.length;
  for (let i = 0; i < 200; i++) {
    press('j');
    await sleep(10); // ~100 keys/s: a held-down j with a fast key repeat
  }
  press('G');
  // Let the last frames out: quiet for 300 ms (or 5 s at most).
  for (const until = performance.now() + 5000; performance.now() < until && performance.now() - lastChunk < 300; ) await sleep(50);
  await sleep(300);
  const scrollBytes = out.length - before;
  if (scrollBytes < 1000) throw fail(`200 j + G brought only ${scrollBytes} bytes of output`);
  const hwmMb = vmHwmMb(pid);
  const qAt = performance.now();
  press('q');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const end = await closed;
  clearTimeout(timer);
  if (end.code !== 0) throw fail(`exited ${end.code} after q`);
  return { firstMs: firstAt - t0, hwmMb, quitMs: end.at - qAt, scrollBytes };
}

// ------------------------------------------------------------------------------- the key half

/** A TTY-looking stdout that keeps the time of every write and knows which ones carry a frame. */
class FakeStdout extends Writable {
  readonly isTTY = true;
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  /** performance.now() of every write that carries a frame (multi-line; not the sync/cursor escapes). */
  readonly frames: number[] = [];
  private waiter: ((t: number) => void) | null = null;

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const t = performance.now();
    if (String(chunk).includes('\n')) {
      this.frames.push(t);
      this.waiter?.(t);
      this.waiter = null;
    }
    cb();
  }

  /** Time of the first frame written at index >= from, or null when none comes within ms. */
  frameAfter(from: number, ms: number): Promise<number | null> {
    const done = this.frames[from];
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, ms);
      this.waiter = (t) => {
        clearTimeout(timer);
        resolve(t);
      };
    });
  }
}

/** A raw-mode TTY stdin, as ink-testing-library fakes it: Ink reads keys on 'readable' with read(). */
class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  press(s: string): void {
    this.data = s;
    this.emit('readable');
  }
  read(): string | null {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

interface KeyRun {
  /** stdin write → frame write, ms, one per press that re-rendered. */
  latencies: number[];
  /** The key of each latency (j, k, ctrl-d, G, g): the jumps cost differently from a step. */
  pressed: string[];
  /** Ink's own share of each render (onRender's renderTime: tree → screen text), ms. */
  inkRenderMs: number[];
  /** Presses that brought no frame (should be 0: every press in KEYS changes the screen). */
  noFrame: number;
  /** Imports + store + Runtime.start, then render() → first frame (in-process, for reference). */
  setupMs: number;
  firstFrameMs: number;
  hwmMb: number;
}

/** The child process: render one app into fake streams, press KEYS, print a KeyRun as JSON. */
async function keysChild(kind: Kind, home: string): Promise<void> {
  const t0 = performance.now();
  // As src/ui/run.tsx does, before Ink is loaded: Ink reads CI once, at import.
  dropCiVars(process.env);
  let element: ReactElement;
  let close = async () => {};
  let render: typeof import('ink').render;
  if (kind === 'attend') {
    // The console's App and Runtime from src/, bundled as the binary is (bench/bundles.ts).
    const m = (await import(pathToFileURL(KEYS_ATTEND).href)) as typeof import('ink') & {
      React: typeof import('react');
      openContext: typeof import('../src/app/context.js').openContext;
      closeContext: typeof import('../src/app/context.js').closeContext;
      Runtime: typeof import('../src/app/runtime.js').Runtime;
      App: typeof import('../src/ui/App.js').App;
      makeTheme: typeof import('../src/ui/theme.js').makeTheme;
    };
    render = m.render;
    const env = { ...process.env, ATTEND_HOME: home };
    const ctx = await m.openContext(env);
    // No channels (there are no accounts anyway) and no relay, as with --no-relay.
    const runtime = await m.Runtime.start(ctx, { relay: false, channels: false });
    element = m.React.createElement(m.App, { runtime, theme: m.makeTheme(env), size: { columns: COLUMNS, rows: ROWS } });
    close = async () => {
      await runtime.close();
      m.closeContext(ctx);
    };
  } else {
    const m = (await import(pathToFileURL(KEYS_BARE).href)) as typeof import('ink') & { React: typeof import('react'); BareApp: () => ReactElement };
    render = m.render;
    element = m.React.createElement(m.BareApp);
  }
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  const inkRenderMs: number[] = [];
  const tRender = performance.now();
  const instance = render(element, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout() as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    // run.tsx's options, except patchConsole: nothing here logs, and our result goes to the real stdout.
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
    onRender: ({ renderTime }) => inkRenderMs.push(renderTime),
  });
  const first = await stdout.frameAfter(0, 60_000);
  if (first === null) throw new Error(`${kind}: no first frame`);
  // Let the mount effects run (raw mode on, the store's first check) before the first key.
  await sleep(300);
  inkRenderMs.length = 0;
  const latencies: number[] = [];
  const pressed: string[] = [];
  let noFrame = 0;
  for (const key of KEYS) {
    const from = stdout.frames.length;
    const t = performance.now();
    stdin.press(key);
    const at = await stdout.frameAfter(from, KEY_TIMEOUT_MS);
    if (at === null) noFrame++;
    else {
      latencies.push(at - t);
      pressed.push(key === '\x04' ? 'ctrl-d' : key);
    }
    await sleep(KEY_GAP_MS);
  }
  const hwmMb = vmHwmMb('self');
  instance.unmount();
  await close();
  const result: KeyRun = { latencies, pressed, inkRenderMs, noFrame, setupMs: tRender - t0, firstFrameMs: first - tRender, hwmMb };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0); // Ink's and the runtime's timers are gone, but do not wait for stragglers
}

function keyRun(kind: Kind, env: NodeJS.ProcessEnv, prof: string[]): Promise<KeyRun> {
  return new Promise((resolve, reject) => {
    // Same node, same loader (tsx's, from our own execArgv), this file in child mode.
    const child = spawn(process.execPath, [...process.execArgv, ...prof, SELF, '--keys', kind, env.ATTEND_HOME ?? ''], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`key run (${kind}) exited ${code}:\n${err.slice(-3000)}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as KeyRun);
    });
  });
}

/** Median (and max) latency per key: which presses are the slow ones (at 100k: G, the deep jump). */
function byKey(runs: KeyRun[]): Record<string, { median: number; max: number; n: number }> {
  const groups = new Map<string, number[]>();
  for (const r of runs) {
    for (const [i, k] of r.pressed.entries()) groups.set(k, [...(groups.get(k) ?? []), r.latencies[i] as number]);
  }
  return Object.fromEntries([...groups].map(([k, xs]) => [k, { median: median(xs), max: Math.max(...xs), n: xs.length }]));
}
const fmtByKey = (b: ReturnType<typeof byKey>) =>
  Object.entries(b)
    .map(([k, v]) => `${k} ${fmtKey(v.median)} (max ${fmtKey(v.max)})`)
    .join(' · ');

// ------------------------------------------------------------------------------- the benchmark

export interface ConsoleBenchOptions {
  scale: number;
  runs: number;
  log: (line: string) => void;
  /** Write CPU profiles of every console process (and the first list) to bench/profiles/console-*. */
  prof?: boolean;
}

export interface ConsoleBenchResult {
  rows: Row[];
  results: Record<string, unknown>;
}

export async function runConsoleBench(opts: ConsoleBenchOptions): Promise<ConsoleBenchResult> {
  const { log } = opts;
  const n = Math.max(100, Math.round(100_000 * opts.scale));
  const profArgs = (tag: string) => (opts.prof ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROF_DIR, `console-${tag}-${Date.now()}`)}`] : []);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'attend-console-bench-'));
  // What both apps see: the store, no colour (so "QUEUE (" is plain text), a common terminal type,
  const env: NodeJS.ProcessEnv = { ...process.env, ATTEND_HOME: home, NO_COLOR: '1', TERM: 'xterm-256color' };
  dropCiVars(env);
  try {
    await buildBenchBundles();
    log(`\n== console: store with ${n} conversations, ${COLUMNS}x${ROWS} terminal; Ink and React bundled on both sides`);
    const tSeed = performance.now();
    seedStore(home, n);
    log(`  seeded ${n} conversations through the ingest code in ${fmtMs(performance.now() - tSeed)} (not a benchmark)`);
    // A real store was ranked by the sync or list that came before; this one has never been.
    const firstList = await mustRun('attend list', [BIN, 'list', '--limit', '1'], { env, nodeArgs: profArgs('first-list') });
    const nextList = await mustRun('attend list', [BIN, 'list', '--limit', '1'], { env });
    log(`  first \`list --limit 1\` (ranks all ${n}) ${fmtMs(firstList.ms)}; the next one (ranks cached) ${fmtMs(nextList.ms)}`);

    const pty = { attend: [] as PtyRun[], bare: [] as PtyRun[] };
    const keys = { attend: [] as KeyRun[], bare: [] as KeyRun[] };
    for (let i = 0; i < opts.runs; i++) {
      // Interleaved, so a noisy neighbour hurts both sides alike.
      const pa = await ptyRun('attend', [process.execPath, ...profArgs('pty'), BIN, '--no-relay'], env);
      const pb = await ptyRun('bare ink', [process.execPath, BARE_FRAME], env);
      pty.attend.push(pa);
      pty.bare.push(pb);
      log(
        `  run ${i + 1} pty: first frame attend ${fmtMs(pa.firstMs)} vs bare ${fmtMs(pb.firstMs)}; ` +
          `peak RSS after 200 j + G attend ${fmtMb(pa.hwmMb)} vs bare ${fmtMb(pb.hwmMb)}; q → exit attend ${fmtMs(pa.quitMs)} vs bare ${fmtMs(pb.quitMs)}`,
      );
      const ka = await keyRun('attend', env, profArgs('keys'));
      const kb = await keyRun('bare', env, []);
      keys.attend.push(ka);
      keys.bare.push(kb);
      log(
        `  run ${i + 1} keys: attend median ${fmtKey(median(ka.latencies))} p99 ${fmtKey(pct(ka.latencies, 99))} max ${fmtKey(Math.max(...ka.latencies))} ` +
          `(Ink's own render median ${fmtKey(median(ka.inkRenderMs))}; first key ${fmtKey(ka.latencies[0] ?? Number.NaN)}) vs bare median ${fmtKey(median(kb.latencies))} p99 ${fmtKey(pct(kb.latencies, 99))}` +
          `${ka.noFrame + kb.noFrame ? `; presses without a frame: attend ${ka.noFrame}, bare ${kb.noFrame}` : ''}`,
      );
      log(`            median by key: attend ${fmtByKey(byKey([ka]))}`);
      log(`                           bare   ${fmtByKey(byKey([kb]))}`);
      log(
        `            in-process setup (imports, store, Runtime.start) attend ${fmtMs(ka.setupMs)} vs bare ${fmtMs(kb.setupMs)}, render() → first frame attend ${fmtMs(ka.firstFrameMs)} vs bare ${fmtMs(kb.firstFrameMs)}`,
      );
    }

    const m = (xs: PtyRun[], f: (r: PtyRun) => number) => median(xs.map(f));
    // Key latencies: every press of every run, pooled (runs × 300).
    const lat = { attend: keys.attend.flatMap((k) => k.latencies), bare: keys.bare.flatMap((k) => k.latencies) };
    const first = { attend: m(pty.attend, (r) => r.firstMs), bare: m(pty.bare, (r) => r.firstMs) };
    const key50 = { attend: median(lat.attend), bare: median(lat.bare) };
    const key99 = { attend: pct(lat.attend, 99), bare: pct(lat.bare, 99) };
    // G jumps to the last row: for attend a page read deep into the queue, the priciest press.
    const jump = { attend: byKey(keys.attend).G?.median ?? Number.NaN, bare: byKey(keys.bare).G?.median ?? Number.NaN };
    const rss = { attend: m(pty.attend, (r) => r.hwmMb), bare: m(pty.bare, (r) => r.hwmMb) };
    const rssIn = { attend: median(keys.attend.map((k) => k.hwmMb)), bare: median(keys.bare.map((k) => k.hwmMb)) };
    const k = `${n / 1000}k`;
    const rows: Row[] = [
      { bench: 'console', what: `first list after seeding: ranks all ${k} (once)`, attend: fmtMs(firstList.ms), baseline: '', ratio: '', goal: '', verdict: 'after upgrade' },
      { bench: 'console', what: '  next list (ranks cached)', attend: fmtMs(nextList.ms), baseline: '', ratio: '', goal: '', verdict: '' },
      { bench: 'console', what: `first frame: spawn → queue header (${k})`, attend: fmtMs(first.attend), baseline: fmtMs(first.bare), ratio: ratio(first.attend, first.bare), goal: '< 500 ms', verdict: verdict(first.attend < 500) },
      { bench: 'console', what: `key → re-render, median (${lat.attend.length} keys)`, attend: fmtKey(key50.attend), baseline: fmtKey(key50.bare), ratio: ratio(key50.attend, key50.bare), goal: '< 16 ms', verdict: verdict(key50.attend < 16) },
      { bench: 'console', what: 'key → re-render, p99', attend: fmtKey(key99.attend), baseline: fmtKey(key99.bare), ratio: ratio(key99.attend, key99.bare), goal: '< 50 ms', verdict: verdict(key99.attend < 50) },
      { bench: 'console', what: `  key G (jump to the last of ${k}), median`, attend: fmtKey(jump.attend), baseline: fmtKey(jump.bare), ratio: ratio(jump.attend, jump.bare), goal: '', verdict: '' },
      { bench: 'console', what: 'peak RSS: console in pty, 200 j + G', attend: fmtMb(rss.attend), baseline: fmtMb(rss.bare), ratio: ratio(rss.attend, rss.bare), goal: '< 200 MB', verdict: verdict(rss.attend < 200) },
      { bench: 'console', what: '  peak RSS: in-process key run (+tsx)', attend: fmtMb(rssIn.attend), baseline: fmtMb(rssIn.bare), ratio: ratio(rssIn.attend, rssIn.bare), goal: '', verdict: '' },
    ];
    const samples = (xs: number[], f: (x: number) => string = fmtMs) => xs.map(f).join(' / ');
    const results = {
      conversations: n,
      ink: 'bundled (scripts/bundle-options.mjs) on both sides',
      terminal: `${COLUMNS}x${ROWS}`,
      baselineIs: 'bench/bare/ink-frame.mjs: Ink rendering 23 static lines, j moves a highlighted row; same pty / fake TTY, same render options',
      firstListMs: firstList.ms,
      nextListMs: nextList.ms,
      firstFrameMs: { attend: pty.attend.map((r) => r.firstMs), bare: pty.bare.map((r) => r.firstMs), samples: { attend: samples(pty.attend.map((r) => r.firstMs)), bare: samples(pty.bare.map((r) => r.firstMs)) } },
      peakRssMb: { attend: pty.attend.map((r) => r.hwmMb), bare: pty.bare.map((r) => r.hwmMb) },
      quitMs: { attend: pty.attend.map((r) => r.quitMs), bare: pty.bare.map((r) => r.quitMs) },
      keys: {
        presses: KEYS.length,
        gapMs: KEY_GAP_MS,
        attend: { median: key50.attend, p90: pct(lat.attend, 90), p99: key99.attend, max: Math.max(...lat.attend), byKey: byKey(keys.attend), noFrame: keys.attend.map((r) => r.noFrame), inkRenderMedian: median(keys.attend.flatMap((r) => r.inkRenderMs)) },
        bare: { median: key50.bare, p90: pct(lat.bare, 90), p99: key99.bare, max: Math.max(...lat.bare), byKey: byKey(keys.bare), noFrame: keys.bare.map((r) => r.noFrame), inkRenderMedian: median(keys.bare.flatMap((r) => r.inkRenderMs)) },
        inProcessPeakRssMb: { attend: keys.attend.map((r) => r.hwmMb), bare: keys.bare.map((r) => r.hwmMb) },
        setupMs: { attend: keys.attend.map((r) => r.setupMs), bare: keys.bare.map((r) => r.setupMs) },
      },
    };
    return { rows, results };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** What the table cannot say; printed under it by run.ts and by this file alone. */
export const CONSOLE_NOTES = [
  'console: baseline = bench/bare/ink-frame.mjs, a bare Ink app (23 static lines, j moves a highlighted row) in the same 80x24 pty / fake TTY with the same render options',
  '  Ink and React bundled on both sides with the build\'s esbuild options (bench/bundles.ts);',
  '  first frame and peak RSS are whole processes in a pty (script); key latency is in-process, stdin write → frame write, every press of every run pooled.',
  '  The first list after seeding ranks the whole store once: what the first command after an upgrade to ranked queues pays; every later start only ranks what changed.',
];

const keysAt = process.argv.indexOf('--keys');
if (keysAt > 0) {
  await keysChild(process.argv[keysAt + 1] as Kind, process.argv[keysAt + 2] as string);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? '3'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // The pty half runs dist/: build it, as `npm run bench` does, so both halves run today's source.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: path.join(HERE, '..'), stdio: 'inherit' });
  if (process.env.BENCH_PROF) fs.mkdirSync(PROF_DIR, { recursive: true });
  // Others commit to this tree while benches run: record which code was measured (as run.ts does).
  const git = (...args: string[]) => execFileSync('git', args, { cwd: path.join(HERE, '..'), encoding: 'utf8' }).trim();
  // (src, and what the build runs: scripts/ and package.json, which decide how the UI is bundled)
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', 'src', 'scripts', 'package.json') ? '+uncommitted changes' : ''}`;
  log(`console bench at ${commit}: node ${process.version}, ${os.cpus().length} cpus, load average ${loadAvg()}, scale ${scale}, ${runs} runs`);
  const r = await runConsoleBench({ scale, runs, log, prof: Boolean(process.env.BENCH_PROF) });
  console.log(`\nconsole bench at ${commit} — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cpus, scale ${scale}, median of ${runs}; load average at end ${loadAvg()}`);
  for (const line of CONSOLE_NOTES) console.log(line);
  if (scale !== 1) console.log(`(BENCH_SCALE=${scale}: store shrunk, absolute goals are for 100k)`);
  printTable(r.rows);
}
