// Stats from a fixture event log whose answers were worked out by hand (in the comments below).
import { describe, expect, it } from 'vitest';
import { bar, formatSpan, statsCsv, statsText } from '../../src/app/stats/stats-report.js';
import type { Channel } from '../../src/domain/types.js';
import { computeStats, percentile, STATS_EVENT_TYPES, type StatsEvent } from '../../src/policy/stats.js';
import { chatConversation } from '../../src/store/chat-ingest.js';
import { openDb } from '../../src/store/db.js';
import { enqueueChat, markChatSent } from '../../src/store/outbox.js';
import { statsEvents } from '../../src/store/stats-events.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const m = (n: number) => T0 + n * MIN;
const TO = m(7 * 1440);
const targets = { email: { firstMinutes: 240, nextMinutes: 480 }, chat: { firstMinutes: 2, nextMinutes: 5 } };

const ev = (type: string, conversationId: number | null, at: number, data: Record<string, unknown> = {}): StatsEvent => ({ type, conversationId, at, data });
const opened = (id: number, at: number, channel: Channel) => [ev('conversation.created', id, at, { channel }), ev('message.received', id, at, { channel })];

// Email target 4h, chat 2m. Period T0 .. T0+7d.
const EVENTS: StatsEvent[] = [
  // #1 email: first 60m (met); next: wait from m120 (m130 is the same wait) to m150 = 30m; resolved after 200m.
  ...opened(1, m(0), 'email'),
  ev('reply.sent', 1, m(60)),
  ev('message.received', 1, m(120)),
  ev('message.received', 1, m(130)),
  ev('reply.sent', 1, m(150)),
  ev('conversation.resolved', 1, m(200)),
  // #2 email: first 300m (missed); resolved m400, customer writes m500, reply m520 (next 20m), resolved m530 → 520m.
  ...opened(2, m(10), 'email'),
  ev('reply.sent', 2, m(310)),
  ev('conversation.resolved', 2, m(400)),
  ev('message.received', 2, m(500)),
  ev('reply.sent', 2, m(520)),
  ev('conversation.resolved', 2, m(530)),
  // #3 email: never answered.
  ...opened(3, m(20), 'email'),
  // #4 email, opened and first answered two days before the period: next 60m in it; resolution 2d + 100m = 2980m.
  ...opened(4, T0 - 2 * 1440 * MIN, 'email'),
  ev('reply.sent', 4, T0 - 2 * 1440 * MIN + 10 * MIN),
  ev('message.received', 4, m(30)),
  ev('reply.sent', 4, m(90)),
  ev('conversation.resolved', 4, m(100)),
  // #5 chat: first 1m (met), resolved after 10m.
  ...opened(5, m(1000), 'chat'),
  ev('reply.sent', 5, m(1001)),
  ev('conversation.resolved', 5, m(1010)),
  // #6 chat: the automatic queue notice is not a response; first 5m (missed); resolved by the relay after 10m.
  ...opened(6, m(2000), 'chat'),
  ev('reply.sent', 6, m(2000) + 5000, { automatic: true }),
  ev('reply.sent', 6, m(2005)),
  ev('conversation.resolved', 6, m(2010), { by: 'relay' }),
  // #7 chat: first 30s (met).
  ...opened(7, m(3000), 'chat'),
  ev('reply.sent', 7, m(3000) + 30_000),
  // #8 email: opened 10m before the end; its reply comes after the period → unanswered in it.
  ...opened(8, TO - 10 * MIN, 'email'),
  ev('reply.sent', 8, TO + 50 * MIN),
  // #9 after the period: not counted at all.
  ...opened(9, TO + MIN, 'email'),
  // Focus: 2 sessions; handled 120s, 60s, 300s; skips.
  ev('focus.started', null, m(100)),
  ev('focus.handled', 1, m(150), { ms: 120_000, outcome: 'resolved' }),
  ev('focus.skipped', 2, m(15), { reason: 'waiting on dev' }),
  ev('focus.skipped', 3, m(25), { reason: 'waiting on dev' }),
  ev('focus.started', null, m(2000)),
  ev('focus.handled', 5, m(1001), { ms: 60_000, outcome: 'resolved' }),
  ev('focus.handled', 6, m(2005), { ms: 300_000, outcome: 'resolved' }),
  ev('focus.skipped', 7, m(3001), { reason: 'needs manager' }),
  ev('focus.skipped', null, m(3002), { reason: '' }),
];
// #4 is left out on purpose: its channel comes from the event data (a conversation deleted since).
const CHANNELS = new Map<number, Channel>([
  [1, 'email'], [2, 'email'], [3, 'email'], [5, 'chat'], [6, 'chat'], [7, 'chat'], [8, 'email'], [9, 'email'],
]);

