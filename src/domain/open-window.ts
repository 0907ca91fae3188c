// The open window of an email account: on its first sync, a conversation whose newest customer
// message arrived before `now - window` is imported as history (listable, searchable, never in
// the queue, never announced) instead of flooding the queue with months of old mail.
// Pure: parsing, formatting and the one decision every writer shares.

export const DEFAULT_OPEN_WINDOW = '14d';

const UNIT_MS = { h: 3_600_000, d: 86_400_000 } as const;

/** What the settings file may hold: "0", or a whole number of days or hours. */
export const OPEN_WINDOW_PATTERN = '^(0|[1-9][0-9]{0,4}[dh])$';

/**
 * "14d", "36h", "0" (everything open) → milliseconds; null when unreadable.
 * Whole numbers only: the window is a rough line, not a stopwatch.
 */
export function parseOpenWindow(input: string): number | null {
  const s = input.trim().toLowerCase();
  if (s === '0' || s === '0d' || s === '0h') return 0;
  const m = /^([1-9][0-9]{0,4})\s*(d|h)$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] as 'd' | 'h'];
}

/** The canonical form stored in settings ("30d", "36h", "0"). Call with a value parseOpenWindow accepted. */
export function normalizeOpenWindow(input: string): string {
  const s = input.trim().toLowerCase().replace(/\s+/g, '');
  return parseOpenWindow(s) === 0 ? '0' : s;
}

/** An account's window in ms (the default when the setting is absent or unreadable). */
export function openWindowMs(setting: string | undefined): number {
  return parseOpenWindow(setting ?? DEFAULT_OPEN_WINDOW) ?? (parseOpenWindow(DEFAULT_OPEN_WINDOW) as number);
}

/** "14 days", "36 hours", "1 day": for the first sync's summary line. */
export function describeOpenWindow(ms: number): string {
  if (ms === 0) return 'everything open';
  if (ms % UNIT_MS.d === 0) {
    const d = ms / UNIT_MS.d;
    return `${d} day${d === 1 ? '' : 's'}`;
  }
  const h = Math.round(ms / UNIT_MS.h);
  return `${h} hour${h === 1 ? '' : 's'}`;
}

/**
 * The line before which a first sync's messages are history; undefined when nothing is (window 0).
 * Mail that is not part of a first sync is never history, whatever its age (the caller's part).
 */
export function historyCutoff(windowMs: number, now: number): number | undefined {
  return windowMs > 0 ? now - windowMs : undefined;
}

/** Clock skew tolerated before a server's INTERNALDATE counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * When a message reached the server: its INTERNALDATE; the Date header when INTERNALDATE is
 * absent or in the future (a server clock that is wrong); never later than now (a message cannot
 * have arrived after it was fetched). Waiting times and response times count from this.
 */
export function arrivalTime(internalDate: number | null, dateHeader: number | null, now: number): number {
  const plausible = (t: number | null): t is number => t !== null && Number.isFinite(t) && t > 0 && t <= now + FUTURE_SKEW_MS;
  if (plausible(internalDate)) return Math.min(internalDate, now);
  if (plausible(dateHeader)) return Math.min(dateHeader, now);
  return now;
}
