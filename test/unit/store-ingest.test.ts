// The store keeps conversations right whatever order mail arrives in (sync goes newest first).
import { describe, expect, it } from 'vitest';
import type { IncomingEmail } from '../../src/domain/types.js';
import { type Db, openDb } from '../../src/store/db.js';
import { conversationMessages, getConversation, listConversations, setStatus, wakeSnoozed } from '../../src/store/conversations.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { eventsSince } from '../../src/store/events.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';
import { refreshRanks } from '../../src/app/queue/ranks.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';

const ME = SUPPORT;
const email = (over: Partial<IncomingEmail> & { messageId: string; sentAt: number }): IncomingEmail => incomingEmail(over);
const fresh = (): Db => openDb(':memory:');

describe('ingestEmail', () => {
  it('threads a reply seen before its parent, and the parent after it', () => {
    const db = fresh();
    const child = ingestEmail(db, email({ messageId: 'c@x', inReplyTo: ['p@x'], references: ['p@x'], subject: 'Re: Hello', sentAt: 2000 }), ME, 0);
    const parent = ingestEmail(db, email({ messageId: 'p@x', sentAt: 1000 }), ME, 0);
    expect(parent.conversationId).toBe(child.conversationId);
    const c = getConversation(db, child.conversationId);
    expect(c).toMatchObject({ subject: 'Hello', messageCount: 2, waitingSince: new Date(1000).toISOString(), lastMessageAt: new Date(2000).toISOString() });
  });

  it('is idempotent per Message-ID, yet keeps distinct messages that share one', () => {
    const db = fresh();
    expect(ingestEmail(db, email({ messageId: 'a@x', sentAt: 1 }), ME, 0).created).toBe(true);
    expect(ingestEmail(db, email({ messageId: 'a@x', sentAt: 1 }), ME, 0).created).toBe(false);
    expect(ingestEmail(db, email({ messageId: 'a@x', sentAt: 5, fingerprint: 'other' }), ME, 0).created).toBe(true);
    expect(ingestEmail(db, email({ messageId: 'a@x', sentAt: 5, fingerprint: 'other' }), ME, 0).created).toBe(false);
  });

  it('our own message answers the customer: waitingSince moves past it, firstResponseAt is set', () => {
    const db = fresh();
    const a = ingestEmail(db, email({ messageId: 'q1@x', sentAt: 1000 }), ME, 0);
    ingestEmail(db, email({ messageId: 'r1@x', from: { name: '', email: ME }, to: [{ name: 'Ann', email: 'ann@cust.test' }], inReplyTo: ['q1@x'], sentAt: 2000 }), ME, 0);
    expect(getConversation(db, a.conversationId)).toMatchObject({ waitingSince: null, firstResponseAt: new Date(2000).toISOString() });
    ingestEmail(db, email({ messageId: 'q2@x', inReplyTo: ['r1@x'], sentAt: 3000 }), ME, 0);
    expect(getConversation(db, a.conversationId)?.waitingSince).toBe(new Date(3000).toISOString());
  });

  it('a resolved conversation reopens when the customer writes again; an older backfilled message does not reopen it', () => {
    const db = fresh();
    const a = ingestEmail(db, email({ messageId: 'm2@x', sentAt: 2000 }), ME, 0);
    setStatus(db, a.conversationId, 'resolved', 0);
    ingestEmail(db, email({ messageId: 'm1@x', sentAt: 1000, references: [], inReplyTo: [] , subject: 'Hello'}), ME, 0);
    ingestEmail(db, email({ messageId: 'm0@x', sentAt: 500, inReplyTo: [] }), ME, 0);
    // m0/m1 are separate threads (no references) — the resolved one stays resolved.
    expect(getConversation(db, a.conversationId)?.status).toBe('resolved');
    ingestEmail(db, email({ messageId: 'm3@x', inReplyTo: ['m2@x'], sentAt: 3000 }), ME, 0);
    expect(getConversation(db, a.conversationId)?.status).toBe('open');
    expect(eventsSince(db, 0).map((e) => e.type)).toContain('conversation.reopened');
  });

  it('subject is the last resort: a "Re:" with no headers joins the same customer\'s thread', () => {
    const db = fresh();
    const a = ingestEmail(db, email({ messageId: 's1@x', subject: 'Broken zipper', sentAt: 1000 }), ME, 0);
    const b = ingestEmail(db, email({ messageId: 's2@x', subject: 'RE: Broken zipper', sentAt: 2000 }), ME, 0);
    const other = ingestEmail(db, email({ messageId: 's3@x', subject: 'RE: Broken zipper', from: { name: 'Bo', email: 'bo@x.test' }, sentAt: 2000 }), ME, 0);
    expect(b.conversationId).toBe(a.conversationId);
    expect(other.conversationId).not.toBe(a.conversationId);
  });

  it('the same address is the same customer across accounts', () => {
    const db = fresh();
    const a = ingestEmail(db, email({ messageId: 'x1@x', sentAt: 1 }), ME, 0);
    const b = ingestEmail(db, email({ messageId: 'x2@x', account: 'sales', from: { name: 'Ann', email: 'ANN@cust.test' }, sentAt: 2 }), 'sales@shop.test', 0);
    expect(getConversation(db, a.conversationId)?.customer.id).toBe(getConversation(db, b.conversationId)?.customer.id);
  });
});

