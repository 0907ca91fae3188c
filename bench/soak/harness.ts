/**
 * The standing fault suite: real parts on loopback (a private Dovecot, the SMTP sink, the relay,
 * `attend sync --watch` as the agent and `attend watch --json` as a consumer, each a separate
 * process), a steady load of visitors, incoming mail and agent replies, and SIGKILLs at random
 * moments. Then a quiet period, and the accounting: nothing lost, nothing twice.
 */
import { addAccount, type Cli, makeCli } from '../../test/helpers/cli.js';
import { startDovecot } from '../../test/helpers/dovecot.js';
import { makeEmail } from '../../test/helpers/mail.js';
import { freePort } from '../../test/helpers/net.js';
import { startSmtpSink } from '../../test/helpers/smtp-sink.js';
import { compareSeqs, copiesIn, type Finding, openStoreReadOnly } from './check.js';
import { portOpen, type Supervised, supervise } from './procs.js';
import { type Rng, seeded, sleep } from './rng.js';
import { makeVisitor } from './visitors.js';

export interface SoakOptions {
  /** Load duration. */
  seconds: number;
  seed: number;
  visitors: number;
  /** Mean time between two kills (a random part is killed each time). */
  killEveryMs: number;
  /** How long the parts may take to catch up after the load stops. */
  quietMs: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  seconds: number;
  messages: { chatAcked: number; chatGaveUp: number; emails: number; replies: number; replyExitCodes: Record<string, number>; watchEvents: number; logEvents: number };
  kills: Record<string, number>;
  lost: number;
  duplicated: number;
  findings: Finding[];
  relayPeakRssMb: number;
  largestServiceGapMs: number;
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  const rng = seeded(o.seed);
  const dovecot = await startDovecot({ users: ['agent', 'customer'] });
  const smtp = await startSmtpSink(dovecot);
  const relayCli = makeCli();
  let agentCli: Cli | undefined;
  const parts: Supervised[] = [];
  try {
    const port = await freePort();
    const tokenRun = await relayCli.run(['relay', 'token']);
    if (tokenRun.code !== 0) throw new Error(`relay token: ${tokenRun.stderr}`);
    const relay = supervise({ name: 'relay', args: () => ['relay', '--port', String(port)], env: relayCli.env, ready: () => portOpen(port) });
    parts.push(relay);
    await relay.start();

    const cli = makeCli({ ATTEND_SOAK_TOKEN: tokenRun.stdout.trim() });
    agentCli = cli;
    await addAccount(cli, dovecot, smtp);
    const added = await cli.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${port}`, '--token-env', 'ATTEND_SOAK_TOKEN']);
    if (added.code !== 0) throw new Error(`account add chat: ${added.stderr}`);

    const agent = supervise({ name: 'agent', args: () => ['sync', '--watch'], env: cli.env });
    const watchSeqs: number[] = [];
    let lastSeq = 0;
    const watch = supervise({
      name: 'watch',
      args: () => ['watch', '--json', '--since', String(lastSeq)],
      env: cli.env,
      onLine: (l) => {
        const seq = (JSON.parse(l) as { seq: number }).seq;
        watchSeqs.push(seq);
        lastSeq = Math.max(lastSeq, seq);
      },
    });
    parts.push(agent, watch);
    await agent.start();
    await watch.start();

    const relayUrl = () => `http://127.0.0.1:${port}`;
    const visitors = Array.from({ length: o.visitors }, (_, i) => makeVisitor(relayUrl, `Visitor ${i + 1}`));
    const endAt = Date.now() + o.seconds * 1000;
    const giveUpAt = endAt + o.quietMs; // a send still unacknowledged by then is reported, not hidden
    let gaveUp = 0;
    let largestGap = 0;
    const emails: string[] = [];
    const replies: Array<{ token: string; channel: string; code: number | null }> = [];

    const visitorLoop = async (v: (typeof visitors)[number], r: Rng) => {
      for (let i = 1; Date.now() < endAt; i++) {
        const waited = await v.say(`${v.name} says #${i}`, giveUpAt);
        if (waited === null) gaveUp++;
        else largestGap = Math.max(largestGap, waited);
        await sleep(600 + r() * 800);
      }
    };
    const mailLoop = async (r: Rng) => {
      for (let n = 1; Date.now() < endAt; n++) {
        const id = `soak-${o.seed}-${n}@example.test`;
        await dovecot.fillInbox('agent', [
          makeEmail({ from: 'Carla Customer <customer@example.test>', to: 'agent@example.test', subject: `Soak mail ${n}`, body: `Mail number ${n}.`, messageId: id }),
        ]);
        emails.push(id);
        await sleep(800 + r() * 1200);
      }
    };
    const replyLoop = async (r: Rng) => {
      for (let n = 1; Date.now() < endAt; n++) {
        await sleep(1500 + r() * 1500);
        const list = await cli.run(['list', '--json']);
        if (list.code !== 0) continue;
        const convs = JSON.parse(list.stdout) as Array<{ id: number; channel: string }>;
        const conv = convs[Math.floor(r() * convs.length)];
        if (!conv) continue;
        const token = `soak-reply-${o.seed}-${n}`;
        const res = await cli.run(['reply', String(conv.id), '--body', token], { timeoutMs: 60_000 });
        replies.push({ token, channel: conv.channel, code: res.code });
      }
    };
    const killLoop = async (r: Rng) => {
      const targets = [relay, agent, watch];
      while (Date.now() < endAt - 2000) {
        await sleep(o.killEveryMs * (0.5 + r()));
        if (Date.now() >= endAt - 2000) break;
        const t = targets[Math.floor(r() * targets.length)] as Supervised;
        log(`kill -9 ${t.name}`);
        await t.kill();
        await sleep(200 + r() * 1300);
        await t.start();
      }
    };
    const sampler = setInterval(() => relay.sample(), 1000);
    await Promise.all([
      ...visitors.map((v, i) => visitorLoop(v, seeded(o.seed * 31 + i))),
      mailLoop(seeded(o.seed * 7)),
      replyLoop(seeded(o.seed * 13)),
      killLoop(rng),
    ]);
    for (const v of visitors) v.close();
    log('load over; quiet period');

    // Quiet period: wait (bounded) until the store holds everything acknowledged and delivered.
    const chatIds = visitors.flatMap((v) => [...v.acked.keys()]);
    const quietEnd = Date.now() + o.quietMs;
    for (;;) {
      const store = openStoreReadOnly(cli.home);
      const missing = [...store.count('web', chatIds).values(), ...store.count('support', emails).values()].filter((n) => n === 0).length;
      store.close();
      if (missing === 0 || Date.now() > quietEnd) break;
      await sleep(500);
    }
    await sleep(3000); // let late duplicates and the watch consumer show up, too
    clearInterval(sampler);

    // The full event log, as a fresh consumer reads it from the start.
    const logSeqs: number[] = [];
    const replay = supervise({ name: 'replay', args: () => ['watch', '--json', '--since', '0'], env: cli.env, onLine: (l) => logSeqs.push((JSON.parse(l) as { seq: number }).seq) });
    await replay.start();
    let stable = 0;
    for (let i = 0; i < 40 && stable < 4; i++) {
      const before = logSeqs.length;
      await sleep(500);
      stable = logSeqs.length === before && before > 0 ? stable + 1 : 0;
    }
    await replay.stop();
    const topSeq = Math.max(0, ...logSeqs);
    for (let i = 0; i < 20 && lastSeq < topSeq; i++) await sleep(500);
    for (const p of parts) p.sample();

    const findings: Finding[] = [];
    let lost = 0;
    let duplicated = 0;
    const store = openStoreReadOnly(cli.home);
    for (const v of visitors) {
      for (const [id, n] of store.count('web', [...v.acked.keys()])) {
        if (n === 0) findings.push({ what: 'lost chat message', detail: `${v.name}: ${v.acked.get(id)} (${id}) acknowledged, not in the store` });
        if (n > 1) findings.push({ what: 'duplicated chat message', detail: `${v.name}: ${id} stored ${n} times` });
        if (n === 0) lost++;
        if (n > 1) duplicated++;
      }
    }
    for (const [id, n] of store.count('support', emails)) {
      if (n === 0) lost++;
      if (n > 1) duplicated++;
      if (n !== 1) findings.push({ what: n === 0 ? 'lost email' : 'duplicated email', detail: `${id} stored ${n} times` });
    }
    store.close();
    const raws = smtp.received.map((m) => m.raw.toString('utf8'));
    const chatReplies = visitors.flatMap((v) => [...v.agentMessages.values()]);
    for (const r of replies) {
      const copies = r.channel === 'email' ? copiesIn(raws, r.token) : chatReplies.filter((b) => b === r.token).length;
      if (copies > 1) {
        duplicated++;
        findings.push({ what: 'reply delivered twice', detail: `${r.channel} ${r.token}: ${copies} copies (reply exit ${r.code})` });
      }
      if (copies === 0 && r.code === 0) {
        lost++;
        findings.push({ what: 'lost reply', detail: `${r.channel} ${r.token}: exit 0 but never delivered` });
      }
      if (copies === 0 && r.code !== 0) findings.push({ what: 'reply not delivered (not counted as lost)', detail: `${r.channel} ${r.token}: exit ${r.code}` });
    }
    const seqs = compareSeqs(watchSeqs, logSeqs);
    lost += seqs.missed.length;
    duplicated += seqs.duplicated.length;
    if (seqs.missed.length) findings.push({ what: 'watch missed events', detail: `seqs ${seqs.missed.slice(0, 20).join(', ')}` });
    if (seqs.duplicated.length) findings.push({ what: 'watch saw events twice', detail: `seqs ${seqs.duplicated.slice(0, 20).join(', ')}` });
    if (gaveUp) findings.push({ what: 'visitor sends never acknowledged', detail: `${gaveUp} (not counted as lost: the visitor was never told they were sent)` });

    const replyExitCodes: Record<string, number> = {};
    for (const r of replies) replyExitCodes[String(r.code)] = (replyExitCodes[String(r.code)] ?? 0) + 1;
    return {
      seed: o.seed,
      seconds: o.seconds,
      messages: { chatAcked: chatIds.length, chatGaveUp: gaveUp, emails: emails.length, replies: replies.length, replyExitCodes, watchEvents: watchSeqs.length, logEvents: logSeqs.length },
      kills: Object.fromEntries([relay, agent, watch].map((p) => [p.name, p.kills])),
      lost,
      duplicated,
      findings,
      relayPeakRssMb: Math.round(relay.peakRssKb / 102.4) / 10,
      largestServiceGapMs: largestGap,
    };
  } finally {
    await Promise.all(parts.map((p) => p.stop().catch(() => {})));
    await smtp.stop().catch(() => {});
    await dovecot.stop().catch(() => {});
    relayCli.cleanup();
    agentCli?.cleanup();
  }
}
