// Issue 12.3: a reply the server refuses for good (550, exit 1) changes nothing about the
// conversation — no status, no tags, no template actions, and the customer still waits — while a
// reply queued for a retry (SMTP unreachable, exit 75) does take its status. `show` says why.
// The built CLI against a private Dovecot and the SMTP sink.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAccount, type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { check } from '../helpers/schemas.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

interface Item {
  id: number;
  subject: string;
  status: string;
  tags: string[];
  waitingSince: string | null;
}
interface Shown {
  conversation: Item;
  messages: Array<{ direction: string; deliveryState: string | null; deliveryError?: string | null }>;
}

const describeWithDovecot = requireDovecot();
const REASON = '5.7.1 <nobody@cust.test>: recipient refused by policy, see https://postmaster.example.test/why-we-refused-this-message';

describeWithDovecot('a reply refused for good leaves the conversation as it was', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;
  const agent = 'agent@example.test';
  const t0 = Date.now() - 3600_000;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['agent'] });
    smtp = await startSmtpSink(dovecot);
    cli = makeCli();
    await addAccount(cli, dovecot, smtp);
    const subjects = ['Refused plain', 'Refused template', 'Queued for retry', 'Accepted', 'Refused at sync'];
    await dovecot.fillInbox(
      'agent',
      subjects.map((subject, i) =>
        makeEmail({ from: `Nora <nora${i}@cust.test>`, to: agent, subject, body: `About ${subject}`, messageId: `fr${i}@cust.test`, date: new Date(t0 + i * 60_000) }),
      ),
    );
    expect((await cli.run(['sync'])).code).toBe(0);
    const dir = path.join(cli.home, 'templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'refund.md'), '---\nstatus: resolved\ntags: [refund, billing]\n---\nYour refund is on its way.\n');
  }, 60_000);
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  const open = () => cli.json<Item[]>(['list', '--status', 'open']);
  const idOf = async (subject: string) => {
    const found = (await cli.json<Item[]>(['list', '--status', 'all'])).find((c) => c.subject === subject);
    if (!found) throw new Error(`no conversation "${subject}"`);
    return found;
  };
  const refused = async <T>(fn: () => Promise<T>) => {
    smtp.rejectWith = { code: 550, message: REASON };
    try {
      return await fn();
    } finally {
      smtp.rejectWith = null;
    }
  };

  it('reply --status pending refused with 550: exit 1, still open and waiting in list; show and show --json give the reason', async () => {
    const before = await idOf('Refused plain');
    expect(before.waitingSince).not.toBeNull();
    const r = await refused(() => cli.run(['reply', String(before.id), '--body', 'Sorted!', '--status', 'pending']));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('recipient refused by policy');

    const row = (await open()).find((c) => c.id === before.id);
    expect(row, 'the conversation left the open queue').toBeDefined();
    expect(row?.status).toBe('open');
    expect(row?.waitingSince).toBe(before.waitingSince); // the customer got nothing: still waiting, as long as before

    const shown = await cli.json<Shown>(['show', String(before.id)]);
    check('show', shown);
    expect(shown.messages.at(-1)).toMatchObject({ direction: 'out', deliveryState: 'failed' });
    expect(shown.messages.at(-1)?.deliveryError).toContain(REASON);
    expect(shown.messages.filter((m) => m.direction === 'in').every((m) => m.deliveryError === null)).toBe(true);

    const text = await cli.run(['show', String(before.id)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('[failed]');
    expect(text.stdout).toContain(REASON); // whole, not cut
    expect(r.stderr).toContain('status and tags left as they were');
  });

  it('reply --template with actions (status, tags) refused: exit 1, no tag added, status unchanged, still waiting', async () => {
    const before = await idOf('Refused template');
    const r = await refused(() => cli.run(['reply', String(before.id), '--template', 'refund']));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/tagged/);
    const after = (await open()).find((c) => c.id === before.id);
    expect(after).toMatchObject({ status: 'open', tags: [], waitingSince: before.waitingSince });
    // --status with a template: the same.
    const again = await refused(() => cli.run(['reply', String(before.id), '--template', 'refund', '--status', 'pending', '--json']));
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'failed' });
    expect((await open()).find((c) => c.id === before.id)).toMatchObject({ status: 'open', tags: [] });
  });

  it('a reply queued for a retry (SMTP unreachable, exit 75) does take its status and the template actions', async () => {
    const conv = await idOf('Queued for retry');
    await smtp.pause();
    try {
      const r = await cli.run(['reply', String(conv.id), '--body', 'On its way.', '--status', 'pending']);
      expect(r.code, r.stderr).toBe(75);
      const t = await cli.run(['reply', String(conv.id), '--template', 'refund']);
      expect(t.code, t.stderr).toBe(75);
    } finally {
      await smtp.resume();
    }
    const shown = await cli.json<Shown>(['show', String(conv.id)]);
    expect(shown.conversation).toMatchObject({ status: 'resolved' });
    expect([...shown.conversation.tags].sort()).toEqual(['billing', 'refund']);
  });

  it('a reply the server accepts takes its status', async () => {
    const conv = await idOf('Accepted');
    const r = await cli.run(['reply', String(conv.id), '--body', 'Done.', '--status', 'pending']);
    expect(r.code, r.stderr).toBe(0);
    expect((await cli.json<Shown>(['show', String(conv.id)])).conversation.status).toBe('pending');
  });

  it('a queued reply that a later sync sees refused for good: the customer waits again, show gives the reason', async () => {
    const before = await idOf('Refused at sync');
    await smtp.pause();
    try {
      expect((await cli.run(['reply', String(before.id), '--body', 'Soon.'])).code).toBe(75);
    } finally {
      await smtp.resume();
    }
    expect((await idOf('Refused at sync')).waitingSince).toBeNull(); // queued: counts as answered meanwhile
    const synced = await refused(() => cli.run(['sync']));
    expect(synced.code, synced.stderr).not.toBe(75);
    expect((await idOf('Refused at sync')).waitingSince).toBe(before.waitingSince);
    const shown = await cli.json<Shown>(['show', String(before.id)]);
    expect(shown.messages.at(-1)).toMatchObject({ direction: 'out', deliveryState: 'failed' });
    expect(shown.messages.at(-1)?.deliveryError).toContain(REASON);
  });
});
