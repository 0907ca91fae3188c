// Team mode with 10 agents on one hub (the built `attend relay`, its own process): how long a change
// takes from one agent's command until every other agent's store holds it, against the relay's plain
// message fan-out (a chat reply from one agent reaching the other 9) measured the same way, in the
// same run, interleaved. Two tiers:
//   - agents: 10 homes, each with its own `attend sync --watch` process (the agent process that applies
//     the hub's events to its store — what a teammate's screen reads). Agent 0 runs the command as a
//     whole CLI process (`attend tag N …` vs `attend reply N --body …`); the bench reads the other 9
//     stores (read-only, every 2 ms) until each holds it. Node startup is in both figures.
//   - sockets: the same hub, 10 raw agent sockets in this process: `team.change` vs `send` from
//     socket 0 until the other 9 have the event. The hub's own cost, without any agent process.
// Goal (issue 14): change p99 < 250 ms on loopback, within 2x of message fan-out.
//   npx tsx bench/team.ts     TEAM_BENCH_SAMPLES (40 per kind, agents tier), TEAM_BENCH_RAW (300 per kind)
//   BENCH_ONLY=team npm run bench
import Database from 'better-sqlite3';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BIN, type Cli, makeCli } from '../test/helpers/cli.js';
import { type Client, connect, key, visitor } from '../test/helpers/relay.js';
import { type RelayProcess, startRelayProcess } from '../test/helpers/relay-process.js';
import { fmtMs, loadAvg, type Row, runNode } from './lib.js';

const AGENTS = 10;
const TOKEN_ENV = 'ATTEND_TEAM_TOKEN';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Dist {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface TeamBenchResult {
  agents: number;
  /** Agents tier: command spawn → all 9 other stores hold it. */
  storeChange: Dist;
  storeMessage: Dist;
  /** Agents tier: the command's own run time (spawn → exit). */
  cliChange: Dist;
  cliMessage: Dist;
  /** Agents tier: the hub's commit (relay.db `at`) → all 9 other stores hold it. */
  fanoutChange: Dist;
  fanoutMessage: Dist;
  /** Sockets tier: frame sent → all 9 other sockets have the event. */
  socketChange: Dist;
  socketMessage: Dist;
  notes: string[];
}

/** Nearest rank, like `attend stats`: the value at position ⌈p·n⌉ of the sorted samples. */
function quantile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function dist(xs: number[]): Dist {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.at(-1) ?? Number.NaN };
}

// ------------------------------------------------------------------ sockets tier

interface RawAgent {
  name: string;
  c: Client;
  /** Resolvers waiting for an event whose `d` matches. */
  waiting: Array<{ match: (d: Record<string, unknown>) => boolean; resolve: (t: number) => void }>;
}

async function rawAgent(relay: RelayProcess, name: string, token: string): Promise<RawAgent> {
  const c = await connect(relay.url, '/ws/agent', { token });
  const a: RawAgent = { name, c, waiting: [] };
  c.send({ t: 'hello', d: { name } });
  await c.next('welcome', 10_000);
  c.ws.on('message', (data) => {
    const t = performance.now();
    const f = JSON.parse(String(data)) as { t: string; d?: Record<string, unknown> };
    if (f.t !== 'event' || !f.d) return;
    const i = a.waiting.findIndex((w) => w.match(f.d as Record<string, unknown>));
    if (i >= 0) a.waiting.splice(i, 1)[0]?.resolve(t);
  });
  return a;
}

