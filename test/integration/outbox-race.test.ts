// Several real attend processes flushing the same outbox at the same moment (issue 12, item 2):
// every reply must reach the customer's mailbox exactly once, and be filed in Sent once.
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { peek } from '../helpers/imap-peek.js';
import { makeEmail } from '../helpers/mail.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeWithDovecot = requireDovecot();

describeWithDovecot('outbox: several processes flushing at once send each reply once', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;
  const agent = 'agent@example.test';
  const hour = 3600_000;
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 10 * hour;

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

  /** `n` new customer conversations, synced; returns their ids. */
  async function conversations(tag: string, n: number): Promise<number[]> {
    const subjects = Array.from({ length: n }, (_, i) => `${tag} question ${i + 1}`);
    await dovecot.fillInbox(
      'agent',
      subjects.map((subject, i) =>
        makeEmail({ from: 'Ann Customer <customer@example.test>', to: agent, subject, body: `About ${subject}`, messageId: `${tag}-${i}@cust`, date: new Date(t0 + i * 1000) }),
      ),
    );
    const r = await cli.run(['sync', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const all = await cli.json<Array<{ id: number; subject: string }>>(['list', '--status', 'all']);
    return subjects.map((s) => {
      const found = all.find((c) => c.subject === s);
      if (!found) throw new Error(`no conversation "${s}"`);
      return found.id;
    });
  }

  /** How many copies of each Message-ID are in a mailbox. */
  async function copies(user: string, mailbox: string, messageIds: string[]): Promise<number[]> {
    const box = await peek(dovecot, user, mailbox);
    return messageIds.map((id) => box.filter((m) => m.messageId === `<${id}>`).length);
  }

  it('four `attend sync` started together deliver five queued replies once each', async () => {
    const ids = await conversations('race-sync', 5);
    const messageIds: string[] = [];
    await smtp.pause();
    try {
      for (const id of ids) {
        const r = await cli.run(['reply', String(id), '--body', `Answer for #${id}.`, '--json']);
        expect(r.code, r.stderr).toBe(75);
        messageIds.push(JSON.parse(r.stdout).messageId);
      }
    } finally {
      await smtp.resume();
    }
    const before = smtp.received.length;
    const runs = await Promise.all([1, 2, 3, 4].map(() => cli.run(['sync', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // Between them the four syncs sent all five; each reply went out from one process only.
    const sentBy = runs.map((r) => JSON.parse(r.stdout)[0].outbox.sent as number);
    expect(sentBy.reduce((a, b) => a + b, 0)).toBe(5);

    expect(smtp.received.length - before).toBe(5);
    expect(await copies('customer', 'INBOX', messageIds)).toEqual([1, 1, 1, 1, 1]);
    expect(await copies('agent', 'Sent', messageIds)).toEqual([1, 1, 1, 1, 1]);
    const [again] = await cli.json<Array<{ outbox: { sent: number; queued: number } }>>(['sync']);
    expect(again?.outbox).toMatchObject({ sent: 0, queued: 0 });
  }, 120_000);

  it('replies sent while two syncs flush the same outbox go out once each, and each reply command reports sent', async () => {
    const ids = await conversations('race-reply', 5);
    const replies = ids.map((id) => cli.run(['reply', String(id), '--body', `Quick answer for #${id}.`, '--json']));
    const syncs = [cli.run(['sync', '--json']), cli.run(['sync', '--json'])];
    const before = smtp.received.length;
    const [replyRuns, syncRuns] = await Promise.all([Promise.all(replies), Promise.all(syncs)]);
    for (const r of syncRuns) expect(r.code, r.stderr).toBe(0);
    const messageIds = replyRuns.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.state).toBe('sent');
      return out.messageId as string;
    });
    expect(smtp.received.length - before).toBe(5);
    expect(await copies('customer', 'INBOX', messageIds)).toEqual([1, 1, 1, 1, 1]);
    expect(await copies('agent', 'Sent', messageIds)).toEqual([1, 1, 1, 1, 1]);
  }, 120_000);

  it('a reply claimed by a live process is left to it; once that lease runs out, sync takes it over and sends it once', async () => {
    const [id] = await conversations('race-lease', 1);
    await smtp.pause();
    let messageId: string;
    try {
      const r = await cli.run(['reply', String(id), '--body', 'Held by someone else.', '--json']);
      expect(r.code, r.stderr).toBe(75);
      messageId = JSON.parse(r.stdout).messageId;
    } finally {
      await smtp.resume();
    }
    // This test process plays a live attend that claimed the reply and is sending it.
    const db = openDb(path.join(cli.home, 'attend.db'));
    const hold = (leaseUntil: number) =>
      db.prepare('UPDATE outbox SET claimed_by = ?, lease_until = ? WHERE message_id = ?').run(`${os.hostname()}:${process.pid}:test`, leaseUntil, messageId).changes;
    try {
      expect(hold(Date.now() + 60_000)).toBe(1);
      const before = smtp.received.length;
      const [held] = await cli.json<Array<{ outbox: { sent: number; queued: number } }>>(['sync']);
      expect(held?.outbox).toMatchObject({ sent: 0, queued: 1 });
      expect(smtp.received.length).toBe(before);

      expect(hold(Date.now() - 1)).toBe(1); // the holder hung past its lease
      const runs = await Promise.all([1, 2, 3].map(() => cli.run(['sync', '--json'])));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(smtp.received.length - before).toBe(1);
      expect(await copies('customer', 'INBOX', [messageId])).toEqual([1]);
      expect(await copies('agent', 'Sent', [messageId])).toEqual([1]);
    } finally {
      db.close();
    }
  }, 120_000);
});
