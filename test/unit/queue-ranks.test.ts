// The store keeps the queue in exactly the policy's order (policy/queue.ts), ranks only what
// changed, and re-ranks everything when the policy settings change.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankerForNew, refreshRanks } from '../../src/app/queue/ranks.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { orderQueue, type QueueFacts } from '../../src/policy/queue.js';
import { countConversations, listConversations, positionInQueue, setStatus } from '../../src/store/conversations.js';
import { markBacklog } from '../../src/store/ranks.js';
import { openDb } from '../../src/store/db.js';
import { ingestChatEvent } from '../../src/store/chat-ingest.js';
import { ingestEmail } from '../../src/store/ingest.js';

const ME = 'support@shop.test';
const H = 3600_000;
const T0 = Date.UTC(2026, 10, 25, 12);

function mail(i: number, at: number, from: string, subject: string): IncomingEmail {
  return {
    account: 'support',
    mailbox: 'INBOX',
    uidValidity: 1,
    uid: i,
    messageId: `m${i}@x`,
    inReplyTo: [],
    references: [],
    subject,
    from: { name: '', email: from },
    to: [{ name: '', email: ME }],
    cc: [],
    sentAt: at,
    flags: i % 7 === 0 ? ['\\Answered'] : [],
    text: 'hi',
    attachments: [],
    size: 10,
    fingerprint: `f${i}`,
  };
}

/** A deterministic pseudo-random mix of channels, ages, VIPs, rule matches and answered ones. */
function seeded(n: number) {
  const db = openDb(':memory:');
  let x = 42;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  for (let i = 1; i <= n; i++) {
    const at = T0 - Math.floor(rnd() * 10 * H);
    if (rnd() < 0.3) {
      ingestChatEvent(db, 'local', 'e', i * 2, { kind: 'conversation.opened', conversation: i, visitor: { name: `v${i}` } }, at);
      ingestChatEvent(db, 'local', 'e', i * 2 + 1, { kind: 'message', conversation: i, message: { id: `c${i}`, from: 'visitor', author: 'v', body: 'hello', sentAt: new Date(at).toISOString() } }, at);
    } else {
      const from = rnd() < 0.1 ? `boss${i}@bigco.test` : `c${i}@cust.test`;
      ingestEmail(db, mail(i, at, from, rnd() < 0.2 ? 'Refund now' : 'Question'), ME, at);
    }
  }
  return db;
}

const POLICY = policyFromSettings((k) =>
  k === 'sla' ? { vip: { match: ['@bigco.test'], factor: 0.5 } } : k === 'priority' ? { rules: [{ subjectWords: ['refund'], priority: 'high' }] } : undefined,
);

