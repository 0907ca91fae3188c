import { describe, expect, it } from 'vitest';
import { queueFacts } from '../helpers/fixtures.js';
import type { Channel } from '../../src/domain/types.js';
import {
  breakthroughs,
  classifyActivity,
  DEFAULT_FOCUS,
  type DeferredActivity,
  digest,
  type FocusSettings,
  median,
  normaliseSkipReason,
  pickNext,
  queuePosition,
  renderQueueNotice,
} from '../../src/policy/focus.js';
import { orderQueue, type QueueFacts, type Ranked } from '../../src/policy/queue.js';
import { DEFAULT_SLA, type SlaSettings } from '../../src/policy/sla.js';

const MIN = 60_000;
const now = Date.UTC(2026, 10, 25, 12);
const conv = (id: number, over: Partial<QueueFacts>): QueueFacts => queueFacts(now, id, over);
// A long grace keeps breached conversations in due order (no backlog): these tests are about focus
// decisions on a given queue; the backlog order itself is tested in policy.test.ts.
const sla: SlaSettings = { ...DEFAULT_SLA, vip: { match: ['@vip.test'], factor: 1 }, order: { graceTargets: 1000, backlogAfterMinutes: { chat: 2, email: 60 } } };
const ids = (rs: readonly Ranked[]) => rs.map((r) => r.item.id);
const focus = (over: Partial<FocusSettings> = {}): FocusSettings => ({ ...DEFAULT_FOCUS, ...over });

// Queue order at `now`: 3 (chat overdue 8m), 2 (chat overdue 1m), 4 (chat due in 1m),
// 1 (email due in 3h50m), 7 (email due in 3h50m, VIP, later id), 5 and 6 (nobody waits).
const queue = orderQueue(
  [
    conv(1, {}),
    conv(2, { channel: 'chat', waitingSince: now - 3 * MIN }),
    conv(3, { channel: 'chat', waitingSince: now - 10 * MIN }),
    conv(4, { channel: 'chat', waitingSince: now - 1 * MIN }),
    conv(5, { waitingSince: null, priority: 'urgent' }),
    conv(6, { channel: 'chat', waitingSince: null }),
    conv(7, { customerEmails: ['boss@vip.test'] }),
  ],
  sla,
  now,
);

describe('the fixture queue', () => {
  it('is in the order the tests assume', () => expect(ids(queue)).toEqual([3, 2, 4, 1, 7, 5, 6]));
});

