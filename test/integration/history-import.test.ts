// Connecting a mailbox with history, end to end against a real Dovecot: the first sync imports
// months-old mail as history (outside the queue, announced to no one, counted nowhere) and the
// fresh mail as open; times count from when mail reached the server (INTERNALDATE).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicEvent } from '../../src/domain/public-events.js';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, type MailInput, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { follow, until } from '../helpers/follow.js';
import { makeEmail } from '../helpers/mail.js';
import { check } from '../helpers/schemas.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeWithDovecot = requireDovecot();

interface Item {
  id: number;
  subject: string;
  status: string;
  waitingSince: string | null;
  customer: { email: string | null };
}
interface SyncReport {
  account: string;
  ok: boolean;
  added: number;
  firstSync: { conversations: number; open: number; history: number; other: number; openWindow: string } | null;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const sec = (t: number) => Math.floor(t / 1000) * 1000; // maildir mtimes have whole seconds
const NOW = sec(Date.now());
const AGENT = 'agent@example.test';
const OLD = 24; // conversations whose customer last wrote 30–215 days ago

/** The mailbox: months of history, three fresh emails, one old thread the customer took up again. */
function mailbox(): MailInput[] {
  const old: MailInput[] = Array.from({ length: OLD }, (_, i) =>
    makeEmail({ from: `Old ${i} <old${i}@example.test>`, to: AGENT, subject: `Old question ${i}`, body: `From long ago ${i}`, messageId: `old${i}@cust`, date: new Date(NOW - (30 + 8 * i) * DAY) }),
  );
  return [
    ...old,
    // Ann: an old conversation (history) and a fresh one (open): show lists the old as her history.
    makeEmail({ from: `Ann <customer@example.test>`, to: AGENT, subject: 'Old order', body: 'Last spring', messageId: 'ann-old@cust', date: new Date(NOW - 120 * DAY) }),
    // The Date header says yesterday, the server received it 90 days ago: history.
    { raw: makeEmail({ from: `Liar <liar@example.test>`, to: AGENT, subject: 'Backdated server', body: 'x', messageId: 'liar@cust', date: new Date(NOW - DAY) }), internalDate: new Date(NOW - 90 * DAY) },
    // An old thread whose customer wrote again 2 days ago: open, waiting since the new message only.
    makeEmail({ from: `Tess <tess@example.test>`, to: AGENT, subject: 'Warranty', body: 'First ask', messageId: 'tess1@cust', date: new Date(NOW - 60 * DAY) }),
    makeEmail({ from: `Tess <tess@example.test>`, to: AGENT, subject: 'Re: Warranty', body: 'Asking again', messageId: 'tess2@cust', inReplyTo: 'tess1@cust', references: 'tess1@cust', date: new Date(NOW - 2 * DAY) }),
    // Fresh: Ann's new question; one whose Date header is months old but the server got it 3 hours ago.
    makeEmail({ from: `Ann <customer@example.test>`, to: AGENT, subject: 'Where is my parcel', body: 'Ordered last week', messageId: 'ann-new@cust', date: new Date(NOW - DAY) }),
    { raw: makeEmail({ from: `Slow <slow@example.test>`, to: AGENT, subject: 'Delayed in transit', body: 'Sent ages ago', messageId: 'slow@cust', date: new Date(NOW - 100 * DAY) }), internalDate: new Date(NOW - 3 * HOUR) },
  ];
}
const FRESH = ['Delayed in transit', 'Warranty', 'Where is my parcel'];
const HISTORY = OLD + 2; // the old questions, Ann's old order, the backdated one

describeWithDovecot('connecting a mailbox with history', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent', 'customer'] });
    smtp = await startSmtpSink(dovecot);
    await dovecot.fillInbox('agent', mailbox());
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
  });

  describe('default open window (14 days)', () => {
    let cli: Cli;
    let hookFile: string;
    let watched: PublicEvent[] = [];
    let watchStderr = '';
    const list = (status = 'open') => cli.json<Item[]>(['list', '--status', status, '--limit', '500']);
    const bySubject = async (subject: string) => {
      const c = (await list('all')).find((x) => x.subject === subject);
      if (!c) throw new Error(`no conversation "${subject}"`);
      return c;
    };

    beforeAll(async () => {
      cli = makeCli();
      await addAccount(cli, dovecot, smtp);
      hookFile = path.join(cli.home, 'hook.ndjson');
      const file = path.join(cli.home, 'config.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), hooks: { '*': `cat >> '${hookFile}'; echo >> '${hookFile}'` } }));
      // The first sync, as a first start does it: the watcher (hooks running) connects and syncs.
      const w = follow(cli, ['watch', '--json']);
      try {
        await until('the first sync summary', () => /conversations, \d+ open/.test(w.stderr()), 60_000);
        await until('the fresh mail announced', () => w.lines.filter((l) => l.includes('"message.received"')).length >= 3);
        await until('its hooks', () => hookLines().filter((e) => e.type === 'message.received').length >= 3);
        await new Promise((r) => setTimeout(r, 1500)); // anything extra would show up by now
      } finally {
        await w.stop();
      }
      watched = w.lines.map((l) => JSON.parse(l) as PublicEvent);
      watchStderr = w.stderr();
    }, 120_000);
    afterAll(() => cli?.cleanup());

    const hookLines = (): PublicEvent[] =>
      existsSync(hookFile) ? readFileSync(hookFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as PublicEvent) : [];

    it('says in one line what the first sync did', () => {
      expect(watchStderr).toContain(`support: ${FRESH.length + HISTORY} conversations, ${FRESH.length} open, ${HISTORY} history older than 14 days`);
      expect(watchStderr).toContain('--open-window');
    });

    it('the queue holds only the fresh mail; history is listed with --status all and --status history', async () => {
      const queue = await list();
      expect(queue.map((c) => c.subject).sort()).toEqual(FRESH);
      expect(queue.every((c) => c.status === 'open')).toBe(true);
      const all = await list('all');
      expect(all).toHaveLength(FRESH.length + HISTORY);
      const history = await list('history');
      expect(history).toHaveLength(HISTORY);
      expect(history.every((c) => c.status === 'history' && c.waitingSince === null)).toBe(true);
      expect(history.map((c) => c.subject)).toEqual(expect.arrayContaining(['Old question 0', 'Old order', 'Backdated server']));
    });

    it('waiting counts from when the server received the message (INTERNALDATE), and an old thread waits only since the new message', async () => {
      expect((await bySubject('Delayed in transit')).waitingSince).toBe(new Date(NOW - 3 * HOUR).toISOString());
      expect((await bySubject('Where is my parcel')).waitingSince).toBe(new Date(NOW - DAY).toISOString());
      expect((await bySubject('Warranty')).waitingSince).toBe(new Date(NOW - 2 * DAY).toISOString());
    });

    it('announces only the fresh mail to watch and to hooks: nothing about history', () => {
      const fresh = new Set(FRESH);
      for (const events of [watched, hookLines()]) {
        const about = events.filter((e) => e.conversation !== null);
        expect(about.length).toBeGreaterThan(0);
        for (const e of about) expect(fresh.has(e.conversation?.subject ?? ''), `${e.type} about "${e.conversation?.subject}"`).toBe(true);
        expect(events.filter((e) => e.type === 'message.received')).toHaveLength(3);
      }
    });

    it('shows history as the customer history of a fresh conversation', async () => {
      const parcel = await bySubject('Where is my parcel');
      const shown = await cli.json<{ customerHistory: Array<{ subject: string; status: string }> }>(['show', String(parcel.id)]);
      check('show', shown);
      expect(shown.customerHistory).toEqual([expect.objectContaining({ subject: 'Old order', status: 'history' })]);
      const text = await cli.run(['show', String((await bySubject('Old order')).id)]);
      expect(text.stdout).toContain('history: imported from before the open window');
    });

    it('stats count only the fresh mail, from when it arrived', async () => {
      const stats = await cli.json<{ overall: { opened: number; firstResponse: { count: number; unanswered: number; p50Ms: number | null } } }>([
        'stats',
        '--since',
        '52w',
      ]);
      expect(stats.overall.opened).toBe(3);
      expect(stats.overall.firstResponse).toMatchObject({ count: 0, unanswered: 3 });
      // Answering mail that reached the server a day ago is a day-long first response, not seconds.
      const parcel = await bySubject('Where is my parcel');
      const r = await cli.run(['reply', String(parcel.id), '--body', 'It ships today.', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const after = await cli.json<{ overall: { firstResponse: { count: number; p50Ms: number } } }>(['stats', '--since', '52w']);
      expect(after.overall.firstResponse.count).toBe(1);
      expect(after.overall.firstResponse.p50Ms).toBeGreaterThanOrEqual(DAY);
      expect(after.overall.firstResponse.p50Ms).toBeLessThan(DAY + 10 * 60_000);
    });

    it('a customer from the history who writes again reopens the conversation, like any reply', async () => {
      await dovecot.fillInbox('agent', [
        makeEmail({ from: `Old 3 <old3@example.test>`, to: AGENT, subject: 'Re: Old question 3', body: 'Still an issue', messageId: 'old3-again@cust', inReplyTo: 'old3@cust', references: 'old3@cust' }),
      ]);
      const [report] = await cli.json<SyncReport[]>(['sync']);
      check('sync', [report]);
      expect(report).toMatchObject({ ok: true, added: 1, firstSync: null });
      const again = await bySubject('Old question 3');
      expect(again.status).toBe('open');
      expect(Date.parse(again.waitingSince ?? '')).toBeGreaterThan(NOW - 60_000);
      expect((await list()).map((c) => c.subject)).toContain('Old question 3');
    });

    it('a wider window later brings that part of the history into the queue', async () => {
      const r = await cli.run(['account', 'set', 'support', '--open-window', '100d']);
      expect(r.code, r.stderr).toBe(0);
      // Old questions 0..8 (30–94 days) but 3 (open already), the backdated one (90 days); Ann's old order (120) and the rest stay history.
      expect(r.stdout).toContain('9 conversation(s) joined the queue, 0 moved to history');
      const accounts = await cli.json<Array<{ name: string; openWindow: string }>>(['account', 'list']);
      check('account-list', accounts);
      expect(accounts[0]?.openWindow).toBe('100d');
      expect(await list('history')).toHaveLength(HISTORY - 1 - 9);
      const json = await cli.json<{ openWindow: string }>(['account', 'set', 'support', '--open-window', '100d']);
      check('account-set', json);
      expect(json.openWindow).toBe('100d');
      const bad = await cli.run(['account', 'set', 'support', '--open-window', 'soon']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--open-window must be');
    });
  });

  it('a first `attend sync` says what it did on stderr', async () => {
    const cli = makeCli();
    try {
      await addAccount(cli, dovecot, smtp);
      const r = await cli.run(['sync']);
      expect(r.code, r.stderr).toBe(0);
      // Old question 3 wrote again and the parcel question was answered (pending) by the tests above.
      expect(r.stderr).toContain(
        `support: ${FRESH.length + HISTORY} conversations, 3 open, 1 answered or closed, ${HISTORY - 1} history older than 14 days — \`attend account set support --open-window …\` changes this`,
      );
    } finally {
      cli.cleanup();
    }
  });

  it('--open-window 0 makes everything open, and sync --json reports the counts', async () => {
    const cli = makeCli();
    try {
      cli.env.ATTEND_TEST_PASSWORD = dovecot.password('agent');
      const added = await cli.run([
        'account', 'add', 'email', 'support', '--email', AGENT,
        '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'none',
        '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none',
        '--user', 'agent', '--password-env', 'ATTEND_TEST_PASSWORD', '--open-window', '0', '--json',
      ]);
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ openWindow: '0' });
      const reports = await cli.json<SyncReport[]>(['sync']);
      check('sync', reports);
      const total = FRESH.length + HISTORY; // the one that wrote again above joined its thread
      // Everything open but the parcel question: the reply above marked it \Answered on the server (pending).
      expect(reports[0]?.firstSync).toMatchObject({ conversations: total, open: total - 1, other: 1, history: 0, openWindow: '0' });
      const queue = await cli.json<Item[]>(['list', '--limit', '500']);
      expect(queue).toHaveLength(total - 1);
      // Still from the server's clock: the backdated one has waited 90 days.
      expect(queue.find((c) => c.subject === 'Backdated server')?.waitingSince).toBe(new Date(NOW - 90 * DAY).toISOString());
    } finally {
      cli.cleanup();
    }
  });
});
