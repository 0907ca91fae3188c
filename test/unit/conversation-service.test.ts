// The conversation service (src/app/conversations/service.ts), the one way the CLI and the console
// change a conversation or send a reply: typed results, one set of messages, validation before
// anything is written, and the reply sequence queue → try to send → status → result. A real store
// and settings in a temporary home; SMTP is either an unreachable port (replies stay queued for
// real) or the smtp-server sink answering 250 or 550. A recording route checks the order of steps.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationAction } from '../../src/app/conversations/actions.js';
import type { DeliveryRoute, DeliveryTarget } from '../../src/app/conversations/delivery.js';
import { ConversationService } from '../../src/app/conversations/service.js';
import { Runtime } from '../../src/app/runtime.js';
import { conversationMessages, getConversation } from '../../src/store/conversations.js';
import { queuedOutboxIds } from '../../src/store/outbox.js';
import { type ConsoleHome, consoleHome, UNREACHABLE_EMAIL_ACCOUNT } from '../helpers/console-home.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MIN = 60_000;
let home: ConsoleHome | null = null;
let smtp: SmtpSink | null = null;
afterEach(async () => {
  home?.cleanup();
  home = null;
  await smtp?.stop();
  smtp = null;
});

const emailAccount = UNREACHABLE_EMAIL_ACCOUNT;
/** The chat account the test conversations belong to, at a port where nothing listens. */
const deadRelay = { type: 'chat', name: 'local', url: 'ws://127.0.0.1:1', token: { env: 'ATTEND_TEST_PASSWORD' } };

async function withEmail(smtpAt?: SmtpSink): Promise<{ h: ConsoleHome; id: number }> {
  const account = smtpAt ? { ...emailAccount, smtp: { host: smtpAt.host, port: smtpAt.port, security: 'none' } } : emailAccount;
  home = await consoleHome({ accounts: [account, deadRelay] });
  const id = home.email({ id: 'q1@cust.test', from: 'ann@cust.test', subject: 'Where is my order?', at: Date.now() - 10 * MIN });
  return { h: home, id };
}

/** Records what the sequence asked for, in order, and answers like an unreachable server. */
function recordingRoute(): DeliveryRoute & { calls: string[]; targets: DeliveryTarget[] } {
  const calls: string[] = [];
  const targets: DeliveryTarget[] = [];
  return {
    calls,
    targets,
    queued: () => calls.push('queued'),
    async deliver(target) {
      calls.push('deliver');
      targets.push(target);
      return target.outboxIds.map(() => ({ state: 'queued' as const, error: 'connect ECONNREFUSED' }));
    },
  };
}

const REFUSED = '5.1.1 <ann@cust.test>: no such user';