describe('pickNext', () => {
  const emailWaitsForChat = focus({ waitsFor: { email: ['chat'] } });
  it.each<[string, number[], FocusSettings, number | null]>([
    ['first waiting in queue order', [], DEFAULT_FOCUS, 3],
    ['skips excluded ones', [3, 2], DEFAULT_FOCUS, 4],
    ['email while chats wait, no rule', [3, 2, 4], DEFAULT_FOCUS, 1],
    ['email held back while a chat waits', [], emailWaitsForChat, 3],
    ['email offered once every waiting chat is excluded', [3, 2, 4], emailWaitsForChat, 1],
    ['a chat at risk is never held back (the queue order wins)', [], focus({ waitsFor: { chat: ['email'] } }), 3],
    [
      'chat held back by email: the email comes before a chat that is not at risk',
      [3, 2],
      focus({ waitsFor: { chat: ['email'] }, breakthrough: { ...DEFAULT_FOCUS.breakthrough, leadMinutes: { chat: 0, email: 30 } } }),
      1,
    ],
    ['a cycle never leaves focus with nothing', [2, 4], focus({ waitsFor: { chat: ['email'], email: ['chat'] } }), 3],
    ['a cycle still offers what is at risk first', [], focus({ waitsFor: { chat: ['email'], email: ['chat'] } }), 3],
    ['nothing left that waits', [1, 2, 3, 4, 7], DEFAULT_FOCUS, null],
  ])('%s', (_name, exclude, s, want) => {
    expect(pickNext(queue, new Set(exclude), s)?.item.id ?? null).toBe(want);
  });

  it('a conversation the queue puts first and at risk is never held back by a channel rule', () => {
    const q = orderQueue([conv(1, { waitingSince: now - 239 * MIN }), conv(2, { channel: 'chat', waitingSince: now - 0.5 * MIN })], sla, now);
    expect(ids(q)).toEqual([1, 2]); // the email is due in 1m, the chat in 1.5m
    const rule = { waitsFor: { email: ['chat'] as Channel[] } };
    expect(pickNext(q, new Set(), focus(rule))?.item.id).toBe(1);
    // Not at risk (no lead for email): the rule holds it back.
    expect(pickNext(q, new Set(), focus({ ...rule, breakthrough: { ...DEFAULT_FOCUS.breakthrough, leadMinutes: { chat: 2, email: 0 } } }))?.item.id).toBe(2);
  });

  it('never offers a conversation nobody waits on', () => {
    const idle = orderQueue([conv(1, { waitingSince: null }), conv(2, { channel: 'chat', waitingSince: null })], sla, now);
    expect(pickNext(idle, new Set(), DEFAULT_FOCUS)).toBeNull();
    expect(pickNext([], new Set(), DEFAULT_FOCUS)).toBeNull();
  });

  it('a held-back channel is not blocked by chats that do not wait', () => {
    const q = orderQueue([conv(1, {}), conv(2, { channel: 'chat', waitingSince: null })], sla, now);
    expect(pickNext(q, new Set(), focus({ waitsFor: { email: ['chat'] } }))?.item.id).toBe(1);
  });
});

describe('classifyActivity', () => {
  const onChat = { id: 10, channel: 'chat' as Channel };
  const onEmail = { id: 20, channel: 'email' as Channel };
  it.each<[string, { conversationId: number; channel: Channel }, { id: number; channel: Channel } | null, FocusSettings, string]>([
    ['the focused conversation', { conversationId: 10, channel: 'chat' }, onChat, DEFAULT_FOCUS, 'current'],
    ['another chat while on chat', { conversationId: 11, channel: 'chat' }, onChat, DEFAULT_FOCUS, 'deferred'],
    ['email while on chat: lower channel', { conversationId: 20, channel: 'email' }, onChat, DEFAULT_FOCUS, 'hidden'],
    ['chat while on email: higher channel', { conversationId: 10, channel: 'chat' }, onEmail, DEFAULT_FOCUS, 'deferred'],
    ['another email while on email', { conversationId: 21, channel: 'email' }, onEmail, DEFAULT_FOCUS, 'deferred'],
    ['equal ranks hide nothing', { conversationId: 20, channel: 'email' }, onChat, focus({ channelRank: { chat: 1, email: 1 } }), 'deferred'],
    ['ranks can be reversed', { conversationId: 11, channel: 'chat' }, onEmail, focus({ channelRank: { chat: 1, email: 2 } }), 'hidden'],
    ['nothing focused', { conversationId: 20, channel: 'email' }, null, DEFAULT_FOCUS, 'deferred'],
  ])('%s', (_name, a, current, s, want) => expect(classifyActivity(a, current, s)).toBe(want));

  it('a lower channel never hides a conversation the queue ranks ahead of the focused one', () => {
    expect(classifyActivity({ conversationId: 20, channel: 'email' }, onChat, DEFAULT_FOCUS, true)).toBe('deferred');
    expect(classifyActivity({ conversationId: 10, channel: 'chat' }, onChat, DEFAULT_FOCUS, true)).toBe('current');
  });
});

