// Business hours: the calendar arithmetic the queue, alerts, stats and the relay share. Every
// expected instant below is written out in UTC with the local time beside it.
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  businessTimeBetween,
  type Calendar,
  hoursProblems,
  isOpen,
  nextOpening,
  openUntil,
  resolveHours,
  timeLeft,
} from '../../src/policy/business-hours.js';

const H = 3_600_000;
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

const officeWeek = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'], sat: [], sun: [] };
const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));
const berlin: Calendar = { timeZone: 'Europe/Berlin', weekly: officeWeek, holidays: ['2026-12-25', '12-26', '01-01'] };
const newYork: Calendar = { timeZone: 'America/New_York', weekly: officeWeek };

describe('addBusinessTime', () => {
  it('an email at 23:00 on Friday with a 4 h target is due Monday 13:00', () => {
    // Fri 2026-12-04 23:00 CET = 22:00Z → Mon 2026-12-07 13:00 CET = 12:00Z
    expect(iso(addBusinessTime(at('2026-12-04T22:00:00Z'), 4 * H, berlin))).toBe('2026-12-07T12:00:00.000Z');
  });

  it('a start inside hours carries what is left into the next open day', () => {
    // Tue 15:00 CET + 4 h = 2 h Tuesday + 2 h Wednesday → Wed 11:00 CET
    expect(iso(addBusinessTime(at('2026-12-08T14:00:00Z'), 4 * H, berlin))).toBe('2026-12-09T10:00:00.000Z');
    // exactly to closing time: due at 17:00, not the next morning
    expect(iso(addBusinessTime(at('2026-12-08T14:00:00Z'), 2 * H, berlin))).toBe('2026-12-08T16:00:00.000Z');
  });

  it('a start before opening counts from opening; 0 ms is the start itself', () => {
    expect(iso(addBusinessTime(at('2026-12-08T05:00:00Z'), 30 * MIN, berlin))).toBe('2026-12-08T08:30:00.000Z');
    expect(addBusinessTime(at('2026-12-05T05:00:00Z'), 0, berlin)).toBe(at('2026-12-05T05:00:00Z'));
  });

  it('skips holidays, dated and yearly', () => {
    // Thu 2026-12-24 16:00 CET + 4 h: 1 h Thursday; Fri 25th (dated) and Sat 26th (yearly) closed,
    // Sunday closed → Mon 28th 09:00 + 3 h = 12:00 CET
    expect(iso(addBusinessTime(at('2026-12-24T15:00:00Z'), 4 * H, berlin))).toBe('2026-12-28T11:00:00.000Z');
    // New Year's Day 2027 is a Friday (yearly "01-01"): Thu 31st 16:30 + 1 h → Mon 4th 09:30
    expect(iso(addBusinessTime(at('2026-12-31T15:30:00Z'), 1 * H, berlin))).toBe('2027-01-04T08:30:00.000Z');
  });

  it('Europe/Berlin spring forward: Monday after the change is on summer time', () => {
    // Fri 2026-03-27 16:00 CET (15:00Z) + 4 h → 1 h Friday, Mon 03-30 09:00 CEST (07:00Z) + 3 h = 10:00Z
    expect(iso(addBusinessTime(at('2026-03-27T15:00:00Z'), 4 * H, berlin))).toBe('2026-03-30T10:00:00.000Z');
  });

  it('Europe/Berlin fall back: Monday after the change is on winter time', () => {
    // Fri 2026-10-23 16:00 CEST (14:00Z) + 4 h → Mon 10-26 09:00 CET (08:00Z) + 3 h = 11:00Z
    expect(iso(addBusinessTime(at('2026-10-23T14:00:00Z'), 4 * H, berlin))).toBe('2026-10-26T11:00:00.000Z');
  });

  it('America/New_York across both changes', () => {
    // Fri 2026-10-30 16:00 EDT (20:00Z) + 4 h → Mon 11-02 09:00 EST (14:00Z) + 3 h = 17:00Z
    expect(iso(addBusinessTime(at('2026-10-30T20:00:00Z'), 4 * H, newYork))).toBe('2026-11-02T17:00:00.000Z');
    // Fri 2026-03-06 16:00 EST (21:00Z) + 4 h → Mon 03-09 09:00 EDT (13:00Z) + 3 h = 16:00Z
    expect(iso(addBusinessTime(at('2026-03-06T21:00:00Z'), 4 * H, newYork))).toBe('2026-03-09T16:00:00.000Z');
  });

  it('a calendar that is never open throws instead of looping', () => {
    const never: Calendar = { timeZone: 'Europe/Berlin', weekly: { mon: [] } };
    expect(() => addBusinessTime(at('2026-12-04T22:00:00Z'), H, never)).toThrow(/no open time/);
    expect(() => nextOpening(at('2026-12-04T22:00:00Z'), never)).toThrow(/no open time/);
  });
});

