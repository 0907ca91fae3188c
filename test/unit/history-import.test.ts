// An account's first sync imports what predates its open window as history: outside the queue,
// announced to no one, counted nowhere; live mail and fresh mail are as before.
import { describe, expect, it } from 'vitest';
import { commitBatch, prepareBatch } from '../../src/app/email/email-batch.js';
import { describeFirstSync } from '../../src/app/email/first-sync.js';
import { refreshRanks } from '../../src/app/queue/ranks.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';
import { arrivalTime, describeOpenWindow, historyCutoff, normalizeOpenWindow, parseOpenWindow } from '../../src/domain/open-window.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { getConversation, listConversations } from '../../src/store/conversations.js';
import { type Db, openDb } from '../../src/store/db.js';
import { eventsSince } from '../../src/store/events.js';
import { accountCounts, reapplyOpenWindow } from '../../src/store/history.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);
const CUTOFF = NOW - 14 * DAY;
const email = (over: Partial<IncomingEmail> & { messageId: string; sentAt: number }): IncomingEmail => incomingEmail(over);
const reply = (messageId: string, inReplyTo: string, sentAt: number) =>
  email({ messageId, inReplyTo: [inReplyTo], references: [inReplyTo], from: { name: '', email: SUPPORT }, to: [{ name: 'Ann', email: 'ann@cust.test' }], sentAt });
const eventTypes = (db: Db) => eventsSince(db, 0).map((e) => e.type);

describe('open window', () => {
  it('parses days, hours and 0; refuses anything else', () => {
    expect(parseOpenWindow('14d')).toBe(14 * DAY);
    expect(parseOpenWindow('36h')).toBe(36 * 3_600_000);
    expect(parseOpenWindow(' 30D ')).toBe(30 * DAY);
    expect(parseOpenWindow('0')).toBe(0);
    for (const bad of ['', '14', 'd', '-3d', '1.5d', '2w', '14 days', '0x', '999999d']) expect(parseOpenWindow(bad), bad).toBeNull();
    expect(normalizeOpenWindow(' 30D ')).toBe('30d');
    expect(normalizeOpenWindow('0h')).toBe('0');
    expect(describeOpenWindow(14 * DAY)).toBe('14 days');
    expect(describeOpenWindow(36 * 3_600_000)).toBe('36 hours');
    expect(describeOpenWindow(DAY)).toBe('1 day');
  });

  it('draws the line only with a window', () => {
    expect(historyCutoff(14 * DAY, NOW)).toBe(CUTOFF);
    expect(historyCutoff(0, NOW)).toBeUndefined();
  });

  it('a message arrived at its INTERNALDATE; the Date header when that is missing or in the future; never after now', () => {
    expect(arrivalTime(NOW - 5 * DAY, NOW - 90 * DAY, NOW)).toBe(NOW - 5 * DAY);
    expect(arrivalTime(null, NOW - 90 * DAY, NOW)).toBe(NOW - 90 * DAY);
    expect(arrivalTime(NOW + DAY, NOW - 2 * DAY, NOW)).toBe(NOW - 2 * DAY);
    expect(arrivalTime(NOW + DAY, NOW + DAY, NOW)).toBe(NOW);
    expect(arrivalTime(null, null, NOW)).toBe(NOW);
    // A server a minute ahead is skew, not the future: clamped to now.
    expect(arrivalTime(NOW + 60_000, NOW - DAY, NOW)).toBe(NOW);
  });

  it('says what the first sync did in one line', () => {
    const s = { conversations: 312, open: 14, history: 298, other: 0, openWindow: '14d', openWindowMs: 14 * DAY };
    expect(describeFirstSync('support', s)).toBe('support: 312 conversations, 14 open, 298 history older than 14 days — `attend account set support --open-window …` changes this');
    expect(describeFirstSync('support', { ...s, open: 312, history: 0, openWindow: '0', openWindowMs: 0 })).toBe(
      'support: 312 conversations, 312 open — open window 0: everything is open',
    );
  });
});