describe('ConversationService.act', () => {
  it('applies each action with one message per kind and returns the conversation as it is now', async () => {
    const { h, id } = await withEmail();
    const s = new ConversationService(h.ctx);
    const until = Date.now() + 2 * 3600_000;
    const cases: Array<[ConversationAction, string, Record<string, unknown>]> = [
      [{ kind: 'resolve' }, `#${id} resolved`, { status: 'resolved' }],
      [{ kind: 'reopen' }, `#${id} reopened`, { status: 'open' }],
      [{ kind: 'pending' }, `#${id} is pending`, { status: 'pending' }],
      [{ kind: 'snooze', until }, `#${id} snoozed until ${new Date(until).toISOString()}`, { status: 'snoozed', snoozedUntil: new Date(until).toISOString() }],
      [{ kind: 'assign', to: '  dana ' }, `#${id} assigned to dana`, { assignee: 'dana' }],
      [{ kind: 'assign', to: '' }, `#${id} unassigned`, { assignee: null }],
      [{ kind: 'tag', add: ['refund', 'vip', 'refund'], remove: [] }, `#${id} tagged refund vip`, { tags: ['refund', 'vip'] }],
      [{ kind: 'tag', add: ['late'], remove: ['vip'] }, `#${id} tagged late, untagged vip`, { tags: ['late', 'refund'] }],
      [{ kind: 'note', text: ' Called her.\n' }, `note added to #${id}`, {}],
      [{ kind: 'priority', priority: 'urgent' }, `#${id} priority urgent`, { priority: 'urgent' }],
      [{ kind: 'priority', priority: null }, `#${id} priority from the rules`, { priority: 'normal' }],
    ];
    for (const [action, message, after] of cases) {
      const r = await s.act(id, action);
      expect(r, action.kind).toMatchObject({ ok: true, message, warnings: [] });
      if (r.ok) expect(r.conversation, message).toMatchObject(after);
      expect(getConversation(h.ctx.db, id), message).toMatchObject(after);
    }
    // The note is stored trimmed, by the agent in the settings, and never sent.
    expect(conversationMessages(h.ctx.db, id).at(-1)).toMatchObject({ direction: 'note', text: 'Called her.', from: { name: 'Sam' } });
  });

  it('refuses bad input before anything is written, and says which conversation does not exist', async () => {
    const { h, id } = await withEmail();
    const s = new ConversationService(h.ctx);
    const before = getConversation(h.ctx.db, id);
    const invalid: Array<[ConversationAction, string]> = [
      [{ kind: 'snooze', until: Date.now() - MIN }, 'the snooze time is in the past'],
      [{ kind: 'snooze', until: Number.NaN }, 'cannot read the snooze time'],
      [{ kind: 'tag', add: ['two words'], remove: [] }, 'a tag is one word without spaces or control characters'],
      [{ kind: 'tag', add: ['bell\u0007'], remove: [] }, 'a tag is one word without spaces or control characters'],
      [{ kind: 'tag', add: [' '], remove: [''] }, 'no tag given'],
      [{ kind: 'note', text: ' \n' }, 'the note is empty'],
      [{ kind: 'priority', priority: 'critical' as never }, 'priority must be urgent, high, normal, low or auto'],
    ];
    for (const [action, message] of invalid) {
      expect(await s.act(id, action)).toEqual({ ok: false, failure: 'invalid', message });
      // Bad input is reported as such even for a conversation that does not exist (the CLI's exit 2 before 3).
      expect(await s.act(999, action)).toEqual({ ok: false, failure: 'invalid', message });
    }
    expect(getConversation(h.ctx.db, id)).toEqual(before);
    expect(conversationMessages(h.ctx.db, id).filter((m) => m.direction === 'note')).toEqual([]);
    expect(await s.act(999, { kind: 'resolve' })).toEqual({ ok: false, failure: 'no-such-conversation', message: 'no conversation 999' });
  });

  it('resolving or reopening a chat tells the visitor; an unreachable relay is a warning, the change still holds', async () => {
    const { h } = await withEmail();
    const chat = h.chat({ relayId: 4, name: 'Ben', text: 'hello?', at: Date.now() - MIN });
    const s = new ConversationService(h.ctx);
    const resolved = await s.act(chat, { kind: 'resolve' });
    expect(resolved).toMatchObject({ ok: true, message: `#${chat} resolved`, conversation: { status: 'resolved' } });
    expect(resolved.ok && resolved.warnings).toEqual([expect.stringMatching(/the visitor was not told$/)]);
    // Other changes are not the visitor's business: no relay is tried, no warning.
    expect(await s.act(chat, { kind: 'pending' })).toMatchObject({ ok: true, warnings: [] });
  });
});

