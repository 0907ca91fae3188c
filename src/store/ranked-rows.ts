// The cached rank of conversations as rows, for the app to turn into the policy's Ranked items
// (app/queue-view.ts): the waiting head of the queue in queue order, or one conversation.
import type { Channel, Priority } from '../domain/types.js';
import type { Db } from './db.js';
import { readInQueueOrder } from './queue-order.js';
import { stmt } from './statements.js';

export interface RankedRow {
  id: number;
  number: number | null;
  channel: Channel;
  priority: Priority;
  waiting_since: number | null;
  first_response_at: number | null;
  last_message_at: number | null;
  due_at: number | null;
  vip: number;
  rank_reasons: string;
  queue_key: number;
  backlog_slot: number;
}

const COLUMNS = 'c.id, c.number, c.channel, c.priority, c.waiting_since, c.first_response_at, c.last_message_at, c.due_at, c.vip, c.rank_reasons, c.queue_key, c.backlog_slot';

/** Open conversations someone waits on, in queue order at `now`. */
export function waitingRows(db: Db, now: number, limit: number): RankedRow[] {
  return readInQueueOrder<RankedRow>(db, {
    select: `SELECT ${COLUMNS} FROM conversations c`,
    from: 'FROM conversations c',
    where: "c.status = 'open' AND c.waiting_since IS NOT NULL",
    args: [],
    now,
    limit,
  });
}

export function rankedRow(db: Db, id: number): RankedRow | undefined {
  return stmt(db, `SELECT ${COLUMNS} FROM conversations c WHERE c.id = ?`).get(id) as RankedRow | undefined;
}
