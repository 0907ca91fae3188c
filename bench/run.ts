// `npm run bench`: attend against a bare imapflow script doing the same IMAP work, in the same
// run, on a private Dovecot on loopback. Whole processes on both sides (node startup included),
// medians of BENCH_RUNS (3) interleaved runs; the ratios matter, the machine is noisy.
//   BENCH_SCALE=0.1       shrink every mailbox (quick smoke run; absolute goals then mean little)
//   BENCH_ONLY=name       one of: first-screen, cold-sync-10k, resync, list-100k, console
//                         (console: the full-screen console over a 100k store against a bare Ink app; bench/console-bench.ts)
//                         team: 10 agents on one hub, a change to every other store vs a chat reply's fan-out (bench/team.ts)
//   BENCH_RUNS=n          runs per figure (default 3)
//   BENCH_PROF=1          attend runs write V8 CPU profiles to bench/profiles/TAG-TIME/ (bench/prof-top.mjs sums them up)
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { addAccount, BIN, type Cli, makeCli } from '../test/helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../test/helpers/dovecot.js';
import { makeBulk } from '../test/helpers/mail.js';
import type { SmtpSink } from '../test/helpers/smtp-sink.js';
import { fillMaildir } from './maildir.js';
import { CONSOLE_NOTES, runConsoleBench } from './console-bench.js';
import { runTeamBench } from './team.js';
import { fmtMb, fmtMs, loadAvg, median, mustRun, type ProcResult, printTable, type Row, runNode } from './lib.js';

const HERE = import.meta.dirname;
const BARE = path.join(HERE, 'bare');
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? '3'));
const ONLY = process.env.BENCH_ONLY;
const BENCHES = ['first-screen', 'cold-sync-10k', 'resync', 'list-100k', 'console', 'team'] as const;
const BIG = Math.max(100, Math.round(100_000 * SCALE));
const SMALL = Math.max(100, Math.round(10_000 * SCALE));
const PROF_DIR = path.join(HERE, 'profiles');
// One directory per run: every thread (the sync's store worker too) writes its own profile there.
const profArgs = (tag: string) => (process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROF_DIR, `${tag}-${Date.now()}`)}`] : []);
// Sync never talks SMTP unless the outbox has something; the account only needs a host and port.
const NO_SMTP = { host: '127.0.0.1', port: 1 } as unknown as SmtpSink;

if (ONLY && !(BENCHES as readonly string[]).includes(ONLY)) throw new Error(`BENCH_ONLY must be one of ${BENCHES.join(', ')}`);
const want = (name: (typeof BENCHES)[number]) => !ONLY || ONLY === name;
const log = (s: string) => process.stderr.write(`${s}\n`);
const rows: Row[] = [];
const results: Record<string, unknown> = {};
const stores: Cli[] = [];

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const samples = (xs: number[], f: (x: number) => string = fmtMs) => xs.map(f).join(' / ');

/** Dovecot warnings (slow maildir scans, lock waits) since the last call: they explain outliers. */
let logSeen = 0;
const dovecotWarnings: string[] = [];
function dovecotNews(dv: DovecotInstance): void {
  const lines = fs.readFileSync(dv.logPath, 'utf8').split('\n');
  for (const line of lines.slice(logSeen)) {
    if (!/Warning|Error|Fatal|Panic/.test(line)) continue;
    dovecotWarnings.push(line);
    log(`  dovecot: ${line.replace(/^\w+ \d+ ([\d:]+) .*?: (Warning|Error|Fatal|Panic): /, '$1 $2: ').slice(0, 200)}`);
  }
  logSeen = Math.max(lines.length - 1, 0);
}

function bareEnv(dv: DovecotInstance, user: string): NodeJS.ProcessEnv {
  return { ...process.env, BENCH_IMAP_PORT: String(dv.port), BENCH_IMAP_USER: user, BENCH_IMAP_PASS: dv.password(user) };
}

async function newStore(dv: DovecotInstance, user: string): Promise<Cli> {
  const cli = makeCli();
  stores.push(cli);
  // Open window 0: every synthetic conversation (dated weeks ago) is open, as before open windows
  // existed, so the figures measure the same work; the default window only writes less.
  await addAccount(cli, dv, NO_SMTP, 'support', user, ['--open-window', '0']);
  return cli;
}

function dropStore(cli: Cli): void {
  cli.cleanup();
  stores.splice(stores.indexOf(cli), 1);
}

interface SyncRun {
  proc: ProcResult;
  fetched: number;
  added: number;
}

async function attendSync(cli: Cli, tag: string): Promise<SyncRun> {
  const proc = await mustRun('attend sync', [BIN, 'sync', '--json'], { env: cli.env, rss: true, nodeArgs: profArgs(tag) });
  const [report] = JSON.parse(proc.stdout) as Array<{ ok: boolean; error: string | null; fetched: number; added: number }>;
  if (!report?.ok) throw new Error(`attend sync failed: ${report?.error ?? proc.stdout}`);
  return { proc, fetched: report.fetched, added: report.added };
}

async function bare(script: string, env: NodeJS.ProcessEnv, args: string[] = [], rss = false) {
  const proc = await mustRun(`bare ${script}`, [path.join(BARE, script), ...args], { env, rss });
  return { proc, out: JSON.parse(proc.stdout) as Record<string, number> };
}

async function doveStatus(dv: DovecotInstance, user: string) {
  const out = await dv.doveadm(['-f', 'flow', 'mailbox', 'status', '-u', user, 'messages uidnext highestmodseq', 'INBOX']);
  const field = (k: string) => new RegExp(`\\b${k}=(\\d+)`).exec(out)?.[1] ?? '0';
  return { messages: Number(field('messages')), uidNext: Number(field('uidnext')), highestModseq: String(field('highestmodseq')) };
}

async function fill(dv: DovecotInstance, user: string, n: number): Promise<void> {
  const t = performance.now();
  // replyRatio 0: every message its own thread, so n messages make n conversations (list-100k).
  await fillMaildir(dv, user, makeBulk(n, { replyRatio: 0, seed: 1 }));
  log(`filled ${user}: ${n} messages in ${fmtMs(performance.now() - t)}`);
  // The first FETCH of a fresh mailbox makes Dovecot parse every message and fill its cache.
  // Do that once, unmeasured, so neither side pays it.
  const w = await bare('full-sync.mjs', bareEnv(dv, user));
  log(`  warmed Dovecot's cache with one bare full fetch: ${fmtMs(w.proc.ms)}`);
  dovecotNews(dv);
}

