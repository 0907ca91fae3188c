// Queue order. Pure: facts + settings + a clock passed in.
//
// Conversations that can still make their target, and those that only just missed it, come in
// order of their due time (least time left first). One that missed its target by more than
// `graceTargets` of its own target has already failed: it is **backlog**, and backlog waits just
// behind whatever is due within its channel's `backlogAfterMinutes`, oldest first. So a months-old
// email never buries a live chat, and the backlog still drains whenever fresh work leaves room (no
// starvation). The numbers were chosen with the queue simulation (`npm run simulate`, README).
import type { Channel, Priority } from '../domain/types.js';
import { PRIORITIES } from '../domain/types.js';
import { addBusinessTime, timeLeft as businessTimeLeft } from './business-hours.js';
import { calendarOf, DEFAULT_QUEUE_ORDER, dueAt, isVip, type QueueOrder, queueOrderOf, type SlaFacts, type SlaSettings, targetMinutes } from './sla.js';

export { DEFAULT_QUEUE_ORDER, type QueueOrder };

export interface QueueFacts extends SlaFacts {
  id: number;
  /** The number people use (domain/team.ts); null until the team's hub numbers it; absent: the id. */
  number?: number | null;
  channel: Channel;
  priority: Priority;
  /** Latest activity (epoch ms): orders conversations nobody waits on, most recent first. */
  lastMessageAt?: number | null;
}

export interface Ranked<T extends QueueFacts = QueueFacts> {
  item: T;
  dueAt: number | null;
  /** The response target in ms (due time minus waiting since); null when nobody waits. */
  targetMs: number | null;
  /** ms until breach; negative when breached; null when nobody waits. */
  timeLeft: number | null;
  /** The same in business time (open hours of the channel's calendar); equal to timeLeft without one. */
  openLeft: number | null;
  breached: boolean;
  /** Breached by more than the grace: ordered as backlog. */
  backlog: boolean;
  vip: boolean;
  /** The primary sort key at the clock it was ranked with (see compareRanked). */
  sortKey: number;
  /** Why it sits where it does, for the UI: "overdue 3m · chat · VIP". */
  reasons: string[];
}

/** Sort key of conversations nobody waits on: after every due time, the most recent activity first. */
export const NOT_WAITING_KEY = Number.MAX_SAFE_INTEGER;

const PRIORITY_RANK: Record<Priority, number> = Object.fromEntries(PRIORITIES.map((p, i) => [p, i])) as Record<Priority, number>;
const MIN = 60_000;

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

/** When a waiting conversation turns into backlog (its due time plus the grace, in business time); null when nobody waits. */
export function backlogAt(f: SlaFacts, s: SlaSettings): number | null {
  const due = dueAt(f, s);
  if (due === null) return null;
  const grace = Math.round(queueOrderOf(s).graceTargets * targetMinutes(f, s) * MIN);
  const cal = calendarOf(s, f.channel);
  return cal && grace > 0 ? addBusinessTime(due, grace, cal) : due + grace;
}

/** How far ahead of the clock a channel's backlog sorts, in ms. */
export const backlogLeadMs = (channel: Channel, s: SlaSettings): number => Math.round((queueOrderOf(s).backlogAfterMinutes[channel] ?? 0) * MIN);

export function rank<T extends QueueFacts>(item: T, s: SlaSettings, now: number): Ranked<T> {
  const due = dueAt(item, s);
  const timeLeft = due === null ? null : due - now;
  const breached = timeLeft !== null && timeLeft < 0;
  const late = backlogAt(item, s);
  const backlog = late !== null && now >= late;
  const vip = isVip(item.customerEmails, s.vip);
  const reasons: string[] = [];
  if (timeLeft !== null) reasons.push(timeLeftLabel(timeLeft));
  reasons.push(item.channel);
  if (backlog) reasons.push('backlog');
  if (item.priority !== 'normal') reasons.push(item.priority);
  if (vip) reasons.push('VIP');
  const sortKey = backlog ? now + backlogLeadMs(item.channel, s) : (due ?? NOT_WAITING_KEY - (item.lastMessageAt ?? 0));
  const targetMs = due === null || item.waitingSince === null ? null : due - item.waitingSince;
  const openLeft = due === null ? null : businessTimeLeft(now, due, calendarOf(s, item.channel));
  return { item, dueAt: due, targetMs, timeLeft, openLeft, breached, backlog, vip, sortKey, reasons };
}

/**
 * The sort key first (due time; backlog at the clock plus its channel's lead; nobody waiting after
 * every due time, most recent activity first); at an equal key the conversation that can still be
 * saved before backlog; then the due time (backlog drains oldest first), priority, longest waiting,
 * id. The store (store/queue-order.ts) reads exactly this order from its indexes.
 */
export function compareRanked(a: Ranked, b: Ranked): number {
  if (a.sortKey !== b.sortKey) return a.sortKey - b.sortKey;
  if (a.backlog !== b.backlog) return a.backlog ? 1 : -1;
  const da = a.dueAt ?? NOT_WAITING_KEY;
  const db = b.dueAt ?? NOT_WAITING_KEY;
  if (da !== db) return da - db;
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