describe('breakthroughs', () => {
  const noVip = (lead: { chat: number; email: number }, vip = false): FocusSettings =>
    focus({ breakthrough: { ...DEFAULT_FOCUS.breakthrough, leadMinutes: lead, vip } });
  it.each<[string, number | null, FocusSettings, number[]]>([
    // 3 and 2 are breached (by 8m and 1m: a visitor may still be there), 4 has 1m left, 1 and 7
    // 3h50m, 7 is VIP.
    ['defaults: chats within 2m or breached less than an hour ago, the VIP email', null, DEFAULT_FOCUS, [3, 2, 4, 7]],
    ['never the focused one', 3, DEFAULT_FOCUS, [2, 4, 7]],
    ['lead 0: breached only', null, noVip({ chat: 0, email: 0 }), [3, 2]],
    ['VIP off', null, noVip({ chat: 1, email: 30 }), [3, 2, 4]],
    ['email lead covers the emails', null, noVip({ chat: 0, email: 240 }), [3, 2, 1, 7]],
    ['lead is per channel', null, noVip({ chat: 0.5, email: 230 }), [3, 2, 1, 7]],
    ['just outside the lead', null, noVip({ chat: 0.9, email: 229 }), [3, 2]],
  ])('%s', (_name, currentId, s, want) => expect(ids(breakthroughs(queue, currentId, s))).toEqual(want));

  it('a chat late by more than an hour, or an email late by more than its target, has given up', () => {
    const q = orderQueue(
      [conv(1, { channel: 'chat', waitingSince: now - 63 * MIN }), conv(2, { channel: 'chat', waitingSince: now - 61 * MIN }), conv(3, { waitingSince: now - 481 * MIN }), conv(4, { waitingSince: now - 479 * MIN })],
      sla,
      now,
    );
    expect(ids(breakthroughs(q, null, DEFAULT_FOCUS)).sort()).toEqual([2, 4]);
  });

  it('a months-old email never breaks through, a VIP one does', () => {
    const q = orderQueue([conv(1, { waitingSince: now - 400 * 24 * 60 * MIN }), conv(2, { waitingSince: now - 400 * 24 * 60 * MIN, customerEmails: ['x@vip.test'] })], sla, now);
    expect(ids(breakthroughs(q, null, DEFAULT_FOCUS))).toEqual([2]);
    expect(ids(breakthroughs(q, null, { ...DEFAULT_FOCUS, breakthrough: { ...DEFAULT_FOCUS.breakthrough, vip: false } }))).toEqual([]);
  });

  it('a VIP nobody waits on does not break through', () => {
    const q = orderQueue([conv(1, { waitingSince: null, customerEmails: ['a@vip.test'] })], sla, now);
    expect(breakthroughs(q, null, DEFAULT_FOCUS)).toEqual([]);
  });
});