/** Resolves with the time (since t0) at which the store first holds 50 conversations: splits sync latency from list latency. */
function watchCommit(cli: Cli, t0: number): Promise<number> {
  // Read-only, WAL: never blocks the sync's writer. A count every 5 ms is noise next to it.
  const db = new Database(path.join(cli.home, 'attend.db'), { readonly: true, fileMustExist: true });
  const count = db.prepare('SELECT count(*) AS n FROM conversations');
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if ((count.get() as { n: number }).n < 50) return;
      clearInterval(timer);
      db.close();
      resolve(performance.now() - t0);
    }, 5);
  });
}

/**
 * Starts `attend sync`; the moment the store holds 50 conversations (seen by this process, a
 * second reader), runs `attend list` and checks it shows them. Both times are from the spawn.
 * (An earlier version polled `attend list` back to back: its figure then also held up to one
 * list run of waiting for the poll that happened to start after the commit.)
 */
async function firstScreen(cli: Cli, tag: string) {
  const t0 = performance.now();
  const sync = attendSync(cli, tag);
  const commitMs = await watchCommit(cli, t0);
  const r = await runNode([BIN, 'list', '--json', '--limit', '50'], { env: cli.env });
  if (r.code !== 0) throw new Error(`attend list failed during the sync: ${r.stderr}`);
  const shown = (JSON.parse(r.stdout) as unknown[]).length;
  if (shown < 50) throw new Error(`50 conversations were committed, yet attend list showed ${shown}`);
  return { commitMs, firstMs: r.end - t0, pollMs: r.ms, sync: await sync };
}

