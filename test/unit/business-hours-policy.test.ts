// Business hours through the policy: settings → calendars, due times (sla.ts and the store's cached
// ranks), SLA alert lead times, and stats all count the same open time.
import { describe, expect, it } from 'vitest';
import { rankerForNew, refreshRanks } from '../../src/app/queue/ranks.js';
import { announceSlaAlerts, slaAlertFor } from '../../src/app/automation/sla-alerts.js';
import { policyFingerprint, policyFromSettings } from '../../src/config/policy-settings.js';
import type { IncomingEmail } from '../../src/domain/types.js';
import { DEFAULT_SLA, dueAt, type SlaFacts } from '../../src/policy/sla.js';
import { computeStats, type StatsEvent } from '../../src/policy/stats.js';
import { type Db, openDb } from '../../src/store/db.js';
import { eventsSince } from '../../src/store/events.js';
import { ingestEmail } from '../../src/store/ingest.js';

const H = 3_600_000;
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const ME = 'support@shop.test';

const officeWeek = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
const HOURS = { timeZone: 'Europe/Berlin', weekly: officeWeek, holidays: ['12-25'] };
const withHours = (hours: unknown) => policyFromSettings((k) => (k === 'hours' ? hours : undefined));

// Fri 2026-12-04 23:00 CET
const FRIDAY_NIGHT = at('2026-12-04T22:00:00Z');
// Mon 2026-12-07 13:00 CET
const MONDAY_1PM = '2026-12-07T12:00:00.000Z';

const email = (waitingSince: number | null, answeredBefore = false): SlaFacts => ({ channel: 'email', priority: 'normal', waitingSince, answeredBefore, customerEmails: [] });

describe('settings → policy', () => {
  it('no hours: exactly the defaults (no calendar anywhere)', () => {
    const p = withHours(undefined);
    expect(p.sla).toEqual(DEFAULT_SLA);
    expect(p.sla.hours).toBeUndefined();
  });

  it('hours resolve per channel and change the fingerprint', () => {
    const p = withHours(HOURS);
    expect(p.sla.hours?.email).toEqual({ timeZone: 'Europe/Berlin', weekly: officeWeek, holidays: ['12-25'] });
    expect(p.sla.hours?.chat).toEqual(p.sla.hours?.email);
    expect(policyFingerprint(p)).not.toBe(policyFingerprint(withHours(undefined)));
    expect(policyFingerprint(p)).not.toBe(policyFingerprint(withHours({ ...HOURS, holidays: ['12-24'] })));
    expect(policyFingerprint(p)).toBe(policyFingerprint(withHours({ holidays: ['12-25'], weekly: officeWeek, timeZone: 'Europe/Berlin' })));
  });
});

describe('dueAt', () => {
  it('an email at 23:00 on Friday with the default 4 h target is due Monday 13:00', () => {
    const p = withHours(HOURS);
    expect(iso(dueAt(email(FRIDAY_NIGHT), p.sla))).toBe(MONDAY_1PM);
    // next-response target (8 h): Mon 09:00 + 8 h = 17:00 CET
    expect(iso(dueAt(email(FRIDAY_NIGHT, true), p.sla))).toBe('2026-12-07T16:00:00.000Z');
    // without hours: plain addition, 03:00 Saturday
    expect(iso(dueAt(email(FRIDAY_NIGHT), withHours(undefined).sla))).toBe('2026-12-05T02:00:00.000Z');
    expect(dueAt(email(null), p.sla)).toBeNull();
  });

  it('a channel without hours of its own or shared ones runs around the clock', () => {
    const p = withHours({ timeZone: 'Europe/Berlin', email: { weekly: officeWeek } });
    const chat: SlaFacts = { channel: 'chat', priority: 'normal', waitingSince: FRIDAY_NIGHT, answeredBefore: false, customerEmails: [] };
    expect(dueAt(chat, p.sla)).toBe(FRIDAY_NIGHT + 2 * MIN);
    expect(iso(dueAt(email(FRIDAY_NIGHT), p.sla))).toBe(MONDAY_1PM);
  });
});

let uid = 0;
function customerMail(db: Db, sentAt: number): number {
  uid++;
  const mail: IncomingEmail = {
    account: 'support',
    mailbox: 'INBOX',
    uidValidity: 1,
    uid,
    messageId: `hours${uid}@cust.test`,
    inReplyTo: [],
    references: [],
    subject: 'Order',
    from: { name: 'Ann', email: `ann${uid}@cust.test` },
    to: [{ name: '', email: ME }],
    cc: [],
    sentAt,
    flags: [],
    text: 'hi',
    attachments: [],
    size: 1,
    fingerprint: `hours${uid}`,
  };
  return db.transaction(() => ingestEmail(db, mail, ME, sentAt))().conversationId;
}

const dueOf = (db: Db, id: number) => (db.prepare('SELECT due_at FROM conversations WHERE id = ?').get(id) as { due_at: number | null }).due_at;

