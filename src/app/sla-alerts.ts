// sla.warning / sla.breached: announced into the event log by whichever process watches (so they
// get a seq, replay with `watch --since` and reach hooks), once per waiting message and due time.
// The lead time is focus mode's breakthrough lead (`focus.breakthrough.leadMinutes`, per channel):
// "about to breach" means the same thing in the console and in a script. A lead of 0: no warning.
import type { Channel } from '../domain/types.js';
import type { Db } from '../store/db.js';
import { announcedKey, pruneSlaMemory, recordSlaAlerts, type SlaAlert, type SlaCandidate, slaCandidates, slaHorizon } from '../store/sla-alerts.js';

const MIN = 60_000;

/**
 * The alert a candidate is owed now, or null. Pure. Past the due time only `sla.breached` (a warning
 * that was missed while nobody watched is not worth sending late); within the lead `sla.warning`,
 * unless that or the breach was announced for this due time already.
 */
export function slaAlertFor(c: SlaCandidate, leadMinutes: number, now: number): SlaAlert | null {
  const base = { conversationId: c.conversationId, channel: c.channel, dueAt: c.dueAt, leadMinutes };
  const breached = announcedKey('sla.breached', c.dueAt);
  if (now >= c.dueAt) return c.announced === breached ? null : { kind: 'sla.breached', ...base };
  if (leadMinutes <= 0 || now < c.dueAt - leadMinutes * MIN) return null;
  return c.announced === breached || c.announced === announcedKey('sla.warning', c.dueAt) ? null : { kind: 'sla.warning', ...base };
}

/**
 * Checks due times against the clock and appends the alerts owed. Cheap: an index range over the
 * conversations due before now + the longest lead. Ranks (due_at) must be fresh; the caller refreshes them.
 * @returns how many alerts were appended
 */
export function announceSlaAlerts(db: Db, leadMinutes: Record<Channel, number>, now: number): number {
  const horizon = slaHorizon(db, now);
  const maxLead = Math.max(0, ...Object.values(leadMinutes));
  const alerts: SlaAlert[] = [];
  for (const c of slaCandidates(db, horizon, now + maxLead * MIN)) {
    const alert = slaAlertFor(c, leadMinutes[c.channel] ?? 0, now);
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

  tick(leadMinutes: Record<Channel, number>): number {
    const now = this.now();
    const n = announceSlaAlerts(this.db, leadMinutes, now);
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      pruneSlaMemory(this.db);
      this.lastPrune = now;
    }
    return n;
  }
}
