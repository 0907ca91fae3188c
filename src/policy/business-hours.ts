// Business hours: when response targets run. Pure (no I/O, no clock): a calendar is a weekly
// schedule and holidays in the shop's time zone; time zones go through Intl (Node has full ICU).
//
// Fast by construction: the ranker calls addBusinessTime for every stale conversation (100,000
// after a settings change). Everything walks local *days*, never minutes, and each local day's
// open intervals are turned into instants once per calendar and cached (a store holds a few
// hundred distinct days), so a call costs a map lookup or two per day it crosses.
//
// DST: a local day is as long as it really is (23 h or 25 h on a transition day). A wall time
// that does not exist (02:30 when clocks jump from 02:00 to 03:00) is read as the clock before
// the jump would say it (03:30); a wall time that occurs twice is its first occurrence. These are
// Temporal's "compatible" rules, so 00:00-24:00 covers a whole transition day exactly once.
import type { Channel } from '../domain/types.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One channel's business hours, resolved (what the policy uses; plain JSON, cached with the policy). */
export interface Calendar {
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  /** Open intervals per weekday, local "HH:MM-HH:MM" (end may be 24:00). A day not listed is closed. */
  weekly: Partial<Record<Weekday, string[]>>;
  /** Closed all day: "YYYY-MM-DD", or "MM-DD" for every year. */
  holidays?: string[];
}

/** The `hours` settings key: a schedule shared by every channel, each part overridable per channel. */
export interface HoursSettings {
  timeZone: string;
  weekly?: Partial<Record<Weekday, string[]>>;
  holidays?: string[];
  email?: ChannelHours;
  chat?: ChannelHours;
}

export interface ChannelHours {
  /** Replaces the shared weekly schedule for this channel. */
  weekly?: Partial<Record<Weekday, string[]>>;
  /** Replaces the shared holidays for this channel. */
  holidays?: string[];
}

export type Calendars = Partial<Record<Channel, Calendar>>;

const DAY = 86_400_000;
const MIN = 60_000;
/** No open time within this many days: the calendar is broken (validation should have said so). */
const MAX_CLOSED_DAYS = 800;

const INTERVAL = /^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEARLY_DATE = /^(\d{2})-(\d{2})$/;

/**
 * Each channel's calendar: the channel's own weekly/holidays, else the shared ones. A channel with
 * neither (at both levels) has no calendar: its targets run around the clock, as without `hours`.
 */
export function resolveHours(h: HoursSettings | undefined): Calendars {
  const out: Calendars = {};
  if (!h) return out;
  for (const channel of ['email', 'chat'] as const) {
    const own = h[channel];
    const weekly = own?.weekly ?? h.weekly;
    const holidays = own?.holidays ?? h.holidays;
    if (weekly === undefined && holidays === undefined) continue;
    out[channel] = {
      timeZone: h.timeZone,
      weekly: weekly ?? Object.fromEntries(WEEKDAYS.map((d) => [d, ['00:00-24:00']])),
      ...(holidays && holidays.length > 0 ? { holidays } : {}),
    };
  }
  return out;
}

/**
 * What is wrong with an `hours` value, one sentence each (empty when it is fine). The JSON schema
 * checks the shape; this checks what a schema cannot say clearly: the time zone exists, intervals
 * read "HH:MM-HH:MM" and end after they start, a day's intervals do not overlap, dates are real,
 * and every channel with hours is open at some time in the week (else nothing could ever be due).
 */
