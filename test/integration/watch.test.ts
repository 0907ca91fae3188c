// `attend watch` against a real Dovecot (IMAP IDLE) and the real relay: each arriving customer
// message prints exactly one event; a watcher killed outright and restarted with --since misses
// nothing and repeats nothing; hooks run once per event.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PublicEvent } from '../../src/domain/public-events.js';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { type Followed, follow, until } from '../helpers/follow.js';
import { makeEmail } from '../helpers/mail.js';
import { type Client, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeWithDovecot = requireDovecot();

const parse = (w: Followed): PublicEvent[] => w.lines.map((l) => JSON.parse(l) as PublicEvent);
const received = (events: PublicEvent[]) => events.filter((e) => e.type === 'message.received');
const textOf = (e: PublicEvent) => ('message' in e ? (e.message?.text.trim() ?? '') : '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithDovecot('attend watch', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let relay: TestRelay;
  let cli: Cli;
  let chat: Client;
  let hookFile: string;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer'] });
    smtp = await startSmtpSink(dovecot);
    relay = await startTestRelay();
    cli = makeCli({ ATTEND_TEST_TOKEN: relay.relay.agentToken });
    await addAccount(cli, dovecot, smtp);
    const added = await cli.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${relay.relay.port}`, '--token-env', 'ATTEND_TEST_TOKEN']);
    expect(added.code, added.stderr).toBe(0);
    hookFile = path.join(cli.home, 'hook.ndjson');
    const file = path.join(cli.home, 'config.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), hooks: { 'message.received': `cat >> '${hookFile}'` } }));
    chat = (await visitor(relay.relay.url, { name: 'Vera', email: 'vera@example.test' })).client;
  });
  afterAll(async () => {
    chat?.close();
    await relay?.dispose();
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  const mail = (subject: string, body: string) =>
    dovecot.fillInbox('agent', [makeEmail({ from: 'Ann <customer@example.test>', to: 'agent@example.test', subject, body })]);
  const say = async (body: string) => {
    chat.send({ t: 'send', id: key('v'), d: { body } });
    await chat.next('sent');
  };
  const hookEvents = (): PublicEvent[] =>
    existsSync(hookFile) ? readFileSync(hookFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  it('prints one event per arriving message; killed and restarted with --since, nothing is missed or repeated', { timeout: 120_000 }, async () => {
    const first = follow(cli, ['watch', '--json']);
    let firstEvents: PublicEvent[];
    try {
      await until('both channels connected', () => parse(first).filter((e) => e.type === 'channel.connected').length === 2);
      await dovecot.waitForIdle('agent'); // new mail is pushed from here on
      await mail('Kettle leaks', 'It leaks since Monday.');
      await say('Is the blue kettle in stock?');
      await until('two messages', () => received(parse(first)).length >= 2);
      await until('their hooks', () => hookEvents().length >= 2);
      await sleep(1000); // anything extra would show up by now
      firstEvents = parse(first);
    } finally {
      await first.stop('SIGKILL'); // a crash: no goodbye, no cleanup
    }
    const got = received(firstEvents);
    expect(got.map((e) => [e.conversation?.channel, textOf(e)]).sort()).toEqual([
      ['chat', 'Is the blue kettle in stock?'],
      ['email', 'It leaks since Monday.'],
    ]);
    const email = got.find((e) => e.conversation?.channel === 'email');
    expect(email?.conversation).toMatchObject({ account: 'support', subject: 'Kettle leaks', customer: { name: 'Ann', email: 'customer@example.test' } });
    expect(got.find((e) => e.conversation?.channel === 'chat')?.conversation).toMatchObject({ account: 'web', customer: { name: 'Vera', email: 'vera@example.test' } });
    expect(firstEvents.filter((e) => e.type === 'conversation.opened')).toHaveLength(2);
    const lastSeq = Math.max(...firstEvents.map((e) => e.seq));

    // While nobody watches: one of each is stored by a one-off sync, one more email waits on the server.
    await mail('Invoice', 'Please send the invoice.');
    await say('Still there?');
    expect((await cli.run(['sync'])).code).toBe(0);
    await mail('Address change', 'New address: Elm St 5.');

    const second = follow(cli, ['watch', '--json', '--since', String(lastSeq)]);
    let secondEvents: PublicEvent[];
    let code: number | null;
    try {
      await until('the three messages', () => received(parse(second)).length >= 3);
      await sleep(1000);
    } finally {
      code = await second.stop('SIGTERM');
      secondEvents = parse(second);
    }
    expect(code).toBe(0);
    expect(received(secondEvents).map(textOf).sort()).toEqual(['New address: Elm St 5.', 'Please send the invoice.', 'Still there?']);
    expect(secondEvents.every((e) => e.seq > lastSeq)).toBe(true);
    expect(secondEvents.filter((e) => e.type === 'channel.disconnected').map((e) => ('reason' in e ? e.reason : null))).toEqual(['watch stopped', 'watch stopped']);

    // Against the log itself: the two runs together printed every public event once, in order.
    const seqs = [...firstEvents, ...secondEvents].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const from = Math.min(...seqs) - 1;
    const supportSeqs = [...firstEvents, ...secondEvents]
      .filter((e) => e.conversation?.account === 'support' || ('account' in e && e.account === 'support'))
      .map((e) => e.seq);
    const to = Math.max(...supportSeqs);
    // Text mode: seq first; --account keeps this account's events only.
    const replay = follow(cli, ['watch', '--since', String(from), '--account', 'support']);
    try {
      await until('the replay', () => replay.lines.some((l) => Number(l.split(' ')[0]) >= to));
    } finally {
      await replay.stop();
    }
    const replayed = replay.lines.map((l) => ({ seq: Number(l.split(' ')[0]), line: l })).filter((r) => r.seq <= to);
    expect(replayed.map((r) => r.seq)).toEqual(supportSeqs);
    expect(replayed.find((r) => r.line.includes(' message.received '))?.line).toMatch(/^\d+ \d\d:\d\d:\d\d message\.received #\d+ email support · Ann <customer@example\.test> · Kettle leaks: It leaks since Monday\.$/);

    // Hooks ran once per message, across the crash and the restart.
    const hooked = hookEvents();
    expect(hooked.map((e) => e.seq).sort()).toEqual(received([...firstEvents, ...secondEvents]).map((e) => e.seq).sort());
  });
});