/** Resolves with the time the event matching `match` reached this socket. */
function arrival(a: RawAgent, match: (d: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = {
      match,
      resolve: (t: number) => {
        clearTimeout(timer);
        resolve(t);
      },
    };
    const timer = setTimeout(() => {
      a.waiting.splice(a.waiting.indexOf(w), 1);
      reject(new Error(`${a.name}: no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    a.waiting.push(w);
  });
}

async function socketsTier(relay: RelayProcess, tokens: Map<string, string>, samples: number, log: (s: string) => void) {
  const raws = await Promise.all([...tokens].map(([name, token]) => rawAgent(relay, name, token)));
  const [sender, ...rest] = raws as [RawAgent, ...RawAgent[]];
  // A chat conversation for `send`, and a team key for `team.change`.
  const v = await visitor(relay.url, { name: 'Bench Visitor' });
  const conversation = v.welcome.conversation as number;
  v.client.send({ t: 'send', id: key('v'), d: { body: 'hello' } });
  await v.client.next('sent');
  const teamKey = `chat:${conversation}`;
  sender.c.send({ t: 'team.register', id: 'reg', d: { conversations: [{ key: teamKey }] } });
  await sender.c.next('team.registered', 10_000);
  const change: number[] = [];
  const message: number[] = [];
  let prev = '';
  for (let i = 0; i < samples; i++) {
    // Interleaved, so both kinds see the same machine.
    const tag = `raw-${i}`;
    const t0c = performance.now();
    const arrivedC = Promise.all(rest.map((a) => arrival(a, (d) => d.kind === 'team.change' && JSON.stringify(d.action).includes(`"${tag}"`))));
    sender.c.send({ t: 'team.change', id: key('c'), d: { key: teamKey, action: { kind: 'tag', add: [tag], remove: prev ? [prev] : [] } } });
    change.push(Math.max(...(await arrivedC)) - t0c);
    prev = tag;
    const body = `raw message ${i}`;
    const t0m = performance.now();
    const arrivedM = Promise.all(rest.map((a) => arrival(a, (d) => d.kind === 'message' && (d.message as { body?: string } | undefined)?.body === body)));
    sender.c.send({ t: 'send', id: key('m'), d: { conversation, body } });
    message.push(Math.max(...(await arrivedM)) - t0m);
  }
  for (const a of raws) a.c.close();
  v.client.close();
  const r = { change: dist(change), message: dist(message) };
  log(`  sockets: team.change → 9 sockets p50 ${fmtMs(r.change.p50)} p99 ${fmtMs(r.change.p99)}; send → 9 sockets p50 ${fmtMs(r.message.p50)} p99 ${fmtMs(r.message.p99)}`);
  return r;
}

// ------------------------------------------------------------------ agents tier

interface Home {
  name: string;
  cli: Cli;
  watch: ChildProcess;
  db?: Database.Database;
}

/** The local id of the chat conversation with this relay id, once the store has it. */
function localId(db: Database.Database, relayConversation: number): number | undefined {
  const row = db.prepare("SELECT id FROM conversations WHERE channel = 'chat' AND external_ref = ?").get(String(relayConversation)) as { id: number } | undefined;
  return row?.id;
}

/** Resolves, for each store, the time (performance.now) at which `has` first said yes; polls every 2 ms. */
function storeArrivals(checks: Array<() => boolean>, timeoutMs = 15_000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const at: Array<number | undefined> = checks.map(() => undefined);
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      checks.forEach((has, i) => {
        if (at[i] === undefined && has()) at[i] = now;
      });
      if (at.every((t) => t !== undefined)) {
        clearInterval(timer);
        resolve(at as number[]);
      } else if (now - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`${at.filter((t) => t === undefined).length} of ${checks.length} stores never got it within ${timeoutMs} ms`));
      }
    }, 2);
  });
}

export async function agentsTier(relay: RelayProcess, tokens: Map<string, string>, samples: number, log: (s: string) => void) {
  const homes: Home[] = [];
  try {
    for (const [name, token] of tokens) {
      const cli = makeCli({ [TOKEN_ENV]: token });
      const r = await cli.run(['account', 'add', 'chat', 'team', '--url', relay.url.replace(/^http/, 'ws'), '--token-env', TOKEN_ENV, '--agent-name', name]);
      if (r.code !== 0) throw new Error(`account add chat for ${name} exited ${r.code}: ${r.stderr}`);
      const watch = spawn(process.execPath, [BIN, 'sync', '--watch'], { env: cli.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      watch.stderr?.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-2000)));
      watch.on('exit', (code) => {
        if (code !== null && code !== 0) log(`  ${name}'s sync --watch exited ${code}: ${err}`);
      });
      homes.push({ name, cli, watch });
    }
    // A visitor's chat: every agent process stores it (and, in a team, gets its number from the hub).
    const v = await visitor(relay.url, { name: 'Bench Visitor 2' });
    const conversation = v.welcome.conversation as number;
    v.client.send({ t: 'send', id: key('v'), d: { body: 'hello again' } });
    await v.client.next('sent');
    const t0 = performance.now();
    for (const h of homes) {
      for (;;) {
        try {
          h.db ??= new Database(path.join(h.cli.home, 'attend.db'), { readonly: true, fileMustExist: true });
          if (localId(h.db, conversation) !== undefined) break;
        } catch {} // the store is not created yet
        if (performance.now() - t0 > 30_000) throw new Error(`${h.name}'s store never got the visitor's chat`);
        await sleep(20);
      }
    }
    const [me, ...others] = homes as [Home, ...Home[]];
    // The number agent 0's CLI takes for it (the team's number once numbered; `list --json` id).
    const numberDeadline = performance.now() + 15_000;
    let ref = '';
    for (;;) {
      const list = JSON.parse((await runNode([BIN, 'list', '--json'], { env: me.cli.env })).stdout || '[]') as Array<{ id: number | string; channel: string }>;
      const chat = list.find((c) => c.channel === 'chat');
      if (chat && /^\d+$/.test(String(chat.id))) {
        ref = String(chat.id);
        break;
      }
      if (performance.now() > numberDeadline) {
        ref = chat ? String(chat.id) : String(localId(me.db as Database.Database, conversation));
        log(`  the chat has no team number in agent 0's list after 15 s; using ${ref}`);
        break;
      }
      await sleep(200);
    }
    const ids = others.map((h) => localId(h.db as Database.Database, conversation) as number);
    const change = { store: [] as number[], cli: [] as number[], fanout: [] as number[] };
    const message = { store: [] as number[], cli: [] as number[], fanout: [] as number[] };
    // The hub's commit time of the event (relay.db, epoch ms): commit → stores leaves the CLI's startup out.
    const hub = new Database(relay.dbPath, { readonly: true, fileMustExist: true });
    const committedAt = hub.prepare('SELECT at FROM events WHERE kind = ? AND instr(data, ?) > 0 ORDER BY seq DESC LIMIT 1');
    const run = async (args: string[], checks: Array<() => boolean>, into: typeof change, event: { kind: string; text: string }) => {
      const t0 = performance.now();
      const arrived = storeArrivals(checks);
      const r = await runNode([BIN, ...args], { env: me.cli.env });
      if (r.code !== 0) throw new Error(`attend ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      into.cli.push(r.ms);
      const last = Math.max(...(await arrived));
      into.store.push(last - t0);
      const at = (committedAt.get(event.kind, event.text) as { at: number } | undefined)?.at;
      if (at !== undefined) into.fanout.push(performance.timeOrigin + last - at);
    };
    for (let i = 0; i < samples; i++) {
      const tag = `bench-${i}`;
      const hasTag = others.map((h, j) => {
        const st = (h.db as Database.Database).prepare('SELECT 1 FROM conversation_tags WHERE conversation_id = ? AND tag = ?');
        return () => st.get(ids[j], tag) !== undefined;
      });
      await run(['tag', ref, tag], hasTag, change, { kind: 'team.change', text: `"${tag}"` });
      const body = `bench reply ${i}`;
      const hasMessage = others.map((h, j) => {
        const st = (h.db as Database.Database).prepare('SELECT 1 FROM messages WHERE conversation_id = ? AND text = ?');
        return () => st.get(ids[j], body) !== undefined;
      });
      await run(['reply', ref, '--body', body], hasMessage, message, { kind: 'message', text: body });
      if ((i + 1) % 10 === 0) log(`  agents: ${i + 1}/${samples} (load ${loadAvg()})`);
    }
    v.client.close();
    hub.close();
    const r = {
      storeChange: dist(change.store),
      storeMessage: dist(message.store),
      cliChange: dist(change.cli),
      cliMessage: dist(message.cli),
      fanoutChange: dist(change.fanout),
      fanoutMessage: dist(message.fanout),
    };
    log(
      `  agents: tag → 9 stores p50 ${fmtMs(r.storeChange.p50)} p99 ${fmtMs(r.storeChange.p99)} (the command alone p50 ${fmtMs(r.cliChange.p50)}); ` +
        `reply → 9 stores p50 ${fmtMs(r.storeMessage.p50)} p99 ${fmtMs(r.storeMessage.p99)} (the command alone p50 ${fmtMs(r.cliMessage.p50)})`,
    );
    return r;
  } finally {
    for (const h of homes) {
      h.db?.close();
      h.watch.kill('SIGTERM');
    }
    await sleep(300);
    for (const h of homes) {
      h.watch.kill('SIGKILL');
      h.cli.cleanup();
    }
  }
}

export async function runTeamBench(opts: { log: (s: string) => void; samples?: number; rawSamples?: number }): Promise<{ rows: Row[]; results: TeamBenchResult }> {
  const { log } = opts;
  const samples = opts.samples ?? Number(process.env.TEAM_BENCH_SAMPLES ?? '40');
  const rawSamples = opts.rawSamples ?? Number(process.env.TEAM_BENCH_RAW ?? '300');
  log(`\n== team: ${AGENTS} agents on one hub (attend relay); ${rawSamples} socket samples and ${samples} agent samples per kind`);
  const relay = await startRelayProcess();
  try {
    const tokens = new Map<string, string>();
    for (let i = 0; i < AGENTS; i++) tokens.set(`agent${i}`, await relay.addAgent(`agent${i}`));
    const sockets = await socketsTier(relay, tokens, rawSamples, log);
    const agents = await agentsTier(relay, tokens, samples, log);
    const notes = [
      'team: 10 agents, each its own home and `attend sync --watch` process; agent 0 runs the command as a whole CLI process (node startup included);',
      '      "→ 9 stores": spawn → the last of the other 9 stores holds it (read-only reads every 2 ms). Baseline: a chat reply (`attend reply`) from agent 0, same path.',
      '      "hub commit →": from the event\'s commit time in relay.db (ms clock) to the last store: the fan-out and the agents\' apply, without the CLI\'s startup.',
      '      sockets: raw agent sockets in the bench process, frame sent → the last of 9 others has the event (the hub alone).',
    ];
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const ok = (b: boolean) => (b ? 'ok' : 'MISSED');
    const rows: Row[] = [
      {
        bench: 'team',
        what: 'change → 9 other stores, p99 (tag vs reply, CLI)',
        attend: fmtMs(agents.storeChange.p99),
        baseline: fmtMs(agents.storeMessage.p99),
        ratio: ratio(agents.storeChange.p99, agents.storeMessage.p99),
        goal: '< 250 ms, <= 2x',
        verdict: `${ok(agents.storeChange.p99 < 250)} / ${ok(agents.storeChange.p99 <= 2 * agents.storeMessage.p99)}`,
      },
      { bench: 'team', what: '  same, p50', attend: fmtMs(agents.storeChange.p50), baseline: fmtMs(agents.storeMessage.p50), ratio: ratio(agents.storeChange.p50, agents.storeMessage.p50), goal: '', verdict: '' },
      {
        bench: 'team',
        what: '  hub commit → 9 other stores, p99',
        attend: fmtMs(agents.fanoutChange.p99),
        baseline: fmtMs(agents.fanoutMessage.p99),
        ratio: ratio(agents.fanoutChange.p99, agents.fanoutMessage.p99),
        goal: '< 250 ms, <= 2x',
        verdict: `${ok(agents.fanoutChange.p99 < 250)} / ${ok(agents.fanoutChange.p99 <= 2 * agents.fanoutMessage.p99)}`,
      },
      { bench: 'team', what: '  hub commit → 9 other stores, p50', attend: fmtMs(agents.fanoutChange.p50), baseline: fmtMs(agents.fanoutMessage.p50), ratio: ratio(agents.fanoutChange.p50, agents.fanoutMessage.p50), goal: '', verdict: '' },
      { bench: 'team', what: '  the command itself (spawn → exit), p50', attend: fmtMs(agents.cliChange.p50), baseline: fmtMs(agents.cliMessage.p50), ratio: ratio(agents.cliChange.p50, agents.cliMessage.p50), goal: '', verdict: '' },
      {
        bench: 'team',
        what: 'hub only: frame → 9 other sockets, p99',
        attend: fmtMs(sockets.change.p99),
        baseline: fmtMs(sockets.message.p99),
        ratio: ratio(sockets.change.p99, sockets.message.p99),
        goal: '< 250 ms, <= 2x',
        verdict: `${ok(sockets.change.p99 < 250)} / ${ok(sockets.change.p99 <= 2 * sockets.message.p99)}`,
      },
      { bench: 'team', what: '  same, p50', attend: fmtMs(sockets.change.p50), baseline: fmtMs(sockets.message.p50), ratio: ratio(sockets.change.p50, sockets.message.p50), goal: '', verdict: '' },
    ];
    return {
      rows,
      results: {
        agents: AGENTS,
        storeChange: agents.storeChange,
        storeMessage: agents.storeMessage,
        cliChange: agents.cliChange,
        cliMessage: agents.cliMessage,
        fanoutChange: agents.fanoutChange,
        fanoutMessage: agents.fanoutMessage,
        socketChange: sockets.change,
        socketMessage: sockets.message,
        notes,
      },
    };
  } finally {
    await relay.stop();
  }
}

// Standalone: npx tsx bench/team.ts
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { printTable } = await import('./lib.js');
  const r = await runTeamBench({ log: (s) => process.stderr.write(`${s}\n`) });
  for (const line of r.results.notes) console.log(line);
  printTable(r.rows);
  console.log(JSON.stringify(r.results));
}