const run = (over: { from?: number; to?: number; channel?: Channel } = {}) =>
  computeStats({ events: EVENTS, channels: CHANNELS, targets, from: over.from ?? T0, to: over.to ?? TO, ...(over.channel ? { channel: over.channel } : {}) });

describe('percentile (nearest rank)', () => {
  it('is a real value at rank ceil(p·n), null for none', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 50)).toBe(5);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 90)).toBe(9);
    expect(percentile([1, 2], 50)).toBe(1);
  });
});

describe('computeStats', () => {
  it('email: hand-checked', () => {
    const email = run().channels.find((c) => c.channel === 'email');
    expect(email).toEqual({
      channel: 'email',
      opened: 4, // #1 #2 #3 #8 (#4 before, #9 after)
      resolved: 3, // #1 #2 #4
      firstResponse: { count: 2, p50Ms: 60 * MIN, p90Ms: 300 * MIN, targetMs: 240 * MIN, met: 1, withinTarget: 0.5, unanswered: 2 },
      nextResponse: { count: 3, p50Ms: 30 * MIN, p90Ms: 60 * MIN }, // [20, 30, 60]
      resolution: { count: 3, p50Ms: 520 * MIN, p90Ms: 2980 * MIN }, // [200, 520, 2980]
    });
  });

  it('chat: hand-checked; the automatic notice is not a response', () => {
    const chat = run().channels.find((c) => c.channel === 'chat');
    expect(chat).toEqual({
      channel: 'chat',
      opened: 3,
      resolved: 2,
      firstResponse: { count: 3, p50Ms: MIN, p90Ms: 5 * MIN, targetMs: 2 * MIN, met: 2, withinTarget: 2 / 3, unanswered: 0 }, // [30s, 1m, 5m]
      nextResponse: { count: 0, p50Ms: null, p90Ms: null },
      resolution: { count: 2, p50Ms: 10 * MIN, p90Ms: 10 * MIN },
    });
  });

  it('overall, gap and focus: hand-checked', () => {
    const s = run();
    expect(s.from).toBe('2026-03-02T00:00:00.000Z');
    expect(s.overall).toEqual({
      channel: 'all',
      opened: 7,
      resolved: 5,
      // [30s, 1m, 5m, 60m, 300m]: rank 3 and rank 5
      firstResponse: { count: 5, p50Ms: 5 * MIN, p90Ms: 300 * MIN, targetMs: null, met: 3, withinTarget: 0.6, unanswered: 2 },
      nextResponse: { count: 3, p50Ms: 30 * MIN, p90Ms: 60 * MIN },
      // [10m, 10m, 200m, 520m, 2980m]
      resolution: { count: 5, p50Ms: 200 * MIN, p90Ms: 2980 * MIN },
    });
    expect(s.gap).toEqual({ fastest: 'chat', slowest: 'email', ms: 59 * MIN });
    expect(s.focus).toEqual({
      sessions: 2,
      handled: 3,
      medianHandleMs: 120_000, // [60s, 120s, 300s]
      skipped: [
        { reason: 'waiting on dev', count: 2 },
        { reason: '(none)', count: 1 },
        { reason: 'needs manager', count: 1 },
      ],
    });
  });

  it('--channel chat: only chat, focus by the conversation channel', () => {
    const s = run({ channel: 'chat' });
    expect(s.channels.map((c) => c.channel)).toEqual(['chat']);
    expect(s.overall).toEqual({ ...s.channels[0], channel: 'all' });
    expect(s.gap).toBeNull();
    expect(s.focus).toEqual({ sessions: 2, handled: 2, medianHandleMs: 60_000, skipped: [{ reason: 'needs manager', count: 1 }] });
  });

  it('a channel with no data: zeros and nulls, no gap', () => {
    const s = run({ to: m(900) }); // before any chat
    const chat = s.channels.find((c) => c.channel === 'chat');
    expect(chat).toEqual({
      channel: 'chat',
      opened: 0,
      resolved: 0,
      firstResponse: { count: 0, p50Ms: null, p90Ms: null, targetMs: 2 * MIN, met: 0, withinTarget: null, unanswered: 0 },
      nextResponse: { count: 0, p50Ms: null, p90Ms: null },
      resolution: { count: 0, p50Ms: null, p90Ms: null },
    });
    expect(s.gap).toBeNull();
    expect(s.overall.opened).toBe(3); // #1 #2 #3
  });

  it('an empty period: zeros and nulls everywhere, "—" in text, no NaN', () => {
    const s = run({ from: T0 - 30 * 1440 * MIN, to: T0 - 29 * 1440 * MIN });
    expect(s.overall).toMatchObject({ opened: 0, resolved: 0, firstResponse: { count: 0, p50Ms: null, withinTarget: null }, resolution: { p90Ms: null } });
    expect(s.focus).toEqual({ sessions: 0, handled: 0, medianHandleMs: null, skipped: [] });
    const text = statsText(s, 80);
    expect(text).not.toMatch(/NaN|undefined|null/);
    expect(text).toContain('—');
    expect(text).toContain('no first responses in this period');
    expect(statsCsv(s)).not.toMatch(/NaN|undefined|null/);
  });
});

