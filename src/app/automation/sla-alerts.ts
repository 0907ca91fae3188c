// sla.warning / sla.breached: announced into the event log by whichever process watches (so they
// get a seq, replay with `watch --since` and reach hooks), once per waiting message and due time.
// The lead time is focus mode's breakthrough lead (`focus.breakthrough.leadMinutes`, per channel):
// "about to breach" means the same thing in the console and in a script. A lead of 0: no warning.
// With business hours the lead counts open time too: an email due at 09:10 on Monday with a 30 min
// lead is "about to breach" from 16:40 on Friday (only 30 open minutes are left), not at 08:40.
import type { Channel } from '../../domain/types.js';
import { addBusinessTime, businessTimeBetween, type Calendar, type Calendars } from '../../policy/business-hours.js';
import type { Db } from '../../store/db.js';
import { announcedKey, pruneSlaMemory, recordSlaAlerts, type SlaAlert, type SlaCandidate, slaCandidates, slaHorizon } from '../../store/sla-alerts.js';

const MIN = 60_000;

/**
 * The alert a candidate is owed now, or null. Pure. Past the due time only `sla.breached` (a warning
 * that was missed while nobody watched is not worth sending late); within the lead `sla.warning`,
 * unless that or the breach was announced for this due time already.
 */
export function slaAlertFor(c: SlaCandidate, leadMinutes: number, now: number, calendar?: Calendar): SlaAlert | null {
  const base = { conversationId: c.conversationId, channel: c.channel, dueAt: c.dueAt, leadMinutes };
  const breached = announcedKey('sla.breached', c.dueAt);
  if (now >= c.dueAt) return c.announced === breached ? null : { kind: 'sla.breached', ...base };
  const left = calendar ? businessTimeBetween(now, c.dueAt, calendar) : c.dueAt - now;
  if (leadMinutes <= 0 || left > leadMinutes * MIN) return null;
  return c.announced === breached || c.announced === announcedKey('sla.warning', c.dueAt) ? null : { kind: 'sla.warning', ...base };
}

/**
 * Checks due times against the clock and appends the alerts owed. Cheap: an index range over the
 * conversations due before now + the longest lead. Ranks (due_at) must be fresh; the caller refreshes them.
 * @returns how many alerts were appended
 */
export function announceSlaAlerts(db: Db, leadMinutes: Record<Channel, number>, now: number, calendars: Calendars = {}): number {
  const horizon = slaHorizon(db, now);
  // The latest due time any channel's lead reaches (over a weekend, with business hours).
  const until = Math.max(
    now,
    ...(Object.entries(leadMinutes) as Array<[Channel, number]>).map(([channel, lead]) => {
      const cal = calendars[channel];
      return cal ? addBusinessTime(now, Math.max(0, lead) * MIN, cal) : now + Math.max(0, lead) * MIN;
    }),
  );
  const alerts: SlaAlert[] = [];
  for (const c of slaCandidates(db, horizon, until)) {
    const alert = slaAlertFor(c, leadMinutes[c.channel] ?? 0, now, calendars[c.channel]);
    if (alert) alerts.push(alert);
  }
  return recordSlaAlerts(db, alerts, now);
}

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * For a long-running process (attend watch, the console): call `tick` often — after refreshing
 * the ranks — and it announces what is owed and now and then forgets what no longer waits.
 */
export class SlaAlerter {
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  tick(leadMinutes: Record<Channel, number>, calendars?: Calendars): number {
    const now = this.now();
    const n = announceSlaAlerts(this.db, leadMinutes, now, calendars);
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      pruneSlaMemory(this.db);
      this.lastPrune = now;
    }
    return n;
  }
}
