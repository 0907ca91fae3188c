/**
 * Proves the test harness itself: a private Dovecot we can fill directly, force a UIDVALIDITY
 * change on, crash and restart, and an SMTP sink that delivers into it and can go down and up.
 */
import { ImapFlow } from 'imapflow';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { makeBulk, makeEmail } from '../helpers/mail.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const describeDovecot = requireDovecot();

describeDovecot('test harness', () => {
  let dovecot: DovecotInstance;
  const clients: ImapFlow[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => {})));
    await dovecot?.stop();
  });

  async function connect(user: string): Promise<ImapFlow> {
    const c = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      logger: false,
      auth: { user, pass: dovecot.password(user) },
    });
    c.on('error', () => {});
    await c.connect();
    clients.push(c);
    return c;
  }

  async function subjects(c: ImapFlow, mailbox = 'INBOX'): Promise<string[]> {
    const lock = await c.getMailboxLock(mailbox);
    try {
      await c.noop(); // a mailbox selected earlier learns about new mail only from the server
      const out: string[] = [];
      if (c.mailbox && c.mailbox.exists === 0) return out;
      for await (const m of c.fetch('1:*', { uid: true, envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  }

  const refused = (port: number) =>
    new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });

  it('serves messages written by fillInbox, in order, with flags and dates', async () => {
    const date = new Date('2024-03-01T09:30:00Z');
    await dovecot.fillInbox('agent', [
      makeEmail({ subject: 'First', date }),
      { raw: makeEmail({ subject: 'Second' }), flags: ['\\Seen', '\\Flagged'] },
      Buffer.from(makeEmail({ subject: 'Grüße aus Köln' })),
    ]);
    const c = await connect('agent');
    expect(await subjects(c)).toEqual(['First', 'Second', 'Grüße aus Köln']);
    const lock = await c.getMailboxLock('INBOX');
    try {
      const first = await c.fetchOne('1', { flags: true, internalDate: true });
      const second = await c.fetchOne('2', { flags: true });
      if (!first || !second) throw new Error('FETCH returned nothing');
      expect(new Date(first.internalDate ?? 0).toISOString()).toBe(date.toISOString());
      const flags = [...(second.flags ?? [])].filter((f) => f !== '\\Recent');
      expect(flags.sort()).toEqual(['\\Flagged', '\\Seen']);
    } finally {
      lock.release();
    }
    // Also logging in with the full address works, and the special-use folders exist.
    const byAddress = await connect(dovecot.address('agent'));
    const uses = (await byAddress.list()).map((b) => b.specialUse).filter(Boolean);
    expect(uses.sort()).toEqual(['\\Archive', '\\Drafts', '\\Inbox', '\\Sent', '\\Trash']); // \\Inbox: imapflow's
  });

  it('fills other mailboxes and keeps UIDs in array order for bulk fills', async () => {
    const bulk = makeBulk(1000, { seed: 7 });
    const t0 = performance.now();
    await dovecot.fillInbox('customer', bulk, 'Archive');
    const ms = performance.now() - t0;
    const c = await connect('customer');
    const got = await subjects(c, 'Archive');
    expect(got).toHaveLength(1000);
    expect(got).toEqual(bulk.map((raw) => /^Subject: (.*)$/m.exec(raw)?.[1]?.trim()));
    expect(ms).toBeLessThan(5000); // ~0.2 s measured; APPEND would take ~4 s
  });

  it('changeUidValidity: new UIDVALIDITY and new UIDs; a session that had the mailbox open is dropped', async () => {
    const selected = await connect('agent');
    const before = await selected.mailboxOpen('INBOX');
    const beforeUids = await uidsOf(selected);
    const dropped = new Promise((resolve) => selected.once('close', resolve));
    const reported = await dovecot.changeUidValidity('agent', 'INBOX');
    // Dovecot's answer to a selected session: "IMAP session state is inconsistent, please relogin".
    await selected.noop().catch(() => {});
    await dropped;

    const fresh = await connect('agent');
    const status = await fresh.status('INBOX', { uidValidity: true, messages: true });
    if (!status) throw new Error('STATUS failed');
    expect(status.uidValidity).toBe(BigInt(reported));
    expect(BigInt(reported)).not.toBe(before.uidValidity);
    expect(status.messages).toBe(beforeUids.length);
    const box = await fresh.mailboxOpen('INBOX');
    expect(box.uidValidity).toBe(BigInt(reported));
    const afterUids = await uidsOf(fresh);
    expect(afterUids).toHaveLength(beforeUids.length);
    expect(afterUids.filter((u) => beforeUids.includes(u))).toEqual([]);
    expect(await subjects(fresh)).toEqual(['First', 'Second', 'Grüße aus Köln']);
  });

  async function uidsOf(c: ImapFlow): Promise<number[]> {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return (await c.search({ all: true }, { uid: true })) || [];
    } finally {
      lock.release();
    }
  }

  it('SMTP sink delivers into INBOX, refuses while paused, and works again after resume', async () => {
    const sink = await startSmtpSink(dovecot);
    const transport = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false });
    try {
      const send = (subject: string) =>
        transport.sendMail({ from: dovecot.address('agent'), to: dovecot.address('customer'), subject, text: 'Hi' });
      await send('Reply one');
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]?.to).toEqual(['customer@example.test']);
      const c = await connect('customer');
      expect(await subjects(c)).toEqual(['Reply one']);

      // Unknown local users are refused; other domains are relayed: recorded, not delivered.
      await expect(
        transport.sendMail({ from: dovecot.address('agent'), to: 'nobody@example.test', subject: 'x', text: 'x' }),
      ).rejects.toThrow(/550/);
      await transport.sendMail({ from: dovecot.address('agent'), to: 'bob@elsewhere.test', subject: 'Out', text: 'x' });
      expect(sink.received.at(-1)?.to).toEqual(['bob@elsewhere.test']);

      await sink.pause();
      expect(await refused(sink.port)).toBe('ECONNREFUSED');
      await expect(send('While down')).rejects.toThrow();

      await sink.resume();
      await send('Reply two');
      expect(await subjects(c)).toEqual(['Reply one', 'Reply two']);
      expect(sink.received.map((m) => m.raw.toString()).join()).not.toContain('While down');
    } finally {
      transport.close();
      await sink.stop();
    }
  });

  it('kill() crashes Dovecot (connections refused); restart() brings it back with the mail', async () => {
    const { port } = dovecot;
    await dovecot.kill();
    expect(await refused(port)).toBe('ECONNREFUSED');
    await dovecot.restart();
    expect(dovecot.port).toBe(port);
    const c = await connect('agent');
    expect(await subjects(c)).toEqual(['First', 'Second', 'Grüße aus Köln']);
  });
});
