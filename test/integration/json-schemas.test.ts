// Every `--json` output of the built binary matches its JSON Schema in schemas/ (strict: required
// fields, no unknown ones), against a real Dovecot, SMTP server and relay — including every public
// event type `attend watch --json` prints.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_EVENT_TYPES } from '../../src/domain/public-events.js';
import { type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { follow, until } from '../helpers/follow.js';
import { makeEmail } from '../helpers/mail.js';
import { key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';
import { check, schemaFiles, schemas } from '../helpers/schemas.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

describe('schemas/', () => {
  it('every schema compiles in strict mode', () => {
    expect(schemaFiles().length).toBeGreaterThan(10);
    for (const [file, s] of schemaFiles()) expect(() => schemas().getSchema(s.$id as string), file).not.toThrow();
  });

  it('rejects what does not match, so a pass means something', () => {
    expect(() => check('reply', { conversationId: 1, messageId: 'm', state: 'sent', error: null, extra: 1 })).toThrow(/additional properties/);
    expect(() => check('reply', { conversationId: 1, messageId: 'm', state: 'lost', error: null })).toThrow(/allowed values/);
    expect(() => check('watch', { seq: 1, type: 'message.received', at: '2030-01-01T00:00:00.000Z', conversation: null, message: null })).toThrow();
  });

  it('every public event type has a schema, and watch.schema.json accepts exactly those', () => {
    const files = schemaFiles().map(([f]) => f);
    for (const t of PUBLIC_EVENT_TYPES) expect(files).toContain(`events/${t}.schema.json`);
    const watch = schemaFiles().find(([f]) => f === 'watch.schema.json')?.[1] as { oneOf: Array<{ $ref: string }> };
    expect(watch.oneOf.map((r) => r.$ref).sort()).toEqual(PUBLIC_EVENT_TYPES.map((t) => `events/${t}.schema.json`).sort());
  });
});

const describeWithDovecot = requireDovecot();

describeWithDovecot('--json outputs match schemas/', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let relay: TestRelay;
  let cli: Cli;
  let emailId = 0;
  let chatId = 0;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer'] });
    smtp = await startSmtpSink(dovecot);
    relay = await startTestRelay();
    cli = makeCli({ ATTEND_TEST_PASSWORD: dovecot.password('agent'), ATTEND_TEST_TOKEN: relay.relay.agentToken });
  });
  afterAll(async () => {
    await relay?.dispose();
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  const jsonOf = async (args: string[], code = 0): Promise<unknown> => {
    const r = await cli.run([...args, '--json']);
    expect(r.code, `attend ${args.join(' ')}: ${r.stderr}`).toBe(code);
    return JSON.parse(r.stdout);
  };

  it('account add email|chat, account list', async () => {
    check(
      'account-add',
      await jsonOf([
        'account', 'add', 'email', 'support', '--email', dovecot.address('agent'), '--name', 'Acme Support',
        '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'none',
        '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none',
        '--user', 'agent', '--password-env', 'ATTEND_TEST_PASSWORD',
      ]),
    );
    check('account-add', await jsonOf(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${relay.relay.port}`, '--token-env', 'ATTEND_TEST_TOKEN', '--agent-name', 'Dana']));
    const accounts = await jsonOf(['account', 'list']);
    check('account-list', accounts);
    expect(accounts).toHaveLength(2);
  });

  it('sync, list, show', async () => {
    await dovecot.fillInbox('agent', [makeEmail({ from: 'Ann <customer@example.test>', subject: 'Kettle leaks', body: 'It leaks.' })]);
    const v = await visitor(relay.relay.url, { name: 'Vera', email: 'vera@example.test' });
    v.client.send({ t: 'send', id: key('v'), d: { body: 'Is the blue kettle in stock?' } });
    await v.client.next('sent');
    v.client.close();
    check('sync', await jsonOf(['sync']));
    const all = (await jsonOf(['list', '--status', 'all'])) as Array<{ id: number; channel: string }>;
    check('list', all);
    emailId = all.find((c) => c.channel === 'email')?.id ?? 0;
    chatId = all.find((c) => c.channel === 'chat')?.id ?? 0;
    check('show', await jsonOf(['show', String(emailId)]));
    check('show', await jsonOf(['show', String(chatId)]));
  });

  it('reply: sent, queued, failed', async () => {
    check('reply', await jsonOf(['reply', String(emailId), '--body', 'A new one ships today.']));
    check('reply', await jsonOf(['reply', String(chatId), '--body', 'Yes, 4 left.']));
    await smtp.pause();
    check('reply', await jsonOf(['reply', String(emailId), '--body', 'Tracking follows.'], 75));
    await smtp.resume();
    smtp.rejectWith = { code: 550, message: '5.7.1 refused by policy' };
    try {
      check('reply', await jsonOf(['reply', String(emailId), '--body', 'And a voucher.'], 1));
    } finally {
      smtp.rejectWith = null;
    }
  });

  it('resolve, reopen, pending, snooze, assign, tag, note, priority', async () => {
    const id = String(emailId);
    for (const args of [['resolve', id], ['reopen', id], ['pending', id], ['snooze', id, '--until', '2h'], ['reopen', id], ['assign', id, '--to', 'dana'], ['tag', id, 'refund', 'vip'], ['note', id, '--body', 'called her'], ['priority', id, 'high']]) {
      check('conversation-action', await jsonOf(args));
    }
  });

  it('sync --watch --json: each line', async () => {
    const w = follow(cli, ['sync', '--watch', '--json']);
    try {
      await until('the ready line', () => w.lines.some((l) => l.includes('"ready":true')));
      const v = await visitor(relay.relay.url, { name: 'Walt' });
      v.client.send({ t: 'send', id: key('v'), d: { body: 'Hello?' } });
      await v.client.next('sent');
      v.client.close();
      await until('a chat line', () => w.lines.some((l) => l.includes('"activity":true')));
    } finally {
      await w.stop();
    }
    for (const l of w.lines) check('sync-watch', JSON.parse(l));
  });

  it('watch --json: every public event type, replayed with --since 0 and live', async () => {
    // Chat targets of seconds, so sla.warning and sla.breached happen during the test.
    const file = path.join(cli.home, 'config.json');
    const conf = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...conf, sla: { chat: { firstMinutes: 0.05, nextMinutes: 0.05 } }, focus: { breakthrough: { leadMinutes: { chat: 0.04 } } } }));
    const w = follow(cli, ['watch', '--json', '--since', '0']);
    let code: number | null = null;
    try {
      await until('both channels', () => w.lines.filter((l) => l.includes('"channel.connected"')).length === 2);
      const v = await visitor(relay.relay.url, { name: 'Xena' });
      v.client.send({ t: 'send', id: key('v'), d: { body: 'Anyone there?' } });
      await v.client.next('sent');
      v.client.close();
      await until('sla.breached', () => w.lines.some((l) => l.includes('"sla.breached"')));
    } finally {
      code = await w.stop();
    }
    expect(code).toBe(0);
    const events = w.lines.map((l) => JSON.parse(l) as { type: string; seq: number });
    for (const e of events) check('watch', e);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(PUBLIC_EVENT_TYPES));
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
