// What the SLA alerts (app/sla-alerts.ts) read and write: open conversations near or past their due
// time, and which alert was announced for which due time. That memory lives in `meta` (key
// `sla:<id>`, value `<kind>@<dueAt>`) so a restart, or a second watcher, never announces twice.
import type { Channel } from '../domain/types.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { getMeta, putMeta } from './ranks.js';
import { stmt } from './statements.js';

export type SlaAlertKind = 'sla.warning' | 'sla.breached';

export interface SlaCandidate {
  conversationId: number;
  channel: Channel;
  dueAt: number;
  /** What was announced last for this conversation (`<kind>@<dueAt>`), or null. */
  announced: string | null;
}

export interface SlaAlert {
  kind: SlaAlertKind;
  conversationId: number;
  channel: Channel;
  dueAt: number;
  leadMinutes: number;
}

export const announcedKey = (kind: SlaAlertKind, dueAt: number): string => `${kind}@${dueAt}`;
const memoryKey = (conversationId: number) => `sla:${conversationId}`;

/**
 * When this store was first watched. Due times before it are never announced: the first
 * `attend watch` after importing years of mail must not fire thousands of stale alarms.
 */
export function slaHorizon(db: Db, now: number): number {
  return db
    .transaction(() => {
      const known = Number(getMeta(db, 'sla.since') ?? Number.NaN);
      if (Number.isFinite(known)) return known;
      putMeta(db, 'sla.since', String(now));
      return now;
    })
    .immediate();
}

/** Open conversations whose due time is in [from, until], with what was announced for them (an index range). */
export function slaCandidates(db: Db, from: number, until: number): SlaCandidate[] {
  const rows = stmt(
    db,
    `SELECT c.id, c.channel, c.due_at, m.value AS announced FROM conversations c
     LEFT JOIN meta m ON m.key = 'sla:' || c.id
     WHERE c.status = 'open' AND c.queue_key BETWEEN ? AND ? AND c.due_at IS NOT NULL`,
  ).all(from, until) as Array<{ id: number; channel: Channel; due_at: number; announced: string | null }>;
  return rows.map((r) => ({ conversationId: r.id, channel: r.channel, dueAt: r.due_at, announced: r.announced }));
}

/**
 * Appends the alerts to the event log and remembers them, in one transaction. An alert another
 * process announced meanwhile (same kind, same due time) is skipped. Returns how many were appended.
 */
export function recordSlaAlerts(db: Db, alerts: readonly SlaAlert[], now: number): number {
  if (alerts.length === 0) return 0;
  return db
    .transaction(() => {
      let n = 0;
      for (const a of alerts) {
        const announced = getMeta(db, memoryKey(a.conversationId));
        const key = announcedKey(a.kind, a.dueAt);
        if (announced === key || (a.kind === 'sla.warning' && announced === announcedKey('sla.breached', a.dueAt))) continue;
        const data = a.kind === 'sla.warning' ? { dueAt: a.dueAt, leadMinutes: a.leadMinutes, channel: a.channel } : { dueAt: a.dueAt, channel: a.channel };
        appendEvent(db, a.kind, a.conversationId, now, data);
        putMeta(db, memoryKey(a.conversationId), key);
        n++;
      }
      return n;
    })
    .immediate();
}

/** Forgets alerts for conversations nobody waits on any more, or that got a new due time. */
export function pruneSlaMemory(db: Db): number {
  return stmt(
    db,
    `DELETE FROM meta WHERE key GLOB 'sla:*' AND NOT EXISTS (
       SELECT 1 FROM conversations c WHERE c.id = CAST(substr(meta.key, 5) AS INTEGER)
         AND c.due_at = CAST(substr(meta.value, instr(meta.value, '@') + 1) AS INTEGER))`,
  ).run().changes;
}
