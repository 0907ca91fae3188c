// Replies sent without this attend — a teammate's, or from any other mail client — reach the
// conversation through the Sent mailbox: shown as outgoing with who sent them, the wait stops, stats
// count them; our own replies come back from Sent too and are not doubled. Real Dovecot (Sent is
// marked \Sent), the SMTP sink, the built CLI.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { follow, until } from '../helpers/follow.js';
import { makeEmail } from '../helpers/mail.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

interface Item {
  id: number;
  subject: string;
  status: string;
  waitingSince: string | null;
  messageCount: number;
}
interface Shown {
  conversation: Item;
  messages: Array<{ direction: string; from: { name: string; email: string }; text: string; deliveryState: string | null; externalId: string; sentAt: string }>;
}
interface SyncReport {
  ok: boolean;
  added: number;
  fetched: number;
  sent: { mailbox: string; fetched: number; added: number } | null;
}
interface StatsOut {
  channels: Array<{ channel: string; firstResponse: { count: number; p50Ms: number | null; unanswered: number } }>;
}

const describeWithDovecot = requireDovecot();

describeWithDovecot('the Sent mailbox: replies sent from elsewhere', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;
  const customer = 'customer@example.test';
  const agent = 'agent@example.test';
  const hour = 3600_000;
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer'] });
    smtp = await startSmtpSink(dovecot);
    cli = makeCli();
    await addAccount(cli, dovecot, smtp);
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  /** What a teammate's mail client (or their attend) does after sending: APPEND the copy to Sent. */
  async function appendToSent(raw: string, at: number): Promise<void> {
    const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: 'agent', pass: dovecot.password('agent') }, logger: false });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.append('Sent', raw, ['\\Seen'], new Date(at));
    } finally {
      await client.logout();
    }
  }

  const sync = async () => {
    const [r] = await cli.json<SyncReport[]>(['sync']);
    if (!r?.ok) throw new Error(`sync failed: ${JSON.stringify(r)}`);
    return r;
  };
  const all = () => cli.json<Item[]>(['list', '--status', 'all']);
  const bySubject = async (subject: string) => {
    const found = (await all()).find((c) => c.subject === subject);
    if (!found) throw new Error(`no conversation "${subject}"`);
    return found;
  };
  const show = (id: number) => cli.json<Shown>(['show', String(id)]);
  const emailStats = async () => (await cli.json<StatsOut>(['stats', '--since', '7d'])).channels.find((c) => c.channel === 'email');

  it("a teammate's reply in Sent shows in the transcript with who sent it, stops the wait, and counts in stats", async () => {
    await dovecot.fillInbox('agent', [
      {
        raw: makeEmail({ from: `Ann <${customer}>`, to: agent, subject: 'Refund please', body: 'I want my money back.', messageId: 'ann1@cust', date: new Date(now - 2 * hour) }),
        internalDate: new Date(now - 2 * hour),
      },
      // Old mail: history after the first sync (outside the 14-day window), and its reply in Sent is never fetched.
      {
        raw: makeEmail({ from: `Ann <${customer}>`, to: agent, subject: 'Old question', body: 'Long ago.', messageId: 'old1@cust', date: new Date(now - 40 * 24 * hour) }),
        internalDate: new Date(now - 40 * 24 * hour),
      },
    ]);
    await appendToSent(
      makeEmail({ from: `Sam at Acme Support <${agent}>`, to: customer, subject: 'Re: Old question', body: 'Old answer.', messageId: 'old-reply@support', inReplyTo: 'old1@cust', references: 'old1@cust', date: new Date(now - 39 * 24 * hour) }),
      now - 39 * 24 * hour,
    );
    const first = await sync();
    expect(first.added).toBe(2);
    // The Sent mailbox was found by its special use, and its first sync read nothing older than the window.
    expect(first.sent).toEqual({ mailbox: 'Sent', fetched: 0, added: 0 });
    const refund = await bySubject('Refund please');
    expect(refund.waitingSince).toBe(new Date(now - 2 * hour).toISOString());
    expect((await show((await bySubject('Old question')).id)).messages).toHaveLength(1);
    expect(await emailStats()).toMatchObject({ firstResponse: { count: 0, unanswered: 1 } });

    // Sam answers from their own client (or their attend): the copy lands in Sent an hour later.
    await appendToSent(
      makeEmail({ from: `Sam at Acme Support <${agent}>`, to: `Ann <${customer}>`, subject: 'Re: Refund please', body: 'Refund is on its way.', messageId: 'sam1@support', inReplyTo: 'ann1@cust', references: 'ann1@cust', date: new Date(now - hour) }),
      now - hour,
    );
    const second = await sync();
    expect(second.added).toBe(0);
    expect(second.sent).toEqual({ mailbox: 'Sent', fetched: 1, added: 1 });

    const shown = await show(refund.id);
    expect(shown.messages.map((m) => m.direction)).toEqual(['in', 'out']);
    expect(shown.messages[1]).toMatchObject({
      direction: 'out',
      from: { name: 'Sam at Acme Support', email: agent },
      deliveryState: 'sent',
      externalId: 'sam1@support',
      sentAt: new Date(now - hour).toISOString(),
    });
    expect(shown.messages[1]?.text).toContain('Refund is on its way.');
    expect(shown.conversation.waitingSince).toBeNull();
    expect(shown.conversation.messageCount).toBe(2);
    // Answered: not waiting in the queue any more (the open list shows it unwaiting, ranked as such).
    const open = await cli.json<Item[]>(['list']);
    expect(open.find((c) => c.id === refund.id)?.waitingSince ?? null).toBeNull();
    // Counted from when the reply reached the server (an hour after the question), not from this sync.
    const stats = await emailStats();
    expect(stats?.firstResponse).toMatchObject({ count: 1, unanswered: 0, p50Ms: hour });

    // Nothing new: nothing fetched again.
    expect((await sync()).sent).toEqual({ mailbox: 'Sent', fetched: 0, added: 0 });
  });

  it('our own reply comes back from Sent and is not doubled, in the transcript or in stats', async () => {
    await dovecot.fillInbox('agent', [
      makeEmail({ from: `Ann <${customer}>`, to: agent, subject: 'Where is my parcel', body: 'Still nothing.', messageId: 'ann2@cust', date: new Date(now - 30 * 60_000) }),
    ]);
    await sync();
    const conv = await bySubject('Where is my parcel');
    const r = await cli.run(['reply', String(conv.id), '--body', 'It ships today.', '--json']);
    expect(r.code).toBe(0);
    const sentId = JSON.parse(r.stdout).messageId as string;
    expect(smtp.received.some((m) => m.raw.toString().includes(sentId))).toBe(true);

    const again = await sync();
    // The copy attend filed in Sent is read once, recognised by its Message-ID, and stored nowhere new.
    expect(again.sent).toEqual({ mailbox: 'Sent', fetched: 1, added: 0 });
    const shown = await show(conv.id);
    expect(shown.messages.filter((m) => m.externalId === sentId)).toHaveLength(1);
    expect(shown.messages.map((m) => m.direction)).toEqual(['in', 'out']);
    const stats = await emailStats();
    expect(stats?.firstResponse).toMatchObject({ count: 2, unanswered: 0 });
  });

  it('Sent mail that threads to nothing is kept only when it goes to a customer we know', async () => {
    await appendToSent(makeEmail({ from: agent, to: customer, subject: 'About your account', body: 'A question for you.', messageId: 'new-thread@support' }), now);
    await appendToSent(makeEmail({ from: agent, to: 'friend@elsewhere.test', subject: 'Lunch?', body: 'Private.', messageId: 'private@support' }), now);
    const r = await sync();
    expect(r.sent).toEqual({ mailbox: 'Sent', fetched: 2, added: 1 });
    const subjects = (await all()).map((c) => c.subject);
    expect(subjects).not.toContain('Lunch?');
    const started = await bySubject('About your account');
    // Started by us: it waits for the customer, not in the queue.
    expect(started).toMatchObject({ status: 'pending', waitingSince: null, messageCount: 1 });
    // The customer's answer threads into it and brings it back.
    await dovecot.fillInbox('agent', [
      makeEmail({ from: customer, to: agent, subject: 'Re: About your account', body: 'Here is my answer.', messageId: 'ann3@cust', inReplyTo: 'new-thread@support', references: 'new-thread@support' }),
    ]);
    await sync();
    expect(await bySubject('About your account')).toMatchObject({ status: 'open', messageCount: 2 });
  });

  it('a new UIDVALIDITY on Sent re-reads it only back to the window, storing nothing twice', async () => {
    const before = await all();
    await dovecot.changeUidValidity('agent', 'Sent');
    const r = await sync();
    // In Sent: the 39-day-old reply (outside the window: never read), Sam's reply, ours, the new thread, the private mail.
    expect(r.sent).toEqual({ mailbox: 'Sent', fetched: 4, added: 0 });
    const after = await all();
    expect(after.map((c) => [c.id, c.messageCount])).toEqual(before.map((c) => [c.id, c.messageCount]));
  });

  it('sync --watch picks up a reply in Sent while idling on the inbox', { timeout: 60_000 }, async () => {
    await dovecot.fillInbox('agent', [makeEmail({ from: customer, to: agent, subject: 'Live question', body: 'Hello?', messageId: 'ann4@cust' })]);
    await sync();
    const conv = await bySubject('Live question');
    expect(conv.waitingSince).not.toBeNull();
    cli.env.ATTEND_SENT_POLL_MS = '300';
    const w = follow(cli, ['sync', '--watch', '--json']);
    try {
      await until('the ready line', () => w.lines.some((l) => l.includes('"ready":true')), 30_000);
      await dovecot.waitForIdle('agent');
      await appendToSent(
        makeEmail({ from: `Sam <${agent}>`, to: customer, subject: 'Re: Live question', body: 'Live answer.', messageId: 'sam2@support', inReplyTo: 'ann4@cust', references: 'ann4@cust' }),
        Date.now(),
      );
      const t = Date.now();
      let shown: Shown | null = null;
      while (Date.now() - t < 20_000) {
        shown = await show(conv.id);
        // Both, in one read: the reply stored and the wait it ends cleared.
        if (shown.messages.some((m) => m.externalId === 'sam2@support') && shown.conversation.waitingSince === null) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(shown?.messages.map((m) => m.externalId)).toContain('sam2@support');
      expect(shown?.conversation.waitingSince).toBeNull();
    } finally {
      await w.stop();
      delete cli.env.ATTEND_SENT_POLL_MS;
    }
  });
});