async function benchFirstScreen(dv: DovecotInstance): Promise<Cli> {
  log(`\n== first-screen: cold ${BIG} messages`);
  const env = bareEnv(dv, 'big');
  const a = { first: [] as number[], commit: [] as number[], poll: [] as number[], sync: [] as number[], rss: [] as number[] };
  const b = { first: [] as number[], full: [] as number[], rss: [] as number[] };
  let keep: Cli | undefined;
  for (let i = 0; i < RUNS; i++) {
    const bf = await bare('first-screen.mjs', env);
    if (bf.out.count !== 50) throw new Error(`bare first screen saw ${bf.out.count} envelopes`);
    const full = await bare('full-sync.mjs', env, [], true);
    if (full.out.messages !== BIG) throw new Error(`bare full sync saw ${full.out.messages} messages`);
    const cli = await newStore(dv, 'big');
    const fs1 = await firstScreen(cli, 'first-screen');
    if (fs1.sync.fetched !== BIG) throw new Error(`attend fetched ${fs1.sync.fetched} of ${BIG}`);
    b.first.push(bf.proc.ms);
    b.full.push(full.proc.ms);
    b.rss.push(full.proc.rssMb ?? Number.NaN);
    a.first.push(fs1.firstMs);
    a.commit.push(fs1.commitMs);
    a.poll.push(fs1.pollMs);
    a.sync.push(fs1.sync.proc.ms);
    a.rss.push(fs1.sync.proc.rssMb ?? Number.NaN);
    log(
      `  run ${i + 1}: first screen attend 50 committed at ${fmtMs(fs1.commitMs)}, attend list then returned them at ${fmtMs(fs1.firstMs)} (took ${fmtMs(fs1.pollMs)}) vs bare ${fmtMs(bf.proc.ms)}; ` +
        `full sync attend ${fmtMs(fs1.sync.proc.ms)} ${fmtMb(fs1.sync.proc.rssMb ?? 0)} vs bare ${fmtMs(full.proc.ms)} ${fmtMb(full.proc.rssMb ?? 0)}`,
    );
    dovecotNews(dv);
    if (keep) dropStore(keep);
    keep = cli; // the last store serves list-100k and resync
  }
  const m = (xs: number[]) => median(xs);
  rows.push(
    { bench: 'first-screen', what: `spawn → newest 50 committed, readable by others (${BIG / 1000}k)`, attend: fmtMs(m(a.commit)), baseline: fmtMs(m(b.first)), ratio: ratio(m(a.commit), m(b.first)), goal: '< 0.5 s', verdict: verdict(m(a.commit) < 500) },
    { bench: 'first-screen', what: '  spawn → `attend list` run then returns them', attend: fmtMs(m(a.first)), baseline: '', ratio: '', goal: '', verdict: '' },
    { bench: 'first-screen', what: '  of which the list run itself', attend: fmtMs(m(a.poll)), baseline: '', ratio: '', goal: '', verdict: '' },
    { bench: 'first-screen', what: `full cold sync ${BIG / 1000}k, time`, attend: fmtMs(m(a.sync)), baseline: fmtMs(m(b.full)), ratio: ratio(m(a.sync), m(b.full)), goal: '', verdict: '' },
    { bench: 'first-screen', what: `full cold sync ${BIG / 1000}k, peak RSS`, attend: fmtMb(m(a.rss)), baseline: fmtMb(m(b.rss)), ratio: ratio(m(a.rss), m(b.rss)), goal: '< 200 MB', verdict: verdict(m(a.rss) < 200) },
  );
  results['first-screen'] = { messages: BIG, attend: a, bare: b, samples: { attendCommit: samples(a.commit), attendList: samples(a.first), bareFirst: samples(b.first) } };
  if (!keep) throw new Error('no store');
  return keep;
}

async function benchColdSync10k(dv: DovecotInstance): Promise<void> {
  log(`\n== cold-sync-10k: ${SMALL} messages`);
  await fill(dv, 'small', SMALL);
  const env = bareEnv(dv, 'small');
  const a = { ms: [] as number[], rss: [] as number[] };
  const b = { ms: [] as number[], rss: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const full = await bare('full-sync.mjs', env, [], true);
    const cli = await newStore(dv, 'small');
    const s = await attendSync(cli, 'cold-sync-10k');
    dropStore(cli);
    if (s.fetched !== SMALL || full.out.messages !== SMALL) throw new Error(`fetched attend ${s.fetched}, bare ${full.out.messages} of ${SMALL}`);
    a.ms.push(s.proc.ms);
    a.rss.push(s.proc.rssMb ?? Number.NaN);
    b.ms.push(full.proc.ms);
    b.rss.push(full.proc.rssMb ?? Number.NaN);
    log(`  run ${i + 1}: attend ${fmtMs(s.proc.ms)} ${fmtMb(s.proc.rssMb ?? 0)} vs bare ${fmtMs(full.proc.ms)} ${fmtMb(full.proc.rssMb ?? 0)}`);
    dovecotNews(dv);
  }
  const r = median(a.ms) / median(b.ms);
  rows.push(
    { bench: 'cold-sync-10k', what: `full cold sync ${SMALL / 1000}k, time`, attend: fmtMs(median(a.ms)), baseline: fmtMs(median(b.ms)), ratio: ratio(median(a.ms), median(b.ms)), goal: 'ratio <= 1.3', verdict: verdict(r <= 1.3) },
    { bench: 'cold-sync-10k', what: `full cold sync ${SMALL / 1000}k, peak RSS`, attend: fmtMb(median(a.rss)), baseline: fmtMb(median(b.rss)), ratio: ratio(median(a.rss), median(b.rss)), goal: '', verdict: '' },
  );
  results['cold-sync-10k'] = { messages: SMALL, attend: a, bare: b, ratio: r };
}