describe('report', () => {
  it('formats spans with at most two units', () => {
    expect(formatSpan(null)).toBe('—');
    expect(formatSpan(45_000)).toBe('45s');
    expect(formatSpan(12 * MIN + 5000)).toBe('12m 5s');
    expect(formatSpan(3 * 60 * MIN)).toBe('3h');
    expect(formatSpan(200 * MIN)).toBe('3h 20m');
    expect(formatSpan(2980 * MIN)).toBe('2d 1h');
  });

  it('draws bars in eighths; a non-zero value is never invisible', () => {
    expect(bar(0, 10, 10)).toBe('');
    expect(bar(10, 10, 3)).toBe('███');
    expect(bar(1, 16, 1)).toBe('▏'); // half an eighth rounds up to one
    expect(bar(5, 10, 1)).toBe('▌');
    expect(bar(1, 1000, 10)).toBe('▏');
  });

  it('text fits 80 columns and names the gap', () => {
    const text = statsText(run(), 200);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(text).toContain('gap: email is 59m slower than chat at the median');
    expect(text).toMatch(/within target\s+50%\s+67%\s+60%/);
    expect(text).toMatch(/skips by reason\n {2}waiting on dev\s+█+ 2/);
  });

  it('CSV: fixed columns, a row per channel and all, empty for missing', () => {
    const lines = statsCsv(run({ to: m(900) })).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'from,to,channel,opened,resolved,first_response_count,first_response_p50_ms,first_response_p90_ms,first_response_target_ms,within_target,unanswered,next_response_count,next_response_p50_ms,next_response_p90_ms,resolution_count,resolution_p50_ms,resolution_p90_ms',
    );
    expect(lines.map((l) => l.split(',')[2])).toEqual(['channel', 'email', 'chat', 'all']);
    expect(lines[2]).toBe(`2026-03-02T00:00:00.000Z,${new Date(m(900)).toISOString()},chat,0,0,0,,,120000,,0,0,,,0,,`);
  });
});

