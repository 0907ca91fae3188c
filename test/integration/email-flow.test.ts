// The email channel end to end: the built CLI against a private Dovecot and an SMTP server that delivers into it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { peek } from '../helpers/imap-peek.js';
import { makeEmail } from '../helpers/mail.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

interface Item {
  id: number;
  subject: string;
  status: string;
  messageCount: number;
  waitingSince: string | null;
  customer: { name: string; email: string };
  channel: string;
  account: string;
  priority: string;
  lastMessageAt: string;
  preview: string;
}
interface Shown {
  conversation: Item;
  messages: Array<{ direction: string; text: string; deliveryState: string | null; externalId: string; attachments: unknown[] }>;
}

const describeWithDovecot = requireDovecot();

describeWithDovecot('email: sync, thread, reply, outbox', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;
  const customer = 'customer@example.test';
  const agent = 'agent@example.test';
  const hour = 3600_000;
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 10 * hour;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer', 'bob'] });
    smtp = await startSmtpSink(dovecot);
    cli = makeCli();
    await addAccount(cli, dovecot, smtp);
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  const sync = () => cli.json<Array<{ account: string; ok: boolean; added: number; fetched: number; uidValidityChanged: boolean; outbox: { sent: number; queued: number } }>>(['sync']);
  const list = (status = 'open') => cli.json<Item[]>(['list', '--status', status]);
  const bySubject = async (subject: string) => {
    const found = (await list('all')).find((c) => c.subject === subject);
    if (!found) throw new Error(`no conversation "${subject}"`);
    return found;
  };
  const ORDER = 'Order 1001 not arrived';

  it('first sync groups messages into conversations by Message-ID / In-Reply-To / References', async () => {
    await dovecot.fillInbox('agent', [
      makeEmail({ from: `Ann Customer <${customer}>`, to: agent, subject: 'Order 1001 not arrived', body: 'Where is my order?', messageId: 'a1@cust', date: new Date(t0) }),
      makeEmail({ from: `Bob <bob@example.test>`, to: agent, subject: 'Invoice', body: 'Please send the invoice.', messageId: 'b1@example', date: new Date(t0 + hour) }),
      makeEmail({ from: `Ann Customer <${customer}>`, to: agent, subject: 'Re: Order 1001 not arrived', body: 'Any news?', messageId: 'a2@cust', inReplyTo: 'a1@cust', references: ['a1@cust'], date: new Date(t0 + 2 * hour) }),
    ]);
    const [report] = await sync();
    expect(report).toMatchObject({ account: 'support', ok: true, added: 3, fetched: 3 });
    const items = await list();
    expect(items).toHaveLength(2);
    // Oldest unanswered customer message first.
    expect(items[0]).toMatchObject({ subject: 'Order 1001 not arrived', messageCount: 2, channel: 'email', account: 'support', status: 'open', priority: 'normal' });
    expect(items[0]?.customer).toMatchObject({ name: 'Ann Customer', email: customer });
    expect(items[0]?.waitingSince).toBe(new Date(t0).toISOString());
    expect(items[0]?.preview).toBe('Any news?');
    expect(items[1]).toMatchObject({ subject: 'Invoice', messageCount: 1 });
  });

  it('a later sync fetches only what is new, and a reply before its parent still joins the thread', async () => {
    await dovecot.fillInbox('agent', [
      // The grandchild arrives referencing only the middle message.
      makeEmail({ from: customer, to: agent, subject: 'Re: Re: Order 1001 not arrived', body: 'Hello??', messageId: 'a3@cust', inReplyTo: 'a2@cust', references: ['a2@cust'], date: new Date(t0 + 3 * hour) }),
    ]);
    const [report] = await sync();
    expect(report).toMatchObject({ added: 1, fetched: 1 });
    const [again] = await sync();
    expect(again).toMatchObject({ added: 0, fetched: 0 });
    const items = await list();
    expect(items).toHaveLength(2);
    expect(items[0]?.messageCount).toBe(3);
  });

  it('a changed UIDVALIDITY re-syncs the mailbox without duplicating anything', async () => {
    await dovecot.changeUidValidity('agent');
    const [report] = await sync();
    expect(report?.uidValidityChanged).toBe(true);
    expect(report?.added).toBe(0);
    expect(report?.fetched).toBe(4);
    const items = await list('all');
    expect(items.map((i) => i.messageCount).sort()).toEqual([1, 3]);
  });

  it('reply sends with In-Reply-To, References, Re: subject and the quoted original; copies to Sent; sets \\Answered', async () => {
    const [conv] = await list();
    const r = await cli.run(['reply', String(conv?.id), '--body', 'Your parcel ships today.', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ conversationId: conv?.id, state: 'sent', error: null });

    const inbox = await peek(dovecot, 'customer');
    const got = inbox.filter((m) => m.messageId === `<${out.messageId}>`);
    expect(got).toHaveLength(1);
    expect(got[0]?.inReplyTo).toBe('<a3@cust>');
    expect(got[0]?.references).toEqual(['<a1@cust>', '<a2@cust>', '<a3@cust>']);
    expect(got[0]?.subject).toBe('Re: Order 1001 not arrived');
    expect(got[0]?.text).toContain('Your parcel ships today.');
    expect(got[0]?.text).toMatch(/wrote:\n> Hello\?\?/);

    const sent = await peek(dovecot, 'agent', 'Sent');
    expect(sent.filter((m) => m.messageId === `<${out.messageId}>`)).toHaveLength(1);
    const agentInbox = await peek(dovecot, 'agent');
    expect(agentInbox.find((m) => m.messageId === '<a3@cust>')?.flags).toContain('\\Answered');

    const shown = await cli.json<Shown>(['show', String(conv?.id)]);
    const last = shown.messages.at(-1);
    expect(last).toMatchObject({ direction: 'out', deliveryState: 'sent' });
    expect(shown.conversation.waitingSince).toBeNull();
  });

  it('while SMTP is down the reply is queued (exit 75) and the next sync sends it exactly once', async () => {
    const conv = await bySubject('Invoice');
    await smtp.pause();
    try {
      const r = await cli.run(['reply', String(conv?.id), '--body', 'Invoice attached soon.', '--json']);
      expect(r.code).toBe(75);
      const out = JSON.parse(r.stdout);
      expect(out.state).toBe('queued');
      const shown = await cli.json<Shown>(['show', String(conv?.id)]);
      expect(shown.messages.at(-1)).toMatchObject({ direction: 'out', deliveryState: 'queued' });
      const [report] = await sync();
      expect(report?.outbox.queued).toBe(1);
    } finally {
      await smtp.resume();
    }
    const before = smtp.received.length;
    const [report] = await sync();
    expect(report?.outbox.sent).toBe(1);
    const [again] = await sync();
    expect(again?.outbox.sent).toBe(0);
    expect(smtp.received.length).toBe(before + 1);
    expect((await peek(dovecot, 'agent', 'Sent')).filter((m) => m.subject === 'Re: Invoice')).toHaveLength(1);
    expect((await peek(dovecot, 'bob')).filter((m) => m.subject === 'Re: Invoice')).toHaveLength(1);
  });

  it('a reply the server refuses for good is marked failed with the reason (exit 1), not retried', async () => {
    await dovecot.fillInbox('agent', [
      makeEmail({ from: 'Zed <zed@nowhere.test>', to: agent, subject: 'Bounce me', body: 'hi', messageId: 'z1@nowhere', date: new Date(t0) }),
    ]);
    await sync();
    const conv = await bySubject('Bounce me');
    smtp.rejectWith = { code: 550, message: '5.1.1 <zed@nowhere.test>: no such user here' };
    const r = await cli.run(['reply', String(conv.id), '--body', 'hello', '--json']).finally(() => {
      smtp.rejectWith = null;
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'failed' });
    expect(JSON.parse(r.stdout).error).toContain('no such user');
    const shown = await cli.json<Shown>(['show', String(conv.id)]);
    expect(shown.messages.at(-1)).toMatchObject({ direction: 'out', deliveryState: 'failed' });
    const [report] = await sync();
    expect(report?.outbox).toMatchObject({ sent: 0, queued: 0 });
  });

  it('a crash right after SMTP accepted never sends twice: Sent is checked before re-sending', async () => {
    const conv = await bySubject(ORDER);
    const before = smtp.received.length;
    const crashed = await cli.run(['reply', String(conv?.id), '--body', 'One copy only.'], { env: { ATTEND_TEST_CRASH_AT: 'after-smtp' } });
    expect(crashed.stderr).toBe('');
    expect(crashed.signal).toBe('SIGKILL');
    expect(smtp.received.length).toBe(before + 1);
    // A server that files sent mail itself (Gmail does) has the copy in Sent already.
    const delivered = smtp.received.at(-1);
    await dovecot.fillInbox('agent', [delivered?.raw as Buffer], 'Sent');
    const [report] = await sync();
    expect(report?.outbox.sent).toBe(1);
    expect(smtp.received.length).toBe(before + 1);
    const copies = (await peek(dovecot, 'customer')).filter((m) => m.text.includes('One copy only.'));
    expect(copies).toHaveLength(1);
    const sentCopies = (await peek(dovecot, 'agent', 'Sent')).filter((m) => m.text.includes('One copy only.'));
    expect(sentCopies).toHaveLength(1);
  });

  it('a crash after SMTP accepted and before the Sent copy finishes the copy once, without re-sending', async () => {
    const conv = await bySubject(ORDER);
    const before = smtp.received.length;
    const crashed = await cli.run(['reply', String(conv?.id), '--body', 'Exactly once.'], { env: { ATTEND_TEST_CRASH_AT: 'after-accepted' } });
    expect(crashed.signal).toBe('SIGKILL');
    await sync();
    await sync();
    expect(smtp.received.length).toBe(before + 1);
    expect((await peek(dovecot, 'agent', 'Sent')).filter((m) => m.text.includes('Exactly once.'))).toHaveLength(1);
  });

  it('status commands: resolve, pending, snooze, assign, tag, note; a customer message reopens', async () => {
    const conv = await bySubject(ORDER);
    const id = String(conv?.id);
    expect((await cli.run(['resolve', id])).code).toBe(0);
    expect((await list('resolved')).map((c) => c.id)).toContain(conv?.id);
    expect((await cli.run(['snooze', id, '--until', '2h'])).code).toBe(0);
    const snoozed = await cli.json<Item & { snoozedUntil: string }>(['show', id]).then((s) => (s as unknown as Shown).conversation as Item & { snoozedUntil: string });
    expect(snoozed.status).toBe('snoozed');
    expect(Date.parse(snoozed.snoozedUntil) - Date.now()).toBeGreaterThan(1.9 * hour);
    expect((await cli.run(['assign', id, '--to', 'dana'])).code).toBe(0);
    expect((await cli.run(['tag', id, 'refund', 'vip'])).code).toBe(0);
    expect((await cli.run(['note', id, '--body', 'Called them, parcel lost.'])).code).toBe(0);
    const shown = await cli.json<Shown & { conversation: { assignee: string; tags: string[] } }>(['show', id]);
    expect(shown.conversation).toMatchObject({ assignee: 'dana', tags: ['refund', 'vip'] });
    expect(shown.messages.at(-1)).toMatchObject({ direction: 'note', text: 'Called them, parcel lost.' });

    await dovecot.fillInbox('agent', [
      makeEmail({ from: customer, to: agent, subject: 'Re: Order 1001 not arrived', body: 'Still nothing', messageId: 'a4@cust', inReplyTo: 'a3@cust', references: ['a1@cust', 'a3@cust'], date: new Date() }),
    ]);
    await sync();
    const after = await cli.json<Shown>(['show', id]);
    expect(after.conversation.status).toBe('open');
  });

  it('exit codes: 3 for a missing conversation, 2 for usage errors', async () => {
    expect((await cli.run(['show', '99999'])).code).toBe(3);
    expect((await cli.run(['resolve', '99999'])).code).toBe(3);
    expect((await cli.run(['reply', '99999', '--body', 'x'])).code).toBe(3);
    expect((await cli.run(['reply', '1'])).code).toBe(2);
    expect((await cli.run(['list', '--status', 'bogus'])).code).toBe(2);
    expect((await cli.run(['snooze', '1', '--until', 'whenever'])).code).toBe(2);
    expect((await cli.run(['nonsense'])).code).toBe(2);
    const help = await cli.run(['reply', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--body-file');
  });
});