export function hoursProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (value === undefined) return problems;
  if (!isObject(value)) return ['hours must be an object like {"timeZone": "Europe/Berlin", "weekly": {"mon": ["09:00-17:00"]}}'];
  const known = new Set(['timeZone', 'weekly', 'holidays', 'email', 'chat']);
  for (const k of Object.keys(value)) if (!known.has(k)) problems.push(`hours.${k}: unknown key (expected timeZone, weekly, holidays, email, chat)`);
  if (typeof value.timeZone !== 'string' || !validTimeZone(value.timeZone)) {
    const what = value.timeZone === undefined ? 'missing' : `${JSON.stringify(value.timeZone)} is not a time zone`;
    problems.push(`hours.timeZone: ${what}; use an IANA name such as "Europe/Berlin" or "America/New_York"`);
  }
  checkWeekly(value.weekly, 'hours.weekly', problems);
  checkHolidays(value.holidays, 'hours.holidays', problems);
  for (const channel of ['email', 'chat'] as const) {
    const c = value[channel];
    if (c === undefined) continue;
    if (!isObject(c)) {
      problems.push(`hours.${channel} must be an object with "weekly" and/or "holidays"`);
      continue;
    }
    for (const k of Object.keys(c)) if (k !== 'weekly' && k !== 'holidays') problems.push(`hours.${channel}.${k}: unknown key (expected weekly, holidays)`);
    checkWeekly(c.weekly, `hours.${channel}.weekly`, problems);
    checkHolidays(c.holidays, `hours.${channel}.holidays`, problems);
  }
  if (problems.length > 0) return problems;
  const calendars = resolveHours(value as unknown as HoursSettings);
  for (const channel of ['email', 'chat'] as const) {
    const cal = calendars[channel];
    if (cal && weeklyOpenMinutes(cal.weekly) === 0) {
      const where = (value as unknown as HoursSettings)[channel]?.weekly ? `hours.${channel}.weekly` : 'hours.weekly';
      problems.push(`${where}: ${channel} is never open (no open time on any day), so its targets could never be met; give it at least one interval such as "09:00-17:00"`);
    }
  }
  return problems;
}

