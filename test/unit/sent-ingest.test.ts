// Mail from the Sent mailbox (IncomingEmail.outgoing): outgoing whatever its From says, one
// message with our own reply it copies, a reply.sent that stats time by when it went out, and
// nothing stored that threads nowhere and goes to nobody we know.
import { describe, expect, it } from 'vitest';
import type { IncomingEmail } from '../../src/domain/types.js';
import { computeStats } from '../../src/policy/stats.js';
import { conversationMessages, getConversation } from '../../src/store/conversations.js';
import { type Db, openDb } from '../../src/store/db.js';
import { eventsSince } from '../../src/store/events.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { enqueueEmail } from '../../src/store/outbox.js';
import { statsEvents } from '../../src/store/stats-events.js';
import { STATS_EVENT_TYPES } from '../../src/policy/stats.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

const ME = SUPPORT;
const ANN = { name: 'Ann', email: 'ann@cust.test' };
const email = (over: Partial<IncomingEmail> & { messageId: string; sentAt: number }): IncomingEmail => incomingEmail({ from: ANN, ...over });
const fromSent = (over: Partial<IncomingEmail> & { messageId: string; sentAt: number }): IncomingEmail =>
  email({ from: { name: 'Sam', email: ME }, to: [ANN], mailbox: 'Sent', outgoing: true, ...over });
const fresh = (): Db => openDb(':memory:');
const eventTypes = (db: Db) => eventsSince(db, 0, 100).map((e) => e.type);

describe('ingesting the Sent mailbox', () => {
  it("a teammate's reply joins the thread as outgoing, stops the wait, sets the first response and logs reply.sent with when it went out", () => {
    const db = fresh();
    const q = ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 1000);
    const r = ingestEmail(db, fromSent({ messageId: 'r1@x', inReplyTo: ['q1@x'], references: ['q1@x'], sentAt: 4000 }), ME, 9000);
    expect(r).toMatchObject({ created: true, conversationId: q.conversationId, direction: 'out' });
    expect(getConversation(db, q.conversationId)).toMatchObject({ waitingSince: null, firstResponseAt: new Date(4000).toISOString(), messageCount: 2 });
    const [, out] = conversationMessages(db, q.conversationId);
    expect(out).toMatchObject({ direction: 'out', from: { name: 'Sam', email: ME }, deliveryState: 'sent' });
    const sent = eventsSince(db, 0, 100).find((e) => e.type === 'reply.sent');
    expect(sent).toMatchObject({ conversationId: q.conversationId, at: 9000, data: { sentAt: 4000, messageRowId: r.messageRowId, channel: 'email' } });
    // Stats count it from when it went out (3 s after the question), not from when attend read it (8 s).
    const { events, channels } = statsEvents(db, STATS_EVENT_TYPES, 0, 10_000);
    const stats = computeStats({ events, channels, targets: { email: { firstMinutes: 60, nextMinutes: 60 }, chat: { firstMinutes: 1, nextMinutes: 1 } }, from: 0, to: 10_000 });
    expect(stats.channels.find((c) => c.channel === 'email')?.firstResponse).toMatchObject({ count: 1, p50Ms: 3000 });
  });

  it('is outgoing even from another address of ours (an alias, a teammate’s own address)', () => {
    const db = fresh();
    const q = ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 0);
    ingestEmail(db, fromSent({ messageId: 'r1@x', from: { name: 'Sam', email: 'sam@support.test' }, inReplyTo: ['q1@x'], sentAt: 2000 }), ME, 0);
    expect(conversationMessages(db, q.conversationId).map((m) => m.direction)).toEqual(['in', 'out']);
  });

  it('our own reply coming back from Sent is the same message: not stored, not logged again', () => {
    const db = fresh();
    const q = ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 0);
    enqueueEmail(db, q.conversationId, 'support', { messageId: 'mine@x', from: { name: 'Acme', email: ME }, to: [ANN], subject: 'Re: Hello', text: 'Done.', inReplyTo: 'q1@x', references: ['q1@x'], date: 2000 }, 2000);
    const before = eventTypes(db);
    const back = ingestEmail(db, fromSent({ messageId: 'mine@x', inReplyTo: ['q1@x'], sentAt: 2001, uid: 7 }), ME, 3000);
    expect(back).toMatchObject({ created: false, conversationId: q.conversationId });
    expect(conversationMessages(db, q.conversationId)).toHaveLength(2);
    expect(getConversation(db, q.conversationId)?.messageCount).toBe(2);
    expect(eventTypes(db)).toEqual(before);
    // Its Sent copy is now where it lives (flag changes there follow it).
    expect(db.prepare("SELECT mailbox, uid FROM messages WHERE external_id = 'mine@x'").get()).toEqual({ mailbox: 'Sent', uid: 7 });
  });

  it('the Sent copy and an inbox copy (Bcc to ourselves) of one outgoing message are one message', () => {
    const db = fresh();
    const q = ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 0);
    ingestEmail(db, fromSent({ messageId: 'r1@x', inReplyTo: ['q1@x'], sentAt: 2000, fingerprint: 'sent-copy' }), ME, 0);
    const bcc = ingestEmail(db, email({ messageId: 'r1@x', from: { name: 'Sam', email: ME }, to: [ANN], inReplyTo: ['q1@x'], sentAt: 2002, fingerprint: 'inbox-copy' }), ME, 0);
    expect(bcc.created).toBe(false);
    expect(conversationMessages(db, q.conversationId)).toHaveLength(2);
    // The first place it was stored stays its place.
    expect(db.prepare("SELECT mailbox FROM messages WHERE external_id = 'r1@x'").get()).toEqual({ mailbox: 'INBOX' });
  });

  it('threading to nothing: kept as a new pending conversation for a customer we know, skipped for anyone else', () => {
    const db = fresh();
    ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 0);
    const known = ingestEmail(db, fromSent({ messageId: 'n1@x', subject: 'About your account', sentAt: 2000 }), ME, 0);
    expect(known.created).toBe(true);
    expect(getConversation(db, known.conversationId)).toMatchObject({ status: 'pending', waitingSince: null, subject: 'About your account' });
    const stranger = ingestEmail(db, fromSent({ messageId: 'n2@x', to: [{ name: '', email: 'friend@elsewhere.test' }], subject: 'Lunch?', sentAt: 2000 }), ME, 0);
    expect(stranger).toMatchObject({ created: false, ignored: true });
    expect(db.prepare('SELECT subject FROM conversations ORDER BY subject').all()).toEqual([{ subject: 'About your account' }, { subject: 'Hello' }]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM customer_emails WHERE email = 'friend@elsewhere.test'").get()).toEqual({ n: 0 });
    // Addressed to ourselves first, the customer second: the customer is whom it went to.
    const cc = ingestEmail(db, fromSent({ messageId: 'n3@x', to: [{ name: '', email: ME }], cc: [ANN], subject: 'Copy', sentAt: 3000 }), ME, 0);
    expect(cc.created).toBe(true);
  });
});