describe('businessTimeBetween', () => {
  it('counts only open time, and is negative backwards', () => {
    // Fri 16:00 CET → Mon 10:00 CET: 1 h + 1 h
    expect(businessTimeBetween(at('2026-12-04T15:00:00Z'), at('2026-12-07T09:00:00Z'), berlin)).toBe(2 * H);
    expect(businessTimeBetween(at('2026-12-07T09:00:00Z'), at('2026-12-04T15:00:00Z'), berlin)).toBe(-2 * H);
    // a whole weekend: nothing
    expect(businessTimeBetween(at('2026-12-05T00:00:00Z'), at('2026-12-06T22:00:00Z'), berlin)).toBe(0);
  });

  it('a 24-hour schedule counts the real length of transition days (23 h, 25 h)', () => {
    const berlinAllDay: Calendar = { timeZone: 'Europe/Berlin', weekly: allDay };
    const nyAllDay: Calendar = { timeZone: 'America/New_York', weekly: allDay };
    // Berlin 2026-03-29 00:00 CET (03-28 23:00Z) → 03-30 00:00 CEST (03-29 22:00Z)
    expect(businessTimeBetween(at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'), berlinAllDay)).toBe(23 * H);
    // Berlin 2026-10-25 00:00 CEST (10-24 22:00Z) → 10-26 00:00 CET (10-25 23:00Z)
    expect(businessTimeBetween(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), berlinAllDay)).toBe(25 * H);
    // New York 2026-03-08 (23 h) and 2026-11-01 (25 h)
    expect(businessTimeBetween(at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z'), nyAllDay)).toBe(23 * H);
    expect(businessTimeBetween(at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'), nyAllDay)).toBe(25 * H);
    // …and around the clock, business time is wall time
    expect(businessTimeBetween(at('2026-03-27T10:00:00Z'), at('2026-04-02T10:00:00Z'), berlinAllDay)).toBe(6 * 24 * H);
  });

  it('intervals that touch the skipped or repeated hour', () => {
    // Sunday 01:00-04:00 on the spring-forward day: 01:00 CET (00:00Z) to 04:00 CEST (02:00Z) = 2 h
    const springSunday: Calendar = { timeZone: 'Europe/Berlin', weekly: { sun: ['01:00-04:00'] } };
    expect(businessTimeBetween(at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z'), springSunday)).toBe(2 * H);
    // an interval starting in the skipped hour (02:30 does not exist) opens at 03:30 CEST (01:30Z)
    const inGap: Calendar = { timeZone: 'Europe/Berlin', weekly: { sun: ['02:30-05:00'] } };
    expect(iso(nextOpening(at('2026-03-28T12:00:00Z'), inGap))).toBe('2026-03-29T01:30:00.000Z');
    // fall back: 02:00-03:00 starts at the first 02:00 (00:00Z) and ends at 03:00 CET (02:00Z) = 2 h
    const repeated: Calendar = { timeZone: 'Europe/Berlin', weekly: { sun: ['02:00-03:00'] } };
    expect(businessTimeBetween(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'), repeated)).toBe(2 * H);
  });

  it('inverts addBusinessTime everywhere, DST days included', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const split: Calendar = { timeZone: 'America/New_York', weekly: { ...officeWeek, sat: ['10:00-12:00', '13:00-14:00'], sun: ['22:00-24:00'], mon: ['00:00-02:00', '09:00-17:00'] } };
    for (const cal of [berlin, newYork, split]) {
      for (let i = 0; i < 300; i++) {
        const start = at('2026-01-01T00:00:00Z') + Math.floor(rnd() * 365 * 24 * H);
        const ms = Math.floor(rnd() * 40 * H);
        const due = addBusinessTime(start, ms, cal);
        expect(businessTimeBetween(start, due, cal)).toBe(ms);
        expect(due).toBeGreaterThanOrEqual(start);
      }
    }
  });
});

describe('isOpen, nextOpening, openUntil', () => {
  it('answers for inside, outside, weekend and holiday', () => {
    expect(isOpen(at('2026-12-07T08:00:00Z'), berlin)).toBe(true); // Mon 09:00 CET: opening minute
    expect(isOpen(at('2026-12-07T16:00:00Z'), berlin)).toBe(false); // Mon 17:00: closed
    expect(isOpen(at('2026-12-05T10:00:00Z'), berlin)).toBe(false); // Saturday
    expect(isOpen(at('2026-12-25T10:00:00Z'), berlin)).toBe(false); // holiday
    expect(iso(nextOpening(at('2026-12-04T22:00:00Z'), berlin))).toBe('2026-12-07T08:00:00.000Z');
    expect(nextOpening(at('2026-12-07T10:00:00Z'), berlin)).toBe(at('2026-12-07T10:00:00Z'));
    expect(iso(openUntil(at('2026-12-07T10:00:00Z'), berlin))).toBe('2026-12-07T16:00:00.000Z');
    expect(openUntil(at('2026-12-05T10:00:00Z'), berlin)).toBe(at('2026-12-05T10:00:00Z'));
  });

  it('a shift across midnight is one stretch', () => {
    const nights: Calendar = { timeZone: 'Europe/Berlin', weekly: { mon: ['22:00-24:00'], tue: ['00:00-02:00'] } };
    // Mon 2026-12-07 23:00 CET → open until Tue 02:00 CET (01:00Z)
    expect(iso(openUntil(at('2026-12-07T22:00:00Z'), nights))).toBe('2026-12-08T01:00:00.000Z');
  });
});

describe('timeLeft', () => {
  it('counts business time with a calendar, wall time without', () => {
    const now = at('2026-12-04T15:30:00Z'); // Fri 16:30 CET
    const due = at('2026-12-07T08:15:00Z'); // Mon 09:15 CET
    expect(timeLeft(now, due, berlin)).toBe(45 * MIN);
    expect(timeLeft(now, due, undefined)).toBe(due - now);
  });
});

describe('speed', () => {
  it('100,000 due times over two years of history in a few seconds at worst (days, never minutes)', () => {
    const cal: Calendar = { timeZone: 'Europe/Berlin', weekly: officeWeek, holidays: ['12-25', '12-26', '01-01'] };
    const base = at('2025-01-01T00:00:00Z');
    // warm nothing up: the first pass pays for every day it needs
    const t0 = performance.now();
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += addBusinessTime(base + ((i * 7919 * MIN) % (730 * 24 * H)), 4 * H, cal);
    const ms = performance.now() - t0;
    expect(sum).toBeGreaterThan(0);
    // ~50-70 ms on a quiet 2-core machine; the bound only catches a walk by minutes or hours
    // (orders of magnitude slower), with room for a loaded CI machine.
    expect(ms).toBeLessThan(5000);
  });
});

describe('resolveHours and hoursProblems', () => {
  it('shares the schedule between channels, each part overridable', () => {
    const cals = resolveHours({
      timeZone: 'Europe/Berlin',
      weekly: officeWeek,
      holidays: ['12-25'],
      chat: { weekly: { ...officeWeek, sat: ['10:00-14:00'] } },
    });
    expect(cals.email).toEqual({ timeZone: 'Europe/Berlin', weekly: officeWeek, holidays: ['12-25'] });
    expect(cals.chat?.weekly.sat).toEqual(['10:00-14:00']);
    expect(cals.chat?.holidays).toEqual(['12-25']);
    // only email has hours: chat runs around the clock
    expect(resolveHours({ timeZone: 'Europe/Berlin', email: { weekly: officeWeek } })).toEqual({ email: { timeZone: 'Europe/Berlin', weekly: officeWeek } });
    expect(resolveHours(undefined)).toEqual({});
  });

  it('accepts a good schedule', () => {
    expect(hoursProblems({ timeZone: 'America/New_York', weekly: officeWeek, holidays: ['2026-12-25', '02-29'], chat: { weekly: { mon: ['00:00-24:00'] } } })).toEqual([]);
    expect(hoursProblems(undefined)).toEqual([]);
  });

  it('says clearly what is wrong', () => {
    const one = (v: unknown) => hoursProblems(v).join('\n');
    expect(one({ weekly: officeWeek })).toMatch(/hours.timeZone: missing/);
    expect(one({ timeZone: 'Europe/Berln', weekly: officeWeek })).toMatch(/"Europe\/Berln" is not a time zone/);
    expect(one({ timeZone: 'UTC', weekly: { mon: ['9-17'] } })).toMatch(/hours.weekly.mon: "9-17" is not "HH:MM-HH:MM"/);
    expect(one({ timeZone: 'UTC', weekly: { mon: ['18:00-09:00'] } })).toMatch(/ends before it starts; a shift past midnight is two intervals/);
    expect(one({ timeZone: 'UTC', weekly: { mon: ['09:00-09:00'] } })).toMatch(/ends before it starts/);
    expect(one({ timeZone: 'UTC', weekly: { mon: ['09:00-13:00', '12:00-17:00'] } })).toMatch(/"09:00-13:00" and "12:00-17:00" overlap/);
    expect(one({ timeZone: 'UTC', weekly: { monday: ['09:00-17:00'] } })).toMatch(/hours.weekly.monday: not a day/);
    expect(one({ timeZone: 'UTC', holidays: ['2026-02-30'] })).toMatch(/"2026-02-30" is not a date/);
    expect(one({ timeZone: 'UTC', weekly: { mon: [], sat: [] } })).toMatch(/hours.weekly: email is never open/);
    expect(one({ timeZone: 'UTC', weekly: officeWeek, chat: { weekly: {} } })).toMatch(/hours.chat.weekly: chat is never open/);
    expect(one({ timeZone: 'UTC', wekly: {} })).toMatch(/hours.wekly: unknown key/);
  });
});
