// Chat hours at the relay: outside them the widget says the chat is closed (and when it opens) and
// offers to leave an email, as when no agent is online. The relay only reads the calendar; the
// schedule is the shop's `hours` setting (chat's, or the shared one), handed over at start.
import { type Calendar, isOpen, nextOpening, openUntil } from '../policy/business-hours.js';

/** What visitors are told about the hours: `opensAt` (ISO) only while closed. */
export interface HoursStatus {
  open: boolean;
  opensAt?: string;
}

export function hoursStatus(cal: Calendar | undefined, now: number): HoursStatus {
  if (!cal || isOpen(now, cal)) return { open: true };
  return { open: false, opensAt: new Date(nextOpening(now, cal)).toISOString() };
}

/** Longest wait between checks: timers this long stay exact, and a clock jump is caught within it. */
const MAX_WAIT_MS = 60 * 60_000;

/**
 * Calls `changed` whenever the chat opens or closes, until stopped. One timer, set for the next
 * change (at most an hour away, then checked again).
 */
export function watchHours(cal: Calendar, now: () => number, changed: (status: HoursStatus) => void): () => void {
  let last = hoursStatus(cal, now()).open;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    const t = now();
    const next = isOpen(t, cal) ? openUntil(t, cal) : nextOpening(t, cal);
    timer = setTimeout(check, Math.min(Math.max(next - t, 0) + 50, MAX_WAIT_MS));
    timer.unref();
  };
  const check = () => {
    const status = hoursStatus(cal, now());
    if (status.open !== last) {
      last = status.open;
      changed(status);
    }
    schedule();
  };
  schedule();
  return () => clearTimeout(timer);
}
