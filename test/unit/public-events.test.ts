// The public event stream: which stored events are printed under which name, what a bot gets with
// each (conversation, message text), how watchers and hooks follow the log.
import { describe, expect, it } from 'vitest';
import { ChannelEventLog } from '../../src/app/channels/channel-events.js';
import { eventLine } from '../../src/cli/commands/watch.js';
import type { LoggedEvent } from '../../src/domain/event.js';
import { PUBLIC_EVENT_TYPES, type PublicEvent, publicTypeOf, toPublicEvent } from '../../src/domain/public-events.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { assign, setStatus } from '../../src/store/conversations.js';
import { openDb } from '../../src/store/db.js';
import { claimPublicEvents, readPublicEvents } from '../../src/store/event-feed.js';
import { appendEvent } from '../../src/store/events.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

const ME = SUPPORT;
const email = (over: Partial<IncomingEmail> & { messageId: string }): IncomingEmail =>
  incomingEmail({ subject: 'Broken kettle', text: 'It leaks.', ...over });

const logged = (type: string, data: Record<string, unknown> = {}): LoggedEvent => ({ seq: 7, type, conversationId: 1, at: 0, data });
const none = { conversation: null, message: null };

describe('the mapping from stored to public events', () => {
  it('renames replies and conversation changes, and keeps internal bookkeeping private', () => {
    expect(publicTypeOf('reply.sent')).toBe('message.sent');
    expect(publicTypeOf('reply.failed')).toBe('message.failed');
    expect(publicTypeOf('conversation.created')).toBe('conversation.opened');
    expect(publicTypeOf('conversation.resolved')).toBe('conversation.status');
    expect(publicTypeOf('conversation.pending')).toBe('conversation.status');
    expect(publicTypeOf('conversation.reopened')).toBe('conversation.reopened');
    for (const internal of ['reply.queued', 'reply.retried', 'note.added', 'conversation.tagged', 'conversation.untagged', 'conversation.priority', 'focus.started', 'toString', '__proto__']) {
      expect(publicTypeOf(internal)).toBeNull();
    }
    for (const t of PUBLIC_EVENT_TYPES) expect(Object.values(PUBLIC_EVENT_TYPES)).toContain(t);
  });

  it('carries what happened then from the event data', () => {
    expect(toPublicEvent(logged('conversation.pending'), none)).toMatchObject({ type: 'conversation.status', status: 'pending', seq: 7, at: '1970-01-01T00:00:00.000Z' });
    expect(toPublicEvent(logged('conversation.resolved', { by: 'relay' }), none)).toMatchObject({ status: 'resolved' });
    expect(toPublicEvent(logged('conversation.assigned', { assignee: 'dana' }), none)).toMatchObject({ assignee: 'dana' });
    expect(toPublicEvent(logged('conversation.snoozed', { until: '2030-01-01T00:00:00.000Z' }), none)).toMatchObject({ until: '2030-01-01T00:00:00.000Z' });
    expect(toPublicEvent(logged('conversation.reopened', { reason: 'customer replied' }), none)).toMatchObject({ reason: 'customer replied' });
    expect(toPublicEvent(logged('conversation.reopened', { by: 'relay' }), none)).toMatchObject({ reason: 'reopened on the relay' });
    expect(toPublicEvent(logged('conversation.reopened'), none)).toMatchObject({ reason: 'reopened by an agent' });
    expect(toPublicEvent(logged('reply.failed', { error: '550 no' }), none)).toMatchObject({ type: 'message.failed', error: '550 no', message: null });
    expect(toPublicEvent(logged('sla.warning', { dueAt: 60_000, leadMinutes: 1 }), none)).toMatchObject({ dueAt: '1970-01-01T00:01:00.000Z', leadMinutes: 1 });
    expect(toPublicEvent(logged('channel.disconnected', { account: 'web', channel: 'chat', reason: 'reset' }), none)).toMatchObject({
      account: 'web',
      channel: 'chat',
      reason: 'reset',
    });
    expect(toPublicEvent(logged('note.added'), none)).toBeNull();
  });
});

