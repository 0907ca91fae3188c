// A watcher (and each `attend sync`) asks the Sent mailbox with one STATUS whether it has anything
// new, and selects it only then: the answer must be right both ways. And the Sent mailbox is found
// by its special use, or not at all.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImapSession } from '../../src/adapters/email/imap-session.js';
import { findSentMailbox, sentChanged, syncSentMailbox } from '../../src/app/email/sent-sync.js';
import type { AppContext } from '../../src/app/context.js';
import type { EmailAccount } from '../../src/config/settings.js';
import { openDb } from '../../src/store/db.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';

requireDovecot()('the Sent mailbox, found and watched', () => {
  let dv: DovecotInstance;
  beforeAll(async () => {
    dv = await startDovecot({ users: ['agent'] });
  });
  afterAll(async () => {
    await dv?.stop();
  });

  const account = (over: Partial<EmailAccount> = {}): EmailAccount =>
    ({ type: 'email', name: 'support', email: 'agent@example.test', mailbox: 'INBOX', sentMailbox: 'Sent', openWindow: '14d', ...over }) as EmailAccount;
  const connect = () =>
    ImapSession.connect({ account: 'support', server: { host: dv.host, port: dv.port, security: 'none' }, user: 'agent', password: dv.password('agent') });
  const reply = (id: string) => makeEmail({ from: 'agent@example.test', to: 'c@x.test', subject: 'Re: s', body: 'b', messageId: id });

  it('STATUS says changed before the first sync, after new mail and after a flag change; unchanged right after a sync', async () => {
    await dv.fillInbox('agent', [reply('x1@y')], 'Sent');
    const lines: string[] = [];
    const ctx = { db: openDb(':memory:'), env: process.env, now: () => Date.now(), log: (l: string) => lines.push(l), settings: { accounts: [] } } as unknown as AppContext;
    const s = await connect();
    try {
      expect(await sentChanged(ctx, s, account(), 'Sent')).toBe(true);
      await syncSentMailbox(ctx, s, account(), 'Sent');
      await s.open('INBOX');
      expect(await sentChanged(ctx, s, account(), 'Sent')).toBe(false);
      await dv.fillInbox('agent', [reply('x2@y')], 'Sent');
      expect(await sentChanged(ctx, s, account(), 'Sent')).toBe(true);
      await syncSentMailbox(ctx, s, account(), 'Sent');
      await s.open('INBOX');
      expect(await sentChanged(ctx, s, account(), 'Sent')).toBe(false);
      // Another client flags a message in Sent: CONDSTORE's HIGHESTMODSEQ moves.
      const other = new ImapFlow({ host: dv.host, port: dv.port, secure: false, auth: { user: 'agent', pass: dv.password('agent') }, logger: false });
      other.on('error', () => {});
      await other.connect();
      await other.mailboxOpen('Sent');
      await other.messageFlagsAdd('1', ['\\Flagged']);
      await other.logout();
      expect(await sentChanged(ctx, s, account(), 'Sent')).toBe(true);
    } finally {
      await s.logout();
    }
  });

  it('finds Sent by its special use whatever sentMailbox says; with neither, none (said once)', async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const s = await connect();
    try {
      expect(await findSentMailbox(s, account({ sentMailbox: 'Elsewhere' }), log)).toBe('Sent');
      expect(lines).toEqual([]);
      const client = s as unknown as { listMailboxes: () => Promise<Array<{ path: string; specialUse: string | null }>> };
      // A server without SPECIAL-USE and without the configured mailbox.
      client.listMailboxes = async () => [{ path: 'INBOX', specialUse: null }, { path: 'Archive', specialUse: null }];
      expect(await findSentMailbox(s, account({ name: 'bare', sentMailbox: 'Sent' }), log)).toBeNull();
      expect(await findSentMailbox(s, account({ name: 'bare', sentMailbox: 'Sent' }), log)).toBeNull();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('no Sent mailbox');
      // The configured one when nothing is marked \Sent.
      client.listMailboxes = async () => [{ path: 'INBOX', specialUse: null }, { path: 'Sent Items', specialUse: null }];
      expect(await findSentMailbox(s, account({ name: 'plain', sentMailbox: 'Sent Items' }), log)).toBe('Sent Items');
    } finally {
      await s.logout();
    }
  });
});