describe('statsEvents (store)', () => {
  it('brings earlier history of conversations active in the period, and marks the automatic notice', () => {
    const db = openDb(':memory:');
    const id = chatConversation(db, 'local', 1, m(-100));
    db.prepare("INSERT INTO events (type, conversation_id, at, data_json) VALUES ('message.received', ?, ?, '{}')").run(id, m(-90));
    const auto = enqueueChat(db, id, 'local', { key: 'k1', relayConversation: 1, body: 'We are on it', author: 'Sam', date: m(5) }, m(5), true);
    markChatSent(db, auto.id, auto.messageRowId, id, 'r1', m(5));
    const real = enqueueChat(db, id, 'local', { key: 'k2', relayConversation: 1, body: 'Hi', author: 'Sam', date: m(6) }, m(6));
    markChatSent(db, real.id, real.messageRowId, id, 'r2', m(6));
    const { events, channels } = statsEvents(db, STATS_EVENT_TYPES, T0, TO);
    expect(channels.get(id)).toBe('chat');
    expect(events.map((e) => [e.type, e.at, e.data.automatic ?? false])).toEqual([
      ['conversation.created', m(-100), false],
      ['message.received', m(-90), false],
      ['reply.sent', m(5), true],
      ['reply.sent', m(6), false],
    ]);
    // The first message was before the period: no first response in it, but it is not "unanswered" either.
    const s = computeStats({ events, channels, targets, from: T0, to: TO });
    expect(s.overall.firstResponse).toMatchObject({ count: 0, unanswered: 0 });
    db.close();
  });
});

describe('times from the server', () => {
  it('a customer message counts from when it reached the server (arrivedAt), not from when attend fetched it', () => {
    // Mail that arrived at m(0) while attend was off, fetched at m(600) and answered at m(601): a
    // 601-minute first response (missed), not a 1-minute one.
    const late = [
      ev('conversation.created', 1, m(600), { channel: 'email' }),
      ev('message.received', 1, m(600), { channel: 'email', arrivedAt: m(0) }),
      ev('reply.sent', 1, m(601)),
      // Next response: the customer wrote at m(700) (fetched at m(900)), answered at m(910): 210 minutes.
      ev('message.received', 1, m(900), { channel: 'email', arrivedAt: m(700) }),
      ev('reply.sent', 1, m(910)),
    ];
    const s = computeStats({ events: late, channels: new Map([[1, 'email']]), targets, from: T0, to: TO });
    expect(s.overall.firstResponse).toMatchObject({ count: 1, p50Ms: 601 * MIN, met: 0 });
    expect(s.overall.nextResponse).toMatchObject({ count: 1, p50Ms: 210 * MIN });
  });

  it('a message that reached the server before the period is not a first response in it, even when fetched inside it', () => {
    const late = [
      ev('conversation.created', 1, m(10), { channel: 'email' }),
      ev('message.received', 1, m(10), { channel: 'email', arrivedAt: T0 - 30 * 1440 * MIN }),
      ev('reply.sent', 1, m(11)),
    ];
    const s = computeStats({ events: late, channels: new Map([[1, 'email']]), targets, from: T0, to: TO });
    expect(s.overall.firstResponse).toMatchObject({ count: 0, unanswered: 0 });
  });

  it('history (no creation, no customer message in the log) is not counted when an agent resolves it', () => {
    const events = [ev('conversation.resolved', 7, m(10)), ...opened(8, m(20), 'email'), ev('conversation.resolved', 8, m(30))];
    const s = computeStats({ events, channels: new Map([[7, 'email'], [8, 'email']]), targets, from: T0, to: TO });
    expect(s.overall).toMatchObject({ opened: 1, resolved: 1 });
  });

  it('a relay clock a little ahead never makes a negative response time', () => {
    const ahead = [ev('conversation.created', 1, m(0), { channel: 'chat' }), ev('message.received', 1, m(0), { channel: 'chat', arrivedAt: m(0) + 3000 }), ev('reply.sent', 1, m(0) + 1000)];
    const s = computeStats({ events: ahead, channels: new Map([[1, 'chat']]), targets, from: T0, to: TO });
    expect(s.overall.firstResponse.p50Ms).toBe(0);
  });
});

describe('parseSince', () => {
  it('reads a span back from now, or an absolute time', async () => {
    const { parseSince } = await import('../../src/domain/when.js');
    expect(parseSince('7d', TO)).toBe(TO - 7 * 1440 * MIN);
    expect(parseSince('90m', TO)).toBe(TO - 90 * MIN);
    expect(parseSince('2026-03-02T00:00:00Z', TO)).toBe(T0);
    expect(parseSince('soon', TO)).toBeNull();
  });
});
