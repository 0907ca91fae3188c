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
  it('breached first (most overdue first), then least time to breach, then priority, then longest waiting, then id', () => {
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
    expect(order).toEqual([3, 2, 4, 7, 1, 5, 6]);
  });

  it('explains the rank', () => {
    const s: SlaSettings = { ...DEFAULT_SLA, vip: { match: ['vip@x.test'], factor: 1 } };
    expect(rank(conv(1, { channel: 'chat', waitingSince: now - 1 * MIN, customerEmails: ['vip@x.test'] }), s, now).reasons).toEqual(['due in 1m', 'chat', 'VIP']);
    expect(rank(conv(1, { channel: 'chat', waitingSince: now - 5 * MIN }), s, now).reasons).toEqual(['overdue 3m', 'chat']);
  });

  it('is stable while nothing changes', () => {
    const items = Array.from({ length: 50 }, (_, i) => conv(i + 1, { waitingSince: now - (i % 5) * MIN }));
    const a = orderQueue(items, DEFAULT_SLA, now).map((r) => r.item.id);
    const b = orderQueue([...items].reverse(), DEFAULT_SLA, now).map((r) => r.item.id);
    expect(a).toEqual(b);
  });
});