describe('reading the log as public events', () => {
  it('joins the conversation and the message text; older events find their message without a row id', () => {
    const db = openDb(':memory:');
    const r = db.transaction(() => ingestEmail(db, email({ messageId: 'a@x', text: 'First' }), ME, 10))();
    db.transaction(() => ingestEmail(db, email({ messageId: 'b@x', text: 'Second', sentAt: 2000, inReplyTo: ['a@x'] }), ME, 20))();
    // As written before events recorded the row id: by Message-ID, else the newest customer message.
    appendEvent(db, 'message.received', r.conversationId, 30, { channel: 'email', messageId: 'a@x' });
    appendEvent(db, 'message.received', r.conversationId, 40, { channel: 'email' });
    appendEvent(db, 'note.added', r.conversationId, 50, { author: 'me' });
    const { events, lastSeq, more } = readPublicEvents(db, 0);
    expect(events.map((e) => e.type)).toEqual(['conversation.opened', 'message.received', 'message.received', 'message.received', 'message.received']);
    const texts = events.filter((e) => e.type === 'message.received').map((e) => ('message' in e ? e.message?.text : null));
    expect(texts).toEqual(['First', 'Second', 'First', 'Second']);
    expect(events[0]?.conversation).toMatchObject({ id: r.conversationId, channel: 'email', account: 'support', subject: 'Broken kettle', customer: { name: 'Ann', email: 'ann@cust.test' } });
    expect(lastSeq).toBe(6); // past the internal note too
    expect(more).toBe(false);
    expect(readPublicEvents(db, lastSeq).events).toEqual([]);
  });

  it('hands each event to one consumer once; a new consumer starts at the end of the log', () => {
    const db = openDb(':memory:');
    const { conversationId: id } = db.transaction(() => ingestEmail(db, email({ messageId: 'c@x' }), ME, 10))();
    expect(claimPublicEvents(db, 'hooks').events).toEqual([]);
    setStatus(db, id, 'resolved', 20);
    assign(db, id, 'dana', 30);
    expect(claimPublicEvents(db, 'hooks').events.map((e) => e.type)).toEqual(['conversation.status', 'conversation.assigned']);
    expect(claimPublicEvents(db, 'hooks').events).toEqual([]);
  });

  it('channel states become events on change only', () => {
    const db = openDb(':memory:');
    const log = new ChannelEventLog(db, () => 5);
    const report = log.reporter('web', 'chat');
    report('connecting');
    report('offline', 'refused');
    report('offline', 'refused again');
    report('online');
    report('online');
    log.stopped();
    const events = readPublicEvents(db, 0).events;
    expect(events.map((e) => [e.type, 'reason' in e ? e.reason : null])).toEqual([
      ['channel.disconnected', 'refused'],
      ['channel.connected', null],
      ['channel.disconnected', 'watch stopped'],
    ]);
  });
});

describe('the text line', () => {
  it('is one terminal-safe line with the seq to resume from', () => {
    const e: PublicEvent = {
      seq: 42,
      type: 'message.received',
      at: '2030-01-01T10:00:00.000Z',
      conversation: {
        id: 3,
        ref: '3',
        channel: 'email',
        account: 'support',
        subject: 'Hi\u001b]0;pwned\u0007 there',
        status: 'open',
        priority: 'normal',
        assignee: null,
        tags: [],
        customer: { id: 1, name: 'Ann', email: 'ann@cust.test', emailVerified: true },
        waitingSince: null,
        dueAt: null,
      },
      message: { id: 1, direction: 'in', from: { name: 'Ann', email: 'ann@cust.test' }, text: 'line one\nline two\u001b[2J', sentAt: '2030-01-01T10:00:00.000Z', deliveryState: null, attachments: [] },
    };
    const line = eventLine(e);
    expect(line).toMatch(/^42 \d\d:\d\d:\d\d message\.received #3 email support · Ann <ann@cust\.test> · Hi there: line one line two$/);
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });
});
