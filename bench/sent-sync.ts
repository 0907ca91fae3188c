// What reading the Sent mailbox adds to `attend sync`: the same Dovecot, an inbox of N customer
// messages and a Sent mailbox of N/2 replies to them (all inside the default 14-day window, so the
// Sent mailbox's first sync reads every one), synced by this tree's attend and by a build without
// Sent sync (BASE_BIN, e.g. the tree before it, bundled into another directory).
//   npx tsx bench/sent-sync.ts   (BASE_BIN=/path/to/dist/cli/main.js, SENT_BENCH_N=5000, SENT_BENCH_RUNS=7)
// Prints first sync, a sync with nothing new, a sync with one new reply in Sent, and one STATUS
// (what a watcher pays per poll while idling on the inbox). Each sync: wall time and the attend
// process's CPU time (user + sys, from GNU time): on a shared, loaded machine the CPU time is the
// steadier figure; Dovecot's own work is in the wall time only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import { addAccount, BIN, type Cli, makeCli } from '../test/helpers/cli.js';
import { startDovecot } from '../test/helpers/dovecot.js';
import { makeEmail } from '../test/helpers/mail.js';
import { fmtMs, median } from './lib.js';
import { fillMaildir } from './maildir.js';

const N = Number(process.env.SENT_BENCH_N) || 5000;
const RUNS = Number(process.env.SENT_BENCH_RUNS) || 7;
const BASE_BIN = process.env.BASE_BIN;
if (!BASE_BIN) throw new Error('set BASE_BIN to a build of attend without Sent sync');
const NO_SMTP = { host: '127.0.0.1', port: 9, stop: async () => {} } as unknown as Parameters<typeof addAccount>[2];

const dv = await startDovecot({ users: ['agent'] });
const homes: Cli[] = [];
try {
  const now = Date.now();
  const span = 10 * 86_400_000;
  const at = (i: number) => new Date(now - span + Math.floor((i * span) / N));
  const inbox = Array.from({ length: N }, (_, i) =>
    makeEmail({ from: `Customer ${i} <c${i}@cust.test>`, to: 'agent@example.test', subject: `Question ${i}`, body: `Question number ${i}.`, messageId: `q${i}@cust`, date: at(i) }),
  );
  const sent = Array.from({ length: Math.floor(N / 2) }, (_, k) => {
    const i = 2 * k;
    return makeEmail({ from: 'Sam <agent@example.test>', to: `c${i}@cust.test`, subject: `Re: Question ${i}`, body: `Answer ${i}.`, messageId: `a${i}@support`, inReplyTo: `q${i}@cust`, references: `q${i}@cust`, date: new Date(at(i).getTime() + 60_000) });
  });
  await dv.doveadm(['mailbox', 'status', '-u', 'agent', 'messages', 'Sent']); // creates it (auto = subscribe)
  await fillMaildir(dv, 'agent', inbox);
  await fillMaildir(dv, 'agent', sent, 'Sent');

  const home = async () => {
    const cli = makeCli();
    homes.push(cli);
    await addAccount(cli, dv, NO_SMTP);
    return cli;
  };
  const base = await home();
  const mine = await home();
  const sync = async (bin: string, cli: Cli) => {
    const r = await timed([bin, 'sync', '--json'], cli.env);
    const [rep] = JSON.parse(r.stdout) as Array<{ ok: boolean; error: string | null; added: number; sent?: { fetched: number; added: number } | null }>;
    if (!rep?.ok) throw new Error(`sync failed: ${rep?.error}`);
    return { ms: r.ms, cpu: r.cpuMs, added: rep.added, sent: rep.sent ?? null };
  };
  // Dovecot parses and caches each message on its first FETCH: a throwaway sync of both mailboxes warms it for both sides.
  const warm = await home();
  await sync(BIN, warm);

  const firstBase = await sync(BASE_BIN, base);
  const firstMine = await sync(BIN, mine);
  console.log(`first sync      without Sent ${fmtMs(firstBase.ms)} (cpu ${fmtMs(firstBase.cpu)}, ${firstBase.added} added)   with Sent ${fmtMs(firstMine.ms)} (cpu ${fmtMs(firstMine.cpu)}, ${firstMine.added} added, Sent ${JSON.stringify(firstMine.sent)})`);

  const idle = { base: [] as Array<{ ms: number; cpu: number }>, mine: [] as Array<{ ms: number; cpu: number }> };
  for (let r = 0; r < RUNS; r++) {
    idle.base.push(await sync(BASE_BIN, base));
    idle.mine.push(await sync(BIN, mine));
  }
  report('nothing new', idle);

  const client = new ImapFlow({ host: dv.host, port: dv.port, secure: false, auth: { user: 'agent', pass: dv.password('agent') }, logger: false });
  client.on('error', () => {});
  await client.connect();
  const one = { base: [] as Array<{ ms: number; cpu: number }>, mine: [] as Array<{ ms: number; cpu: number }> };
  for (let r = 0; r < RUNS; r++) {
    const i = 2 * r + 1;
    await client.append('Sent', makeEmail({ from: 'Sam <agent@example.test>', to: `c${i}@cust.test`, subject: `Re: Question ${i}`, body: 'Late answer.', messageId: `late${r}@support`, inReplyTo: `q${i}@cust`, references: `q${i}@cust` }));
    one.base.push(await sync(BASE_BIN, base));
    const m = await sync(BIN, mine);
    if (m.sent?.added !== 1) throw new Error(`expected one reply from Sent, got ${JSON.stringify(m.sent)}`);
    one.mine.push(m);
  }
  report('one new in Sent', one);

  await client.mailboxOpen('INBOX', { readOnly: true });
  const status: number[] = [];
  for (let r = 0; r < 200; r++) {
    const t = performance.now();
    await client.status('Sent', { uidNext: true, uidValidity: true, messages: true, highestModseq: true });
    status.push(performance.now() - t);
  }
  console.log(`STATUS Sent (inbox selected): median ${median(status).toFixed(2)} ms, max ${Math.max(...status).toFixed(2)} ms over 200`);
  await client.logout();
} finally {
  for (const h of homes) h.cleanup();
  await dv.stop();
}

function report(label: string, runs: { base: Array<{ ms: number; cpu: number }>; mine: Array<{ ms: number; cpu: number }> }): void {
  const f = (xs: Array<{ ms: number; cpu: number }>) => `wall ${fmtMs(median(xs.map((x) => x.ms)))}, cpu ${fmtMs(median(xs.map((x) => x.cpu)))}`;
  console.log(`${label.padEnd(16)} without Sent ${f(runs.base)}   with Sent ${f(runs.mine)}   (medians of ${runs.base.length}, load ${os.loadavg()[0]?.toFixed(1)})`);
}

/** `node ...args` under GNU time: wall ms and the process's user + sys CPU ms. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; cpuMs: number; stdout: string }> {
  const file = path.join(os.tmpdir(), `sent-bench-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', file, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      const [u, sy] = (fs.readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      fs.rmSync(file, { force: true });
      if (code !== 0) return reject(new Error(`attend ${args.join(' ')} exited ${code}: ${stderr.slice(-1000)}`));
      resolve({ ms, cpuMs: ((u ?? 0) + (sy ?? 0)) * 1000, stdout });
    });
  });
}