describe('cached queue ranks', () => {
  it('with nothing stale, ranking only reads: it never waits for another writer', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attend-ranks-'));
    try {
      const file = path.join(dir, 'attend.db');
      const a = openDb(file);
      ingestEmail(a, mail(1, T0, 'c1@cust.test', 'Question'), ME, T0);
      expect(refreshRanks(a, POLICY)).toBe(1);
      const b = openDb(file);
      b.prepare('BEGIN IMMEDIATE').run(); // a sync in the middle of a batch
      a.pragma('busy_timeout = 0');
      expect(refreshRanks(a, POLICY)).toBe(0); // SQLITE_BUSY if it asked for the write lock
      b.prepare('ROLLBACK').run();
      a.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a conversation ranked as it is written gets the rank refreshRanks would give it', () => {
    const policy = policyFromSettings((k) => (k === 'sla' ? { channels: { email: { firstMinutes: 90, nextMinutes: 45 } } } : undefined));
    const rankNew = rankerForNew(policy);
    expect(rankNew).toBeDefined();
    // Rules or VIPs need the conversation's details: those are left to refreshRanks.
    expect(rankerForNew(POLICY)).toBeUndefined();
    const columns = 'SELECT id, priority, priority_rank, due_at, queue_key, vip, rank_reasons, rank_dirty FROM conversations ORDER BY id';
    const build = (rank: typeof rankNew) => {
      const db = openDb(':memory:');
      for (let i = 1; i <= 50; i++) {
        // Answered ones (not waiting), several messages in one thread (ranked again after the insert).
        const m = mail(i, T0 - i * 7 * 60_000, `c${i % 20}@cust.test`, 'Question');
        if (i % 5 === 0) m.inReplyTo = [`m${i - 1}@x`];
        ingestEmail(db, m, ME, T0, rank);
      }
      return db;
    };
    const ranked = build(rankNew);
    // Inserted ranked; only conversations a later message changed wait for a refresh.
    const dirty = (ranked.prepare('SELECT COUNT(*) AS n FROM conversations WHERE rank_dirty = 1').get() as { n: number }).n;
    expect(dirty).toBe(10);
    const plain = build(undefined);
    expect(refreshRanks(plain, policy)).toBe(40);
    const byId = new Map((plain.prepare(columns).all() as Array<{ id: number }>).map((r) => [r.id, r]));
    const clean = (ranked.prepare(columns).all() as Array<{ id: number; rank_dirty: number }>).filter((r) => r.rank_dirty === 0);
    expect(clean).toHaveLength(30);
    for (const row of clean) expect(row).toEqual(byId.get(row.id));
    // And once refreshed, every row is the same.
    refreshRanks(ranked, policy);
    expect(ranked.prepare(columns).all()).toEqual(plain.prepare(columns).all());
  });

  it.each([
    ['rules and VIPs (ranked in JavaScript)', POLICY],
    ['only targets and set priorities (ranked in one SQL statement)', policyFromSettings((k) => (k === 'sla' ? { priorities: { high: { email: { firstMinutes: 30 } } } } : undefined))],
  ])('list order equals the policy order computed in memory: %s', (_name, policy) => {
    const db = seeded(400);
    for (const id of [3, 17, 42]) db.prepare("UPDATE conversations SET priority_set = 'high' WHERE id = ?").run(id);
    expect(refreshRanks(db, policy)).toBe(400);
    // The clock turns breached conversations into backlog: some of each channel here.
    expect(markBacklog(db, T0)).toBeGreaterThan(0);
    expect(db.prepare('SELECT COUNT(DISTINCT backlog_slot) AS n FROM conversations WHERE backlog_slot > 0').get()).toEqual({ n: 2 });
    const fromStore = listConversations(db, { status: 'all', limit: 1000, now: T0 }).map((c) => c.id);
    const facts = db
      .prepare(
        `SELECT c.id, c.channel, c.subject, c.waiting_since, c.first_response_at, c.last_message_at, c.priority,
                (SELECT group_concat(email, ' ') FROM customer_emails e WHERE e.customer_id = c.customer_id) AS emails
         FROM conversations c`,
      )
      .all() as Array<{ id: number; channel: 'email' | 'chat'; priority: 'normal'; waiting_since: number | null; first_response_at: number | null; last_message_at: number | null; emails: string | null }>;
    const items: QueueFacts[] = facts.map((f) => ({
      id: f.id,
      channel: f.channel,
      priority: f.priority,
      waitingSince: f.waiting_since,
      answeredBefore: f.first_response_at !== null,
      customerEmails: f.emails ? f.emails.split(' ') : [],
      lastMessageAt: f.last_message_at,
    }));
    const inMemory = orderQueue(items, policy.sla, T0).map((r) => r.item.id);
    expect(fromStore).toEqual(inMemory);
    // Every conversation's place is where the list has it (the console's cursor follows it).
    for (const id of [fromStore[0], fromStore[57], fromStore[200], fromStore[399]]) expect(positionInQueue(db, id as number, { status: 'all', now: T0 })).toBe(fromStore.indexOf(id as number));
    // Pages read at any offset are slices of the same order, with and without a status filter.
    for (const [offset, limit] of [[0, 10], [35, 50], [150, 100], [390, 20]] as const)
      expect(listConversations(db, { status: 'all', limit, offset, now: T0 }).map((c) => c.id)).toEqual(fromStore.slice(offset, offset + limit));
    const open = listConversations(db, { status: 'open', limit: 1000, now: T0 }).map((c) => c.id);
    expect(open).toEqual(inMemory.filter((id) => open.includes(id)));
    // Ranked with the clock, what is already backlog is written as such: the same order, no second pass.
    const again = seeded(400);
    for (const id of [3, 17, 42]) again.prepare("UPDATE conversations SET priority_set = 'high' WHERE id = ?").run(id);
    refreshRanks(again, policy, T0);
    expect(markBacklog(again, T0)).toBe(0);
    expect(listConversations(again, { status: 'all', limit: 1000, now: T0 }).map((c) => c.id)).toEqual(inMemory);
    // Later, more of it is backlog, and the store still agrees with the policy.
    markBacklog(db, T0 + 3 * H);
    expect(listConversations(db, { status: 'all', limit: 1000, now: T0 + 3 * H }).map((c) => c.id)).toEqual(orderQueue(items, policy.sla, T0 + 3 * H).map((r) => r.item.id));
    // Priorities did differ (the test would prove little otherwise).
    expect(facts.some((f) => f.priority === ('high' as never))).toBe(true);
    const stored = db.prepare('SELECT due_at FROM conversations WHERE id = 17').get() as { due_at: number | null };
    const mine = orderQueue(items, policy.sla, T0).find((r) => r.item.id === 17);
    expect(stored.due_at).toBe(mine?.dueAt ?? null);
  });

  it('re-ranks only what changed, and everything after a policy change', () => {
    const db = seeded(50);
    refreshRanks(db, POLICY);
    expect(refreshRanks(db, POLICY)).toBe(0);
    const [first] = listConversations(db, { status: 'open', limit: 1, now: T0 });
    setStatus(db, first?.id as number, 'pending', T0);
    expect(refreshRanks(db, POLICY)).toBe(1);
    const stricter = policyFromSettings((k) => (k === 'sla' ? { email: { firstMinutes: 30 } } : undefined));
    expect(refreshRanks(db, stricter)).toBe(50);
    expect(refreshRanks(db, stricter)).toBe(0);
  });
});

