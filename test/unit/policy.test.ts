import { describe, expect, it } from 'vitest';
import { queueFacts } from '../helpers/fixtures.js';
import { orderQueue, type QueueFacts, rank } from '../../src/policy/queue.js';
import { DEFAULT_SLA, dueAt, type SlaSettings } from '../../src/policy/sla.js';

const MIN = 60_000;
const now = Date.UTC(2026, 10, 25, 12);
const conv = (id: number, over: Partial<QueueFacts>): QueueFacts => queueFacts(now, id, over);

describe('dueAt', () => {
  it.each([
    ['chat first response 2 min', conv(1, { channel: 'chat' }), now - 10 * MIN + 2 * MIN],
    ['chat next response 5 min', conv(1, { channel: 'chat', answeredBefore: true }), now - 10 * MIN + 5 * MIN],
    ['email first response 4 h', conv(1, {}), now - 10 * MIN + 240 * MIN],
    ['email next response 8 h', conv(1, { answeredBefore: true }), now - 10 * MIN + 480 * MIN],
    ['nobody waiting', conv(1, { waitingSince: null }), null],
  ])('%s', (_name, facts, want) => expect(dueAt(facts, DEFAULT_SLA)).toBe(want));

  it('per-priority and VIP targets', () => {
    const s: SlaSettings = { ...DEFAULT_SLA, priorities: { urgent: { email: { firstMinutes: 60 } } }, vip: { match: ['@bigco.test'], factor: 0.5 } };
    expect(dueAt(conv(1, { priority: 'urgent' }), s)).toBe(now - 10 * MIN + 60 * MIN);
    expect(dueAt(conv(1, { customerEmails: ['ceo@bigco.test'] }), s)).toBe(now - 10 * MIN + 120 * MIN);
  });
});

describe('orderQueue', () => {
  it('least time to breach first; backlog (breached) after what is due within its lead, oldest first; then priority, longest waiting, id', () => {
    const items = [
      conv(1, { waitingSince: now - 60 * MIN }), // email, due in 3h
      conv(2, { channel: 'chat', waitingSince: now - 3 * MIN }), // chat overdue 1m
      conv(3, { channel: 'chat', waitingSince: now - 10 * MIN }), // chat overdue 8m
      conv(4, { channel: 'chat', waitingSince: now - 1 * MIN }), // chat due in 1m
      conv(5, { waitingSince: null, priority: 'urgent' }), // nobody waiting, urgent
      conv(6, { waitingSince: null }), // nobody waiting
      conv(7, { waitingSince: now - 60 * MIN, priority: 'high' }), // same due as 1 but high
    ];
    const order = orderQueue(items, DEFAULT_SLA, now).map((r) => r.item.id);
    // 4 can still make it (due in 1m); the breached chats are backlog at now + 2m, oldest first.
    expect(order).toEqual([4, 3, 2, 7, 1, 5, 6]);
  });

  it('explains the rank', () => {
    const s: SlaSettings = { ...DEFAULT_SLA, vip: { match: ['vip@x.test'], factor: 1 } };
    expect(rank(conv(1, { channel: 'chat', waitingSince: now - 1 * MIN, customerEmails: ['vip@x.test'] }), s, now).reasons).toEqual(['due in 1m', 'chat', 'VIP']);
    expect(rank(conv(1, { channel: 'chat', waitingSince: now - 5 * MIN }), s, now).reasons).toEqual(['overdue 3m', 'chat', 'backlog']);
  });

  it('is stable while nothing changes', () => {
    const items = Array.from({ length: 50 }, (_, i) => conv(i + 1, { waitingSince: now - (i % 5) * MIN }));
    const a = orderQueue(items, DEFAULT_SLA, now).map((r) => r.item.id);
    const b = orderQueue([...items].reverse(), DEFAULT_SLA, now).map((r) => r.item.id);
    expect(a).toEqual(b);
  });
});

describe('the queue under a backlog (issue: live chat buried under old email)', () => {
  const DAY = 24 * 60 * MIN;
  // 113 emails overdue by up to 735 days, and one live chat overdue by 27 s.
  const old = Array.from({ length: 113 }, (_, i) => conv(100 + i, { waitingSince: now - 4 * 60 * MIN - ((i + 1) * 735 * DAY) / 113 }));
  const chat = conv(1, { channel: 'chat', waitingSince: now - 2 * MIN - 27_000 });

  it('puts the live chat first, not at row 114', () => {
    const order = orderQueue([...old, chat], DEFAULT_SLA, now);
    expect(order[0]?.item.id).toBe(1);
    expect(order[0]?.reasons).toEqual(['overdue 27s', 'chat', 'backlog']);
  });

  it('puts a fresh email due soon before the backlog, and the backlog before fresh email that has time', () => {
    const soon = conv(2, { waitingSince: now - 4 * 60 * MIN + 30 * MIN }); // due in 30m
    const later = conv(3, { waitingSince: now - 60 * MIN }); // due in 3h
    const order = orderQueue([later, ...old, soon], DEFAULT_SLA, now).map((r) => r.item.id);
    expect(order[0]).toBe(2);
    expect(order.at(-1)).toBe(3);
    // The backlog drains oldest first.
    expect(order.slice(1, -1)).toEqual(old.map((o) => o.id).reverse());
  });

  it('an email that just breached is backlog too, and sorts by the clock', () => {
    const justBreached = rank(conv(5, { waitingSince: now - 4 * 60 * MIN - 1000 }), DEFAULT_SLA, now);
    expect(justBreached.backlog).toBe(true);
    expect(justBreached.sortKey).toBe(now + 60 * MIN);
    const notYet = rank(conv(6, { waitingSince: now - 4 * 60 * MIN + 1000 }), DEFAULT_SLA, now);
    expect(notYet.backlog).toBe(false);
    expect(notYet.sortKey).toBe(notYet.dueAt);
  });

  it('a grace keeps a breached conversation in due order for that many targets', () => {
    const s: SlaSettings = { ...DEFAULT_SLA, order: { graceTargets: 1, backlogAfterMinutes: { chat: 2, email: 60 } } };
    expect(rank(conv(7, { channel: 'chat', waitingSince: now - 3 * MIN }), s, now).backlog).toBe(false); // overdue 1m < one 2m target
    expect(rank(conv(8, { channel: 'chat', waitingSince: now - 5 * MIN }), s, now).backlog).toBe(true); // overdue 3m
  });
});