describe('ConversationService.reply', () => {
  it('queues, then tries to send, then sets the status; SMTP unreachable: queued with the reason', async () => {
    const { h, id } = await withEmail();
    const r = await new ConversationService(h.ctx).reply({ conversationId: id, content: { text: 'It ships today.' }, status: 'pending' });
    expect(r).toMatchObject({ ok: true, conversationId: id, channel: 'email', state: 'queued', notes: [], warnings: [] });
    if (!r.ok) return;
    expect(r.error).toBeTruthy();
    expect(r.message).toBe(`reply to #${id} queued (${r.error}); it goes out with the next attend sync or reply`);
    expect(r.messageId).toMatch(/^attend\.[0-9a-f-]+@shop\.test$/);
    expect(getConversation(h.ctx.db, id)).toMatchObject({ status: 'pending', waitingSince: null });
    expect(conversationMessages(h.ctx.db, id).at(-1)).toMatchObject({ direction: 'out', deliveryState: 'queued' });
  });

  it('tells the route once the reply is queued, before it is tried, and tries exactly that reply', async () => {
    const { h, id } = await withEmail();
    const route = recordingRoute();
    const r = await new ConversationService(h.ctx, route).reply({ conversationId: id, content: { text: 'On its way.' } });
    expect(route.calls).toEqual(['queued', 'deliver']);
    expect(route.targets).toEqual([{ channel: 'email', account: expect.objectContaining({ name: 'support' }), outboxIds: queuedOutboxIds(h.ctx.db, id) }]);
    expect(r).toMatchObject({ ok: true, state: 'queued', error: 'connect ECONNREFUSED' });
  });

  it('a reply the server accepts is sent, then the status follows', async () => {
    smtp = await startSmtpSink(null, { deliver: false });
    const { h, id } = await withEmail(smtp);
    const r = await new ConversationService(h.ctx).reply({ conversationId: id, content: { text: 'Done.' }, status: 'resolved' });
    expect(r).toMatchObject({ ok: true, state: 'sent', error: null, message: `sent reply to #${id}`, notes: [], warnings: [] });
    expect(smtp.received).toHaveLength(1);
    expect(getConversation(h.ctx.db, id)).toMatchObject({ status: 'resolved', waitingSince: null });
  });

  it('a reply refused for good (550) changes nothing else: no status, no template actions, and says so', async () => {
    smtp = await startSmtpSink(null, { deliver: false });
    smtp.rejectWith = { code: 550, message: REFUSED };
    const { h, id } = await withEmail(smtp);
    const waiting = getConversation(h.ctx.db, id)?.waitingSince;
    const dir = path.join(h.dir, 'templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'refund.md'), '---\nstatus: resolved\ntags: [refund]\n---\nHi {{customer.name}}, refunded.\n');
    const r = await new ConversationService(h.ctx).reply({ conversationId: id, content: { template: 'refund' }, status: 'pending' });
    expect(r).toMatchObject({ ok: true, state: 'failed', notes: [`#${id}: status and tags left as they were: the reply was not sent`] });
    if (!r.ok) return;
    expect(r.error).toContain(REFUSED);
    expect(r.message).toBe(`reply to #${id} failed: ${r.error}`);
    expect(getConversation(h.ctx.db, id)).toMatchObject({ status: 'open', tags: [], waitingSince: waiting });
  });

  it("a template's actions follow a queued reply, with one summary line; --status replaces its status", async () => {
    const { h, id } = await withEmail();
    const dir = path.join(h.dir, 'templates');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'refund.md'), '---\nstatus: resolved\ntags: [refund, billing]\n---\nHi {{customer.name}}, order {{order}} is refunded.\n');
    const s = new ConversationService(h.ctx, recordingRoute());
    const r = await s.reply({ conversationId: id, content: { template: 'refund', vars: { order: 'A-17' } } });
    expect(r).toMatchObject({ ok: true, state: 'queued', notes: [`#${id}: tagged refund billing, resolved (template refund)`] });
    expect(getConversation(h.ctx.db, id)).toMatchObject({ status: 'resolved', tags: ['billing', 'refund'] });
    expect(conversationMessages(h.ctx.db, id).at(-1)?.text).toMatch(/^Hi ann, order A-17 is refunded\./);

    const other = h.email({ id: 'q2@cust.test', from: 'bob@cust.test', subject: 'Refund?', at: Date.now() - MIN });
    const o = await s.reply({ conversationId: other, content: { template: 'refund', vars: { order: 'B-2' } }, status: 'pending' });
    expect(o).toMatchObject({ ok: true, notes: [`#${other}: tagged refund billing (template refund)`] });
    expect(getConversation(h.ctx.db, other)).toMatchObject({ status: 'pending' });
  });

  it('nothing is queued when the reply cannot be: typed failures for the CLI to map to exit codes', async () => {
    const { h, id } = await withEmail();
    const route = recordingRoute();
    const s = new ConversationService(h.ctx, route);
    expect(await s.reply({ conversationId: 999, content: { text: 'x' } })).toEqual({ ok: false, failure: 'no-such-conversation', message: 'no conversation 999' });
    expect(await s.reply({ conversationId: id, content: { text: '  \n' } })).toEqual({ ok: false, failure: 'invalid', message: 'the reply is empty' });
    expect(await s.reply({ conversationId: id, content: { template: 'nope' } })).toMatchObject({ ok: false, failure: 'invalid', message: expect.stringMatching(/^no template nope/) });
    // A conversation of an account that is no longer configured cannot be answered from here.
    h.ctx.db.prepare("UPDATE conversations SET account = 'gone' WHERE id = ?").run(id);
    expect(await s.reply({ conversationId: id, content: { text: 'x' } })).toMatchObject({ ok: false, failure: 'not-queued', message: expect.stringMatching(/account gone, which is not configured/) });
    expect(route.calls).toEqual([]);
    expect(queuedOutboxIds(h.ctx.db, id)).toEqual([]);
  });
});