describe('reading deep into the queue', () => {
  it('a page read from the far end is the same page', () => {
    const db = seeded(300);
    refreshRanks(db, POLICY);
    const all = listConversations(db, { status: 'all', limit: 1000, now: T0 }).map((c) => c.id);
    for (const [offset, limit] of [[250, 40], [290, 40], [200, 100], [299, 5]] as const) {
      const page = listConversations(db, { status: 'all', limit, offset, now: T0 }).map((c) => c.id);
      expect(page).toEqual(all.slice(offset, offset + limit));
    }
  });
});

describe('conversation counts kept by triggers', () => {
  it('equal COUNT(*) for every status and channel after status changes', () => {
    const db = seeded(200);
    for (const id of [1, 5, 9, 13]) setStatus(db, id, 'resolved', T0);
    for (const id of [2, 6]) setStatus(db, id, 'snoozed', T0, T0 + H);
    setStatus(db, 1, 'open', T0);
    for (const status of ['open', 'pending', 'snoozed', 'resolved', 'all'] as const) {
      for (const channel of [undefined, 'email', 'chat'] as const) {
        const real = db
          .prepare(`SELECT COUNT(*) AS n FROM conversations WHERE (? = 'all' OR status = ?) AND (? IS NULL OR channel = ?)`)
          .get(status, status, channel ?? null, channel ?? null) as { n: number };
        expect(countConversations(db, { status, ...(channel ? { channel } : {}) })).toBe(real.n);
      }
    }
  });
});
