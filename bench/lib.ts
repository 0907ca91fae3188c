// Small helpers for bench/run.ts: timing whole processes (with peak RSS), medians, the table.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ProcResult {
  /** Wall time from spawn to exit, ms: node startup is part of every figure, on both sides. */
  ms: number;
  /** Monotonic end time (performance.now()), for "time since X" figures. */
  end: number;
  /** Peak RSS in MB when asked for (GNU time's %M), else null. */
  rssMb: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = fs.existsSync(GNU_TIME);
let seq = 0;

/** Runs `node ...args` to completion. With rss, wraps it in /usr/bin/time to read the child's peak RSS. */
export function runNode(args: string[], opts: { env?: NodeJS.ProcessEnv; rss?: boolean; nodeArgs?: string[] } = {}): Promise<ProcResult> {
  const rssFile = opts.rss && hasGnuTime ? path.join(os.tmpdir(), `bench-rss-${process.pid}-${++seq}`) : null;
  const argv = [...(opts.nodeArgs ?? []), ...args];
  const [cmd, cmdArgs] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...argv]] : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, cmdArgs, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      let rssMb: number | null = null;
      if (rssFile) {
        // GNU time prints "Command exited with non-zero status N" before %M on failures: take the last line.
        const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
        fs.rmSync(rssFile, { force: true });
        rssMb = Number.isFinite(kb) ? kb / 1024 : null;
      }
      resolve({ ms: end - start, end, rssMb, code, stdout, stderr });
    });
  });
}

/** Runs and insists on exit code 0, so a broken run never shows up as a fast one. */
export async function mustRun(label: string, args: string[], opts: Parameters<typeof runNode>[1] = {}): Promise<ProcResult> {
  const r = await runNode(args, opts);
  if (r.code !== 0) throw new Error(`${label} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  return r;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const loadAvg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
export const fmtMb = (mb: number) => `${Math.round(mb)} MB`;

export interface Row {
  bench: string;
  what: string;
  attend: string;
  baseline: string;
  ratio: string;
  goal: string;
  verdict: string;
}

export function printTable(rows: Row[]): void {
  const head: Row = { bench: 'bench', what: 'measure', attend: 'attend', baseline: 'baseline', ratio: 'ratio', goal: 'goal', verdict: '' };
  const cols = Object.keys(head) as Array<keyof Row>;
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<keyof Row, number>;
  const line = (r: Row) =>
    cols
      .map((c) => (c === 'attend' || c === 'baseline' || c === 'ratio' ? r[c].padStart(width[c]) : r[c].padEnd(width[c])))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(head)}\n${cols.map((c) => '-'.repeat(width[c])).join('  ')}`);
  for (const r of rows) console.log(line(r));
}
