// Queue order: breached first (most overdue first), then least time to breach, then priority,
// then longest waiting; ties by id so the order is stable while nothing changes. Pure.
import type { Channel, Priority } from '../domain/types.js';
import { PRIORITIES } from '../domain/types.js';
import { dueAt, isVip, type SlaFacts, type SlaSettings } from './sla.js';

export interface QueueFacts extends SlaFacts {
  id: number;
  channel: Channel;
  priority: Priority;
  /** Latest activity (epoch ms): orders conversations nobody waits on, most recent first. */
  lastMessageAt?: number | null;
}

export interface Ranked<T extends QueueFacts = QueueFacts> {
  item: T;
  dueAt: number | null;
  /** ms until breach; negative when breached; null when nobody waits. */
  timeLeft: number | null;
  breached: boolean;
  vip: boolean;
  /** Why it sits where it does, for the UI: "overdue 3m · chat · VIP". */
  reasons: string[];
}

const PRIORITY_RANK: Record<Priority, number> = Object.fromEntries(PRIORITIES.map((p, i) => [p, i])) as Record<Priority, number>;

export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "overdue 3m" / "due in 2h": time left to a target, as the queue explains itself. */
export function timeLeftLabel(ms: number): string {
  return ms < 0 ? `overdue ${formatDuration(ms)}` : `due in ${formatDuration(ms)}`;
}

/** "-3m" / "2h": the same in a table cell. */
export function timeLeftCell(ms: number): string {
  return ms < 0 ? `-${formatDuration(ms)}` : formatDuration(ms);
}

export function rank<T extends QueueFacts>(item: T, s: SlaSettings, now: number): Ranked<T> {
  const due = dueAt(item, s);
  const timeLeft = due === null ? null : due - now;
  const breached = timeLeft !== null && timeLeft < 0;
  const vip = isVip(item.customerEmails, s.vip);
  const reasons: string[] = [];
  if (timeLeft !== null) reasons.push(timeLeftLabel(timeLeft));
  reasons.push(item.channel);
  if (item.priority !== 'normal') reasons.push(item.priority);
  if (vip) reasons.push('VIP');
  return { item, dueAt: due, timeLeft, breached, vip, reasons };
}

/**
 * Breached first (most overdue first) then least time to breach is one key: the due time, earliest
 * first. Nobody waiting sorts after every due time, most recent activity first. Then priority, then
 * longest waiting, then id. The store's index (store/ranks.ts queue_key) keeps exactly this order.
 */
export function compareRanked(a: Ranked, b: Ranked): number {
  const ka = a.dueAt ?? Number.MAX_SAFE_INTEGER - (a.item.lastMessageAt ?? 0);
  const kb = b.dueAt ?? Number.MAX_SAFE_INTEGER - (b.item.lastMessageAt ?? 0);
  if (ka !== kb) return ka - kb;
  const p = PRIORITY_RANK[a.item.priority] - PRIORITY_RANK[b.item.priority];
  if (p !== 0) return p;
  const wa = a.item.waitingSince ?? -1;
  const wb = b.item.waitingSince ?? -1;
  if (wa !== wb) return wa - wb;
  return a.item.id - b.item.id;
}

export function orderQueue<T extends QueueFacts>(items: T[], s: SlaSettings, now: number): Ranked<T>[] {
  return items.map((i) => rank(i, s, now)).sort(compareRanked);
}
