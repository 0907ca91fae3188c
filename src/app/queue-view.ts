// Reads the queue as the policy sees it (Ranked items), from the ranks cached in the store.
import type { Channel, Priority } from '../domain/types.js';
import type { QueueFacts, Ranked } from '../policy/queue.js';
import { timeLeftLabel } from '../policy/queue.js';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';

interface Row {
  id: number;
  channel: Channel;
  priority: Priority;
  waiting_since: number | null;
  first_response_at: number | null;
  last_message_at: number | null;
  due_at: number | null;
  vip: number;
  rank_reasons: string;
}

const COLUMNS = 'id, channel, priority, waiting_since, first_response_at, last_message_at, due_at, vip, rank_reasons';

function toRanked(r: Row, now: number): Ranked<QueueFacts> {
  const timeLeft = r.due_at === null ? null : r.due_at - now;
  return {
    item: {
      id: r.id,
      channel: r.channel,
      priority: r.priority,
      waitingSince: r.waiting_since,
      answeredBefore: r.first_response_at !== null,
      customerEmails: [],
      lastMessageAt: r.last_message_at,
    },
    dueAt: r.due_at,
    timeLeft,
    breached: timeLeft !== null && timeLeft < 0,
    vip: r.vip === 1,
    reasons: JSON.parse(r.rank_reasons) as string[],
  };
}

/** Open conversations someone waits on, in queue order (the head of the queue: what focus picks from). */
export function waitingQueue(db: Db, now: number, limit = 1000): Ranked<QueueFacts>[] {
  const rows = stmt(db, `SELECT ${COLUMNS} FROM conversations WHERE status = 'open' AND waiting_since IS NOT NULL ORDER BY queue_key, priority_rank, waiting_since, id LIMIT ?`)
    .all(limit) as Row[];
  return rows.map((r) => toRanked(r, now));
}

export function rankedOne(db: Db, id: number, now: number): Ranked<QueueFacts> | undefined {
  const r = stmt(db, `SELECT ${COLUMNS} FROM conversations WHERE id = ?`).get(id) as Row | undefined;
  return r ? toRanked(r, now) : undefined;
}

/** The time part of a rank's reasons for a stored due time ("overdue 3m"), or "" when nobody waits. */
export function dueLabel(dueAt: string | number | null, now: number): string {
  if (dueAt === null) return '';
  return timeLeftLabel((typeof dueAt === 'number' ? dueAt : Date.parse(dueAt)) - now);
}