describe('ConversationService.retry', () => {
  it('queues failed replies again (they answer again) and sends them; nothing failed: nothing tried', async () => {
    smtp = await startSmtpSink(null, { deliver: false });
    smtp.rejectWith = { code: 550, message: REFUSED };
    const { h, id } = await withEmail(smtp);
    const s = new ConversationService(h.ctx);
    expect(await s.reply({ conversationId: id, content: { text: 'First try.' } })).toMatchObject({ ok: true, state: 'failed' });
    expect(getConversation(h.ctx.db, id)?.waitingSince).not.toBeNull(); // refused: the customer waits again

    smtp.rejectWith = null; // the postmaster fixed it
    expect(await s.retry(id)).toEqual({ requeued: 1, results: [{ state: 'sent', error: null }] });
    expect(smtp.received).toHaveLength(1);
    expect(getConversation(h.ctx.db, id)?.waitingSince).toBeNull(); // it answered after all
    expect(conversationMessages(h.ctx.db, id).at(-1)).toMatchObject({ direction: 'out', deliveryState: 'sent' });

    const route = recordingRoute();
    expect(await new ConversationService(h.ctx, route).retry(id)).toEqual({ requeued: 0, results: [] });
    expect(route.calls).toEqual([]);
  });

  it('tells the route once the failed replies are queued again, then tries exactly those', async () => {
    smtp = await startSmtpSink(null, { deliver: false });
    smtp.rejectWith = { code: 550, message: REFUSED };
    const { h, id } = await withEmail(smtp);
    await new ConversationService(h.ctx).reply({ conversationId: id, content: { text: 'First try.' } });
    const route = recordingRoute();
    const r = await new ConversationService(h.ctx, route).retry(id);
    expect(route.calls).toEqual(['queued', 'deliver']);
    expect(route.targets).toEqual([{ channel: 'email', account: expect.objectContaining({ name: 'support' }), outboxIds: queuedOutboxIds(h.ctx.db, id) }]);
    expect(r).toEqual({ requeued: 1, results: [{ state: 'queued', error: 'connect ECONNREFUSED' }] });
    expect(getConversation(h.ctx.db, id)?.waitingSince).toBeNull(); // queued again, it counts as an answer again
  });
});

describe('the console (Runtime) goes through the same service', () => {
  it('act gives the same lines as the CLI and throws what the service refuses; a chat reply waits for the live connection', async () => {
    const { h, id } = await withEmail();
    const chat = h.chat({ relayId: 9, name: 'Cy', text: 'hi', at: Date.now() - MIN });
    const rt = await Runtime.start(h.ctx, { relay: false, channels: false, pollMs: 1000 });
    try {
      expect(await rt.act(id, { kind: 'pending' })).toBe(`#${id} is pending`);
      expect(await rt.act(id, { kind: 'tag', ...rt.parseTags('refund -spam') })).toBe(`#${id} tagged refund, untagged spam`);
      await expect(rt.act(id, { kind: 'snooze', until: Date.now() - MIN })).rejects.toThrow('the snooze time is in the past');
      await expect(rt.act(999, { kind: 'resolve' })).rejects.toThrow('no conversation 999');
      expect(getConversation(h.ctx.db, id)).toMatchObject({ status: 'pending', tags: ['refund'] });

      // No relay connection in this console: queued, and it says why it has not gone out yet.
      expect(await rt.reply(chat, 'Hello Cy')).toEqual({ state: 'queued', error: 'the relay is not connected; it goes out when it is' });
      expect(conversationMessages(h.ctx.db, chat).at(-1)).toMatchObject({ direction: 'out', text: 'Hello Cy', deliveryState: 'queued' });
      await expect(rt.reply(999, 'x')).rejects.toThrow('no conversation 999');
      expect(await rt.retry(chat)).toBe(0);
    } finally {
      await rt.close();
    }
  });
});