describe('digest', () => {
  const rankOf = (id: number) => queue.find((r) => r.item.id === id);
  const act = (conversationId: number, channel: Channel, at: number): DeferredActivity => ({ conversationId, channel, at });

  it('groups by channel, most urgent channel and item first, unknown ids last', () => {
    const d = digest({
      deferred: [act(1, 'email', 1), act(7, 'email', 2), act(1, 'email', 3), act(4, 'chat', 4), act(99, 'chat', 5), act(3, 'chat', 6), act(98, 'chat', 0), act(4, 'chat', 7)],
      handled: [],
      skipped: [],
      rankOf,
    });
    expect(d.byChannel.map((c) => [c.channel, c.conversations, c.messages])).toEqual([
      ['chat', 4, 5],
      ['email', 2, 3],
    ]);
    const chat = d.byChannel[0]?.items ?? [];
    expect(chat.map((i) => i.conversationId)).toEqual([3, 4, 98, 99]); // unknown last, by first activity
    expect(chat[0]).toEqual({ conversationId: 3, messages: 1, timeLeft: -8 * MIN, breached: true });
    expect(chat[1]).toEqual({ conversationId: 4, messages: 2, timeLeft: 1 * MIN, breached: false });
    expect(chat[2]).toEqual({ conversationId: 98, messages: 1, timeLeft: null, breached: false });
    expect(d.byChannel[1]?.items.map((i) => [i.conversationId, i.messages])).toEqual([
      [1, 2],
      [7, 1],
    ]);
  });

  it('a channel with a breached item comes before one that is only close', () => {
    const q = orderQueue([conv(1, { waitingSince: now - 300 * MIN }), conv(2, { channel: 'chat', waitingSince: now - 1 * MIN })], sla, now);
    const d = digest({ deferred: [act(2, 'chat', 1), act(1, 'email', 2)], handled: [], skipped: [], rankOf: (id) => q.find((r) => r.item.id === id) });
    expect(d.byChannel.map((c) => c.channel)).toEqual(['email', 'chat']);
  });

  it('handled: count and median (odd and even counts)', () => {
    const h = (ms: number) => ({ conversationId: 1, ms, outcome: 'replied' as const });
    expect(digest({ deferred: [], handled: [h(30), h(10), h(20)], skipped: [], rankOf }).handled).toEqual({ count: 3, medianMs: 20 });
    expect(digest({ deferred: [], handled: [h(40), h(10), h(30), h(20)], skipped: [], rankOf }).handled).toEqual({ count: 4, medianMs: 25 });
  });

  it('skipped: normalised reasons, most frequent first, then alphabetical', () => {
    const s = (reason: string) => ({ conversationId: 1, reason });
    const d = digest({ deferred: [], handled: [], skipped: [s('Billing'), s('  billing later '), s(''), s('spam!'), s('later'), s('Spam'), s('BILLING')], rankOf });
    expect(d.skipped).toEqual([
      { reason: 'billing', count: 3 },
      { reason: 'spam', count: 2 },
      { reason: 'later', count: 1 },
      { reason: 'none', count: 1 },
    ]);
  });

  it('empty input', () => {
    expect(digest({ deferred: [], handled: [], skipped: [], rankOf: () => undefined })).toEqual({
      byChannel: [],
      handled: { count: 0, medianMs: null },
      skipped: [],
    });
  });
});

describe('normaliseSkipReason', () => {
  it.each([
    ['Billing', 'billing'],
    ['  Waiting on billing. ', 'waiting'],
    ['"Spam!"', 'spam'],
    ['', 'none'],
    ['   ', 'none'],
    ['?!', 'none'],
    ['Rückfrage', 'rückfrage'],
  ])('%j → %s', (input, want) => expect(normaliseSkipReason(input)).toBe(want));
});

describe('median', () => {
  it.each<[number[], number | null]>([
    [[], null],
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ])('%j → %s', (values, want) => expect(median(values)).toBe(want));

  it('does not reorder its input', () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('queuePosition', () => {
  it.each<[number, number | null]>([
    [3, 1], // chats: 3, 2, 4
    [2, 2],
    [4, 3],
    [1, 1], // emails: 1, 7
    [7, 2],
    [5, null], // nobody waits
    [6, null],
    [42, null], // not in the queue
  ])('conversation %i → %s', (id, want) => expect(queuePosition(queue, id)).toBe(want));
});

describe('renderQueueNotice', () => {
  it.each([
    [DEFAULT_FOCUS.queueNotice.text, 3, 'Thanks for waiting — you are number 3 in line. We will be with you shortly.'],
    ['#{{ position }} of many; again {{position}}', 2, '#2 of many; again 2'],
    ['Hi {{name}}, you are {{position}}', 1, 'Hi {{name}}, you are 1'],
    ['No placeholder', 5, 'No placeholder'],
  ])('%s', (text, position, want) => expect(renderQueueNotice(text, { position })).toBe(want));
});

describe('DEFAULT_FOCUS', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_FOCUS.channelRank).toEqual({ chat: 2, email: 1 });
    expect(DEFAULT_FOCUS.waitsFor).toEqual({});
    expect(DEFAULT_FOCUS.breakthrough).toEqual({ leadMinutes: { chat: 2, email: 30 }, vip: true, bell: false, notify: false });
    expect(DEFAULT_FOCUS.queueNotice.enabled).toBe(false);
  });
});