describe('first sync classification (ingestEmail with historyBefore)', () => {
  it('a conversation whose customer last wrote before the window is history: not waiting, not in the queue, no events', () => {
    const db = openDb(':memory:');
    const old = ingestEmail(db, email({ messageId: 'old@x', sentAt: NOW - 60 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    const c = getConversation(db, old.conversationId);
    expect(c).toMatchObject({ status: 'history', waitingSince: null });
    expect(eventTypes(db)).toEqual([]);
    refreshRanks(db, policyFromSettings(() => undefined));
    expect(listConversations(db, { status: 'open', limit: 10, now: Date.now() })).toEqual([]);
    expect(listConversations(db, { status: 'history', limit: 10, now: Date.now() }).map((x) => x.id)).toEqual([old.conversationId]);
    expect(listConversations(db, { status: 'all', limit: 10, now: Date.now() }).map((x) => x.id)).toEqual([old.conversationId]);
  });

  it('a fresh message is open and announced; its old messages (sync goes newest first) neither make it wait longer nor announce', () => {
    const db = openDb(':memory:');
    const fresh = ingestEmail(db, email({ messageId: 'new@x', inReplyTo: ['old@x'], references: ['old@x'], sentAt: NOW - 2 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    ingestEmail(db, email({ messageId: 'old@x', sentAt: NOW - 40 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    expect(getConversation(db, fresh.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW - 2 * DAY).toISOString(), messageCount: 2 });
    const events = eventsSince(db, 0);
    expect(events.map((e) => e.type)).toEqual(['conversation.created', 'message.received']);
    expect(events[1]?.data.arrivedAt).toBe(NOW - 2 * DAY);
  });

  it('the same messages in arrival order end the same: an old thread that the customer picks up again is open', () => {
    const db = openDb(':memory:');
    const a = ingestEmail(db, email({ messageId: 'old@x', sentAt: NOW - 40 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    ingestEmail(db, email({ messageId: 'new@x', inReplyTo: ['old@x'], sentAt: NOW - 2 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW - 2 * DAY).toISOString() });
    // Announced as the new conversation it is to anyone listening, whichever message came first.
    expect(eventTypes(db)).toEqual(['conversation.created', 'message.received']);
  });

  it('a thread is history only when its customer last wrote before the window, whatever order its messages come in', () => {
    const orders = [
      ['r', 'q'],
      ['q', 'r'],
    ];
    for (const order of orders) {
      const db = openDb(':memory:');
      // The customer wrote 3 days ago, we answered 2 days ago (from another client, seen in the inbox).
      const messages = { q: email({ messageId: 'q@x', sentAt: NOW - 3 * DAY }), r: reply('r@x', 'q@x', NOW - 2 * DAY) };
      const ids = order.map((k) => ingestEmail(db, messages[k as 'q' | 'r'], SUPPORT, NOW, undefined, CUTOFF).conversationId);
      expect(new Set(ids).size).toBe(1);
      expect(getConversation(db, ids[0] as number), order.join()).toMatchObject({ status: 'open', waitingSince: null });
      // Announced once, as a new conversation, either way.
      expect(eventTypes(db), order.join()).toEqual(['conversation.created', 'message.received']);
    }
  });

  it('a thread whose customer last wrote before the window is history, even when our reply in it is recent', () => {
    const db = openDb(':memory:');
    const r = ingestEmail(db, reply('r@x', 'q@x', NOW - 3 * DAY), SUPPORT, NOW, undefined, CUTOFF);
    ingestEmail(db, email({ messageId: 'q@x', sentAt: NOW - 30 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    expect(getConversation(db, r.conversationId)).toMatchObject({ status: 'history', waitingSince: null });
    expect(eventTypes(db)).toEqual([]);
  });

  it('live mail after the first sync reopens history as usual, and is announced', () => {
    const db = openDb(':memory:');
    const a = ingestEmail(db, email({ messageId: 'old@x', sentAt: NOW - 60 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    ingestEmail(db, email({ messageId: 'again@x', inReplyTo: ['old@x'], sentAt: NOW }), SUPPORT, NOW);
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW).toISOString() });
    expect(eventTypes(db)).toEqual(['conversation.reopened', 'message.received']);
  });

  it('without a line (window 0, or live mail) old mail is open and waiting, as before', () => {
    const db = openDb(':memory:');
    const a = ingestEmail(db, email({ messageId: 'old@x', sentAt: NOW - 60 * DAY }), SUPPORT, NOW);
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW - 60 * DAY).toISOString() });
  });

  it('headers first, text after: a historic message is not announced when its text arrives', () => {
    const db = openDb(':memory:');
    const target = { account: 'support', accountEmail: SUPPORT, mailbox: 'INBOX', historyBefore: CUTOFF };
    const batch = (bodyPending: boolean) => ({
      backfill: true,
      skipped: [],
      emails: [
        email({ messageId: 'old@x', sentAt: NOW - 60 * DAY, uid: 1, bodyPending, text: bodyPending ? '' : 'old text' }),
        email({ messageId: 'new@x', sentAt: NOW - DAY, uid: 2, bodyPending, text: bodyPending ? '' : 'new text' }),
        // Just inside the line: its text, stored later, falls on the same side (the line is the sync's).
        email({ messageId: 'edge@x', sentAt: CUTOFF + 1000, uid: 3, bodyPending, text: bodyPending ? '' : 'edge text' }),
      ],
    });
    commitBatch(db, target, batch(true), null, NOW, () => {});
    commitBatch(db, target, batch(false), { uidValidity: 1, highUid: 3, lowUid: 1, highestModseq: null }, NOW + 60_000, () => {});
    const received = eventsSince(db, 0).filter((e) => e.type === 'message.received');
    expect(received.map((e) => e.data.messageId)).toEqual(['new@x', 'edge@x']);
    expect(accountCounts(db, 'support')).toEqual({ conversations: 3, open: 2, history: 1, other: 0 });
  });

  it('a batch that is not part of a first sync (new mail) is never history, however old its dates', () => {
    const db = openDb(':memory:');
    const target = { account: 'support', accountEmail: SUPPORT, mailbox: 'INBOX', historyBefore: CUTOFF };
    commitBatch(db, target, { skipped: [], emails: [email({ messageId: 'late@x', sentAt: NOW - 60 * DAY })] }, null, NOW, () => {});
    expect(accountCounts(db, 'support')).toMatchObject({ open: 1, history: 0 });
  });

  it('prepareBatch takes the arrival time from INTERNALDATE and keeps the backfill mark', () => {
    const target = { account: 'support', accountEmail: SUPPORT, mailbox: 'INBOX', historyBefore: CUTOFF };
    const meta = {
      uid: 7,
      flags: [],
      internalDate: NOW - 90 * DAY,
      date: NOW - 91 * DAY,
      messageId: '<m7@x>',
      inReplyTo: null,
      references: null,
      subject: 'Old',
      from: { name: 'Ann', email: 'ann@cust.test' },
      to: [],
      cc: [],
      size: 10,
      structure: { type: 'text/plain', part: '1' },
    };
    // biome-ignore lint/suspicious/noExplicitAny: a minimal fetched batch
    const prepared = prepareBatch(target, { uidValidity: 1, metas: [meta as any], texts: [], parsed: [], backfill: true }, true, NOW);
    expect(prepared.backfill).toBe(true);
    expect(prepared.emails[0]?.sentAt).toBe(NOW - 90 * DAY);
  });
});

describe('changing the window later', () => {
  it('widening brings history with an unanswered customer message inside it into the queue; narrowing sends waiting ones back', () => {
    const db = openDb(':memory:');
    const a = ingestEmail(db, email({ messageId: 'a@x', sentAt: NOW - 20 * DAY }), SUPPORT, NOW, undefined, CUTOFF);
    const b = ingestEmail(db, email({ messageId: 'b@x', sentAt: NOW - 200 * DAY, from: { name: 'Bo', email: 'bo@x.test' } }), SUPPORT, NOW, undefined, CUTOFF);
    const answered = ingestEmail(db, reply('r@x', 'q@x', NOW - 21 * DAY), SUPPORT, NOW, undefined, CUTOFF);
    ingestEmail(db, email({ messageId: 'q@x', sentAt: NOW - 25 * DAY, from: { name: 'Cy', email: 'cy@x.test' } }), SUPPORT, NOW, undefined, CUTOFF);
    expect(reapplyOpenWindow(db, 'support', NOW - 30 * DAY, NOW)).toEqual({ toOpen: 1, toHistory: 0 });
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW - 20 * DAY).toISOString() });
    expect(getConversation(db, b.conversationId)?.status).toBe('history');
    expect(getConversation(db, answered.conversationId)?.status).toBe('history');
    expect(reapplyOpenWindow(db, 'support', NOW - 7 * DAY, NOW)).toEqual({ toOpen: 0, toHistory: 1 });
    expect(getConversation(db, a.conversationId)).toMatchObject({ status: 'history', waitingSince: null });
    // 0: everything a customer waits on is open.
    expect(reapplyOpenWindow(db, 'support', null, NOW)).toEqual({ toOpen: 2, toHistory: 0 });
    expect(getConversation(db, b.conversationId)).toMatchObject({ status: 'open', waitingSince: new Date(NOW - 200 * DAY).toISOString() });
    expect(eventTypes(db)).toEqual([]);
  });

  it('a message already answered in another client (\\Answered) does not make anyone wait when the window widens', () => {
    const db = openDb(':memory:');
    const c = ingestEmail(db, email({ messageId: 'd@x', sentAt: NOW - 20 * DAY, flags: ['\\Seen', '\\Answered'] }), SUPPORT, NOW, undefined, CUTOFF);
    expect(getConversation(db, c.conversationId)?.status).toBe('history');
    expect(reapplyOpenWindow(db, 'support', null, NOW)).toEqual({ toOpen: 0, toHistory: 0 });
    expect(getConversation(db, c.conversationId)).toMatchObject({ status: 'history', waitingSince: null });
  });
});