function checkWeekly(weekly: unknown, where: string, problems: string[]): void {
  if (weekly === undefined) return;
  if (!isObject(weekly)) {
    problems.push(`${where} must be an object of days, e.g. {"mon": ["09:00-17:00"], "sat": []}`);
    return;
  }
  for (const [day, list] of Object.entries(weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push(`${where}.${day}: not a day (use ${WEEKDAYS.join(', ')})`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`${where}.${day} must be a list of "HH:MM-HH:MM" intervals ([] = closed)`);
      continue;
    }
    const spans: Array<[number, number, string]> = [];
    for (const item of list) {
      const span = typeof item === 'string' ? parseInterval(item) : null;
      if (!span) {
        problems.push(`${where}.${day}: ${JSON.stringify(item)} is not "HH:MM-HH:MM" (24-hour clock, e.g. "09:00-17:30"; "24:00" may end a day)`);
      } else if (span[1] <= span[0]) {
        problems.push(`${where}.${day}: "${item}" ends before it starts; a shift past midnight is two intervals, e.g. mon ["22:00-24:00"] and tue ["00:00-02:00"]`);
      } else spans.push([span[0], span[1], item as string]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      const prev = spans[i - 1] as [number, number, string];
      const cur = spans[i] as [number, number, string];
      if (cur[0] < prev[1]) problems.push(`${where}.${day}: "${prev[2]}" and "${cur[2]}" overlap`);
    }
  }
}

function checkHolidays(holidays: unknown, where: string, problems: string[]): void {
  if (holidays === undefined) return;
  if (!Array.isArray(holidays)) {
    problems.push(`${where} must be a list of dates ("2026-12-25", or "12-25" for every year)`);
    return;
  }
  for (const h of holidays) {
    if (typeof h !== 'string' || !validHoliday(h)) problems.push(`${where}: ${JSON.stringify(h)} is not a date ("2026-12-25", or "12-25" for every year)`);
  }
}

function validHoliday(s: string): boolean {
  const full = FULL_DATE.exec(s);
  if (full) {
    const [y, m, d] = [Number(full[1]), Number(full[2]), Number(full[3])];
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }
  const yearly = YEARLY_DATE.exec(s);
  if (!yearly) return false;
  const [m, d] = [Number(yearly[1]), Number(yearly[2])];
  const t = new Date(Date.UTC(2024, m - 1, d)); // a leap year: "02-29" is a date
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** [startMinute, endMinute] of "HH:MM-HH:MM", or null when it does not read as one. */
function parseInterval(s: string): [number, number] | null {
  const m = INTERVAL.exec(s);
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = m[5] ? 24 * 60 : Number(m[3]) * 60 + Number(m[4]);
  return [start, end];
}

function weeklyOpenMinutes(weekly: Calendar['weekly']): number {
  let total = 0;
  for (const day of WEEKDAYS) for (const s of weekly[day] ?? []) {
    const span = parseInterval(s);
    if (span && span[1] > span[0]) total += span[1] - span[0];
  }
  return total;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/* ---------- the compiled calendar ---------- */

interface Day {
  /** First instant of the local day, and of the next one. */
  start: number;
  end: number;
  /** Open intervals as instants, sorted, not overlapping (adjacent ones merged). */
  open: Array<[number, number]>;
}

interface Compiled {
  offsetAt: (t: number) => number;
  /** Local minutes-of-day intervals per weekday (0 = Monday), merged. */
  weekly: Array<Array<[number, number]>>;
  holidays: Set<string>;
  days: Map<number, Day>;
  /** Offset at 00:00 UTC of each UTC day (Intl is slow, ~30 µs a call: one call per day). */
  midnightOffsets: Map<number, number>;
}

const compiledCache = new WeakMap<Calendar, Compiled>();
const offsetFns = new Map<string, (t: number) => number>();

function offsetFn(timeZone: string): (t: number) => number {
  let fn = offsetFns.get(timeZone);
  if (fn) return fn;
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** ms to add to UTC to get the local wall clock at instant t. */
  fn = (t: number) => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year as number, (p.month as number) - 1, p.day as number, p.hour as number, p.minute as number, p.second as number);
    return wall - Math.floor(t / 1000) * 1000;
  };
  offsetFns.set(timeZone, fn);
  return fn;
}

function compile(cal: Calendar): Compiled {
  let c = compiledCache.get(cal);
  if (c) return c;
  const weekly = WEEKDAYS.map((d) => merged((cal.weekly[d] ?? []).map(parseInterval).filter((x): x is [number, number] => x !== null && x[1] > x[0])));
  c = { offsetAt: offsetFn(cal.timeZone), weekly, holidays: new Set(cal.holidays ?? []), days: new Map(), midnightOffsets: new Map() };
  compiledCache.set(cal, c);
  return c;
}

function merged(spans: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

/** The instant a local wall time (ms since the epoch, as if UTC) happens; see the DST note above. */
function instantOf(c: Compiled, wall: number): number {
  const before = c.offsetAt(wall - DAY);
  const after = c.offsetAt(wall + DAY);
  if (before === after) return wall - before;
  const a = wall - before;
  const b = wall - after;
  const aOk = a + c.offsetAt(a) === wall;
  const bOk = b + c.offsetAt(b) === wall;
  if (aOk && bOk) return Math.min(a, b); // occurs twice: the first time
  if (bOk) return b;
  return a; // valid, or in a gap: the clock before the jump
}

/** Local day number (days since 1970-01-01 on the local calendar). */
function midnightOffset(c: Compiled, utcDay: number): number {
  let off = c.midnightOffsets.get(utcDay);
  if (off === undefined) {
    off = c.offsetAt(utcDay * DAY);
    if (c.midnightOffsets.size > 50_000) c.midnightOffsets.clear();
    c.midnightOffsets.set(utcDay, off);
  }
  return off;
}

function dayNumberOf(c: Compiled, t: number): number {
  let n = Math.floor((t + midnightOffset(c, Math.floor(t / DAY))) / DAY);
  // The guess is off by at most one day (an offset change on this UTC day).
  const d = day(c, n);
  if (t < d.start) n--;
  else if (t >= d.end) n++;
  return n;
}

function day(c: Compiled, n: number): Day {
  let d = c.days.get(n);
  if (d) return d;
  const wall0 = n * DAY;
  const date = new Date(wall0).toISOString().slice(0, 10);
  const closed = c.holidays.has(date) || c.holidays.has(date.slice(5));
  const weekday = (((n + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday
  // Local day n lies within UTC days n-1 .. n+1 (offsets are within ±14 h). The same offset on
  // both sides: no transition near, every wall time of the day is plain subtraction (the usual
  // case, two cached lookups); else the careful way.
  const before = midnightOffset(c, n - 1);
  const steady = before === midnightOffset(c, n + 2);
  const at = (wall: number) => (steady ? wall - before : instantOf(c, wall));
  const open: Array<[number, number]> = [];
  if (!closed) {
    for (const [s, e] of c.weekly[weekday] as Array<[number, number]>) {
      const from = at(wall0 + s * MIN);
      const to = at(wall0 + e * MIN);
      if (to > from) open.push([from, to]);
    }
  }
  d = { start: at(wall0), end: at(wall0 + DAY), open };
  if (c.days.size > 50_000) c.days.clear();
  c.days.set(n, d);
  return d;
}

function noOpenTime(cal: Calendar): Error {
  return new Error(`business hours (${cal.timeZone}): no open time within ${MAX_CLOSED_DAYS} days; check the weekly schedule and holidays`);
}

/* ---------- the four questions ---------- */

/** Whether the shop is open at instant t. */
export function isOpen(t: number, cal: Calendar): boolean {
  const c = compile(cal);
  return day(c, dayNumberOf(c, t)).open.some(([s, e]) => t >= s && t < e);
}

/** The first instant at or after t when the shop is open (t itself when open). */
export function nextOpening(t: number, cal: Calendar): number {
  const c = compile(cal);
  const first = dayNumberOf(c, t);
  for (let n = first; n < first + MAX_CLOSED_DAYS; n++) {
    for (const [s, e] of day(c, n).open) if (e > t) return Math.max(s, t);
  }
  throw noOpenTime(cal);
}

/**
 * When the open stretch containing t ends (stretches that touch across midnight count as one);
 * t itself when closed. With nextOpening: when isOpen(t) next changes (the relay's timer).
 */
export function openUntil(t: number, cal: Calendar): number {
  const c = compile(cal);
  const first = dayNumberOf(c, t);
  let end = t;
  for (let n = first; n < first + MAX_CLOSED_DAYS; n++) {
    for (const [s, e] of day(c, n).open) {
      if (e <= end) continue;
      if (s > end) return end;
      end = e;
    }
  }
  return end; // open around the clock for that long: far enough for any caller
}

/** The instant at which `ms` of business time has passed since `start` (start itself for 0). */
export function addBusinessTime(start: number, ms: number, cal: Calendar): number {
  if (ms <= 0) return start;
  const c = compile(cal);
  let left = ms;
  let closedDays = 0;
  for (let n = dayNumberOf(c, start); ; n++) {
    const d = day(c, n);
    for (const [s, e] of d.open) {
      if (e <= start) continue;
      const from = Math.max(s, start);
      if (left <= e - from) return from + left;
      left -= e - from;
    }
    closedDays = d.open.length === 0 ? closedDays + 1 : 0;
    if (closedDays >= MAX_CLOSED_DAYS) throw noOpenTime(cal);
  }
}

/** Business time from a to b in ms (negative when b is before a). */
export function businessTimeBetween(a: number, b: number, cal: Calendar): number {
  if (b < a) return -businessTimeBetween(b, a, cal);
  const c = compile(cal);
  let total = 0;
  const last = dayNumberOf(c, b);
  for (let n = dayNumberOf(c, a); n <= last; n++) {
    for (const [s, e] of day(c, n).open) {
      const from = Math.max(s, a);
      const to = Math.min(e, b);
      if (to > from) total += to - from;
    }
  }
  return total;
}

/** ms from `now` to `due` as a calendar counts (wall time without one): negative when overdue. */
export function timeLeft(now: number, due: number, cal: Calendar | undefined): number {
  return cal ? businessTimeBetween(now, due, cal) : due - now;
}