async function benchList(store: Cli): Promise<void> {
  const db = new Database(path.join(store.home, 'attend.db'), { readonly: true });
  const conversations = (db.prepare('SELECT count(*) AS n FROM conversations').get() as { n: number }).n;
  db.close();
  log(`\n== list-100k: store with ${conversations} conversations`);
  const a = { list: [] as number[], version: [] as number[] };
  const node: number[] = [];
  // Cheap, so a few more runs than the rest.
  for (let i = 0; i < Math.max(RUNS, 5); i++) {
    node.push((await mustRun('node -e 0', ['-e', '0'])).ms);
    a.version.push((await mustRun('attend --version', [BIN, '--version'], { env: store.env })).ms);
    const l = await mustRun('attend list', [BIN, 'list', '--json', '--limit', '50'], { env: store.env, nodeArgs: profArgs('list') });
    if ((JSON.parse(l.stdout) as unknown[]).length !== 50) throw new Error('attend list did not return 50 conversations');
    a.list.push(l.ms);
  }
  log(`  list ${samples(a.list)}; --version ${samples(a.version)}; node -e 0 ${samples(node)}`);
  const m = median(a.list);
  rows.push(
    { bench: 'list-100k', what: `list --json --limit 50 (${conversations} conv.)`, attend: fmtMs(m), baseline: fmtMs(median(node)), ratio: ratio(m, median(node)), goal: '< 300 ms', verdict: verdict(m < 300) },
    { bench: 'list-100k', what: '  attend --version (CLI startup)', attend: fmtMs(median(a.version)), baseline: fmtMs(median(node)), ratio: ratio(median(a.version), median(node)), goal: '', verdict: '' },
  );
  results['list-100k'] = { conversations, attend: a, nodeStartup: node, baselineIs: 'node -e 0 (no IMAP work in a list)' };
}

async function benchResync(dv: DovecotInstance, store: Cli): Promise<void> {
  log(`\n== resync: ${BIG} messages, nothing changed, then 10 new`);
  const env = bareEnv(dv, 'big');
  const same = { attend: [] as number[], bare: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const st = await doveStatus(dv, 'big');
    const s = await attendSync(store, 'resync-same');
    const b = await bare('resync.mjs', env, [String(st.uidNext), st.highestModseq]);
    if (s.fetched !== 0 || b.out.added !== 0) throw new Error(`nothing changed, yet attend fetched ${s.fetched}, bare ${b.out.added}`);
    same.attend.push(s.proc.ms);
    same.bare.push(b.proc.ms);
    log(`  nothing changed, run ${i + 1}: attend ${fmtMs(s.proc.ms)} vs bare ${fmtMs(b.proc.ms)}`);
    dovecotNews(dv);
  }
  const added = { attend: [] as number[], bare: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const st = await doveStatus(dv, 'big');
    await fillMaildir(dv, 'big', makeBulk(10, { replyRatio: 0, seed: 1000 + i, start: new Date() }));
    // attend goes first, so it is the one paying Dovecot's parse of the 10 new messages.
    const s = await attendSync(store, 'resync-10');
    const b = await bare('resync.mjs', env, [String(st.uidNext), st.highestModseq]);
    if (s.added !== 10 || b.out.added !== 10) throw new Error(`10 new, yet attend added ${s.added}, bare fetched ${b.out.added}`);
    added.attend.push(s.proc.ms);
    added.bare.push(b.proc.ms);
    log(`  10 new, run ${i + 1}: attend ${fmtMs(s.proc.ms)} vs bare ${fmtMs(b.proc.ms)}`);
    dovecotNews(dv);
  }
  const r = median(same.attend) / median(same.bare);
  const growth = median(added.attend) - median(same.attend);
  rows.push(
    { bench: 'resync', what: `nothing changed (${BIG / 1000}k)`, attend: fmtMs(median(same.attend)), baseline: fmtMs(median(same.bare)), ratio: ratio(median(same.attend), median(same.bare)), goal: 'ratio <= 1.2', verdict: verdict(r <= 1.2) },
    { bench: 'resync', what: `10 new messages (${BIG / 1000}k)`, attend: fmtMs(median(added.attend)), baseline: fmtMs(median(added.bare)), ratio: ratio(median(added.attend), median(added.bare)), goal: 'small growth', verdict: `${growth >= 0 ? '+' : ''}${fmtMs(growth)} vs unchanged` },
  );
  results.resync = { messages: BIG, nothingChanged: same, tenNew: added, ratio: r, growthMs: growth };
}