describe('listConversations', () => {
  it('orders by the queue policy once ranked: earliest due first, nobody waiting last', () => {
    const db = fresh();
    ingestEmail(db, email({ messageId: 'n1@x', sentAt: 3000 }), ME, 0);
    ingestEmail(db, email({ messageId: 'n2@x', sentAt: 1000 }), ME, 0);
    ingestEmail(db, email({ messageId: 'n3@x', sentAt: 2000, flags: ['\\Answered'] }), ME, 0);
    refreshRanks(db, policyFromSettings(() => undefined));
    const list = listConversations(db, { status: 'all', limit: 10, now: Date.now() });
    expect(list.map((c) => c.waitingSince)).toEqual([new Date(1000).toISOString(), new Date(3000).toISOString(), null]);
    expect(list[2]?.status).toBe('pending');
    expect(listConversations(db, { status: 'open', limit: 1, now: Date.now() })).toHaveLength(1);
  });

  it('wakes snoozed conversations whose time has come', () => {
    const db = fresh();
    const a = ingestEmail(db, email({ messageId: 'z1@x', sentAt: 1 }), ME, 0);
    setStatus(db, a.conversationId, 'snoozed', 0, 5000);
    expect(wakeSnoozed(db, 4999)).toBe(0);
    expect(wakeSnoozed(db, 5000)).toBe(1);
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'open', snoozedUntil: null });
  });

  it('stores a message from its headers first and announces it once its text arrives', () => {
    const db = fresh();
    const older = ingestEmail(db, email({ messageId: 'h0@x', sentAt: 500, text: 'Older text' }), ME, 0);
    const headers = email({ messageId: 'h1@x', inReplyTo: ['h0@x'], sentAt: 1000, text: '', bodyPending: true });
    const first = ingestEmail(db, headers, ME, 0);
    expect(first).toMatchObject({ created: true, conversationId: older.conversationId });
    // Listable at once (subject, customer, order), with no text yet and no message.received.
    expect(getConversation(db, first.conversationId)).toMatchObject({ messageCount: 2, preview: '' });
    const received = () => eventsSince(db, 0).filter((e) => e.type === 'message.received').length;
    expect(received()).toBe(1);
    // The same headers again (a sync that stopped before the text) change nothing.
    expect(ingestEmail(db, headers, ME, 0).created).toBe(false);

    const full = ingestEmail(db, email({ messageId: 'h1@x', inReplyTo: ['h0@x'], sentAt: 1000, text: 'Where is my parcel?' }), ME, 0);
    expect(full).toMatchObject({ created: true, messageRowId: first.messageRowId });
    expect(getConversation(db, first.conversationId)).toMatchObject({ messageCount: 2, preview: 'Where is my parcel?' });
    expect(conversationMessages(db, first.conversationId).map((m) => m.text)).toEqual(['Older text', 'Where is my parcel?']);
    expect(received()).toBe(2);
    // Complete now: the next copy is a duplicate like any other.
    expect(ingestEmail(db, email({ messageId: 'h1@x', inReplyTo: ['h0@x'], sentAt: 1000, text: 'Where is my parcel?' }), ME, 0).created).toBe(false);
    expect(received()).toBe(2);
  });

  it("a pending message's text does not replace the preview of a newer message", () => {
    const db = fresh();
    const pending = ingestEmail(db, email({ messageId: 'p0@x', sentAt: 1000, text: '', bodyPending: true }), ME, 0);
    ingestEmail(db, email({ messageId: 'p1@x', inReplyTo: ['p0@x'], sentAt: 2000, text: 'Newest words' }), ME, 0);
    ingestEmail(db, email({ messageId: 'p0@x', sentAt: 1000, text: 'Older words' }), ME, 0);
    expect(getConversation(db, pending.conversationId)).toMatchObject({ preview: 'Newest words', messageCount: 2 });
  });
});