describe('cached ranks', () => {
  it('the store ranks with the calendar, and again when the schedule changes', () => {
    const db = openDb(':memory:');
    const id = customerMail(db, FRIDAY_NIGHT);
    refreshRanks(db, withHours(undefined));
    expect(iso(dueOf(db, id))).toBe('2026-12-05T02:00:00.000Z'); // SQL path: 24/7
    expect(refreshRanks(db, withHours(HOURS))).toBeGreaterThan(0);
    expect(iso(dueOf(db, id))).toBe(MONDAY_1PM);
    // the shop opens at 10 now: 4 h after Monday 10:00
    expect(refreshRanks(db, withHours({ ...HOURS, weekly: { ...officeWeek, mon: ['10:00-17:00'] } }))).toBeGreaterThan(0);
    expect(iso(dueOf(db, id))).toBe('2026-12-07T13:00:00.000Z');
  });

  it('a new conversation ranked as it is written gets the same due time', () => {
    const ranker = rankerForNew(withHours(HOURS));
    expect(ranker).toBeDefined();
    const r = ranker?.({ channel: 'email', waitingSince: FRIDAY_NIGHT, answeredBefore: false, lastMessageAt: FRIDAY_NIGHT });
    expect(iso(r?.dueAt ?? null)).toBe(MONDAY_1PM);
  });
});

describe('SLA alerts', () => {
  // due Mon 2026-12-07 09:10 CET; now Fri 16:40 CET: 30 open minutes are left over the weekend
  const due = at('2026-12-07T08:10:00Z');
  const now = at('2026-12-04T15:40:00Z');
  const cal = withHours(HOURS).sla.hours?.email;

  it('the lead counts open time', () => {
    const c = { conversationId: 1, channel: 'email' as const, dueAt: due, announced: null };
    expect(slaAlertFor(c, 30, now, cal)?.kind).toBe('sla.warning');
    expect(slaAlertFor(c, 20, now, cal)).toBeNull();
    expect(slaAlertFor(c, 30, now)).toBeNull(); // without hours: 64 wall hours left
  });

  it('announceSlaAlerts looks far enough ahead to find it', () => {
    const db = openDb(':memory:');
    const policy = withHours(HOURS);
    // an email at Fri 15:30 CET with a 4 h target: 1.5 h on Friday + 2.5 h on Monday → Mon 11:30 CET
    const id = customerMail(db, at('2026-12-04T14:30:00Z'));
    refreshRanks(db, policy);
    expect(iso(dueOf(db, id))).toBe('2026-12-07T10:30:00.000Z');
    // the first watch (Fri 15:31 CET) sets the store's horizon; 3 h 59 m of open time are left
    announceSlaAlerts(db, { email: 30, chat: 1 }, at('2026-12-04T14:31:00Z'), policy.sla.hours);
    expect(eventsSince(db, 0).filter((e) => e.type === 'sla.warning')).toHaveLength(0);
    // Fri 16:35 CET: 2 h 25 m of open time left → nothing; Mon 11:00 CET: 30 min left → warning
    announceSlaAlerts(db, { email: 30, chat: 1 }, at('2026-12-04T15:35:00Z'), policy.sla.hours);
    expect(eventsSince(db, 0).filter((e) => e.type === 'sla.warning')).toHaveLength(0);
    announceSlaAlerts(db, { email: 30, chat: 1 }, at('2026-12-07T10:00:00Z'), policy.sla.hours);
    expect(eventsSince(db, 0).filter((e) => e.type === 'sla.warning')).toHaveLength(1);
  });
});

describe('stats', () => {
  const ev = (type: string, id: number, t: number, data: Record<string, unknown> = {}): StatsEvent => ({ type, conversationId: id, at: t, data });
  // Friday-night email answered Monday 10:00 CET (1 open hour); the customer writes again Monday
  // 16:30 CET and is answered Tuesday 09:30 CET (1 open hour).
  const events = [
    ev('conversation.created', 1, FRIDAY_NIGHT, { channel: 'email' }),
    ev('message.received', 1, FRIDAY_NIGHT, { channel: 'email' }),
    ev('reply.sent', 1, at('2026-12-07T09:00:00Z')),
    ev('message.received', 1, at('2026-12-07T15:30:00Z')),
    ev('reply.sent', 1, at('2026-12-08T08:30:00Z')),
  ];
  const base = {
    events,
    channels: new Map([[1, 'email' as const]]),
    targets: DEFAULT_SLA.channels,
    from: at('2026-12-01T00:00:00Z'),
    to: at('2026-12-09T00:00:00Z'),
    channel: 'email' as const,
  };

  it('response times and within-target count open time with a calendar', () => {
    const s = computeStats({ ...base, calendars: withHours(HOURS).sla.hours });
    expect(s.channels[0]?.firstResponse).toMatchObject({ p50Ms: 1 * H, met: 1, withinTarget: 1 });
    expect(s.channels[0]?.nextResponse.p50Ms).toBe(1 * H);
  });

  it('and wall time without', () => {
    const s = computeStats(base);
    expect(s.channels[0]?.firstResponse).toMatchObject({ p50Ms: 59 * H, met: 0, withinTarget: 0 });
    expect(s.channels[0]?.nextResponse.p50Ms).toBe(17 * H);
  });
});