async function main(): Promise<void> {
  const started = performance.now();
  // Others commit to this tree while benches run: record which code was measured.
  const git = (...args: string[]) => execFileSync('git', args, { cwd: path.join(HERE, '..'), encoding: 'utf8' }).trim();
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', 'src') ? '+dirty src' : ''}`;
  const meta = { commit, date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAvgStart: os.loadavg(), scale: SCALE, runs: RUNS, only: ONLY ?? null };
  log(`attend bench at ${commit}: node ${process.version}, ${os.cpus().length} cpus, load average ${loadAvg()}, scale ${SCALE}, ${RUNS} runs${ONLY ? `, only ${ONLY}` : ''}`);
  if (process.env.BENCH_PROF) fs.mkdirSync(PROF_DIR, { recursive: true });
  // Every bench but console and team needs Dovecot; those run after it has stopped, on a quiet loopback.
  const imap = BENCHES.some((b) => b !== 'console' && b !== 'team' && want(b));
  if (imap) await imapBenches();
  if (want('console')) {
    const c = await runConsoleBench({ scale: SCALE, runs: RUNS, log, prof: Boolean(process.env.BENCH_PROF) });
    rows.push(...c.rows);
    results.console = c.results;
  }
  let teamNotes: string[] = [];
  if (want('team')) {
    const t = await runTeamBench({ log });
    rows.push(...t.rows);
    results.team = t.results;
    teamNotes = t.results.notes;
  }
  console.log(`\nattend bench at ${commit} — ${meta.date}, node ${meta.node}, ${meta.cpus} cpus, scale ${SCALE}, median of ${RUNS}`);
  console.log(`load average at start ${meta.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadAvg()}`);
  if (imap) console.log('baseline = a bare imapflow process doing the same IMAP work (list-100k: bare `node -e 0`); times are whole processes');
  if (want('console')) for (const line of CONSOLE_NOTES) console.log(line);
  for (const line of teamNotes) console.log(line);
  if (SCALE !== 1) console.log(`(BENCH_SCALE=${SCALE}: mailboxes shrunk, absolute goals are for full size)`);
  printTable(rows);
  if (dovecotWarnings.length) console.log(`\nDovecot logged ${dovecotWarnings.length} warning(s) during the run (slow maildir scans make outliers); see results.json`);
  const total = performance.now() - started;
  console.log(`\ntotal ${fmtMs(total)}; results in bench/results.json`);
  fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify({ meta: { ...meta, loadAvgEnd: os.loadavg(), totalMs: total }, rows, results, dovecotWarnings }, null, 2)}\n`);
}

async function imapBenches(): Promise<void> {
  const dv = await startDovecot({ users: ['big', 'small'] });
  try {
    if (want('first-screen') || want('resync') || want('list-100k')) {
      log(`\npreparing the shared ${BIG}-message mailbox`);
      await fill(dv, 'big', BIG);
      let store: Cli;
      if (want('first-screen')) store = await benchFirstScreen(dv);
      else {
        store = await newStore(dv, 'big');
        log(`  cold attend sync for the store (not a benchmark here): ${fmtMs((await attendSync(store, 'prep')).proc.ms)}`);
      }
      // list before resync: resync adds messages to the mailbox.
      if (want('list-100k')) await benchList(store);
      if (want('resync')) await benchResync(dv, store);
    }
    if (want('cold-sync-10k')) await benchColdSync10k(dv);
  } finally {
    dovecotNews(dv);
    for (const cli of [...stores]) dropStore(cli);
    await dv.stop();
  }
}

await main();
