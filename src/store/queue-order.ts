// Reads conversations in the queue order of policy/queue.ts at a given clock, from indexes only.
//
// The order is due time, except that backlog (breached past its grace; backlog_slot = its channel's
// lead + 1, set by markBacklog) sorts at "now + lead". So at a given clock the queue is a few
// blocks, each one index range read in (queue_key, priority_rank, waiting_since, id) order:
//   not backlog, due ≤ now + lead₁ │ backlog of lead₁ │ not backlog, due ≤ now + lead₂ │ … │ the rest
// (the rest includes everyone nobody waits on: their queue_key sorts after every due time).
import type { Db } from './db.js';
import { stmt } from './statements.js';

export interface Block {
  /** A condition on `c` (conversations) that selects the block. */
  cond: string;
  args: unknown[];
}

const ORDER = 'c.queue_key, c.priority_rank, c.waiting_since, c.id';
const ORDER_DESC = 'c.queue_key DESC, c.priority_rank DESC, c.waiting_since DESC, c.id DESC';

/** The blocks of the queue at `now`, in order. Costs one index probe per backlog lead in use. */
export function blocksAt(db: Db, now: number): Block[] {
  const blocks: Block[] = [];
  const next = stmt(db, 'SELECT MIN(backlog_slot) AS s FROM conversations WHERE backlog_slot > ?');
  let after: number | null = null;
  for (let slot = (next.get(0) as { s: number | null }).s; slot !== null; slot = (next.get(slot) as { s: number | null }).s) {
    const cut = now + slot - 1;
    blocks.push(after === null ? { cond: 'c.backlog_slot = 0 AND c.queue_key <= ?', args: [cut] } : { cond: 'c.backlog_slot = 0 AND c.queue_key <= ? AND c.queue_key > ?', args: [cut, after] });
    blocks.push({ cond: 'c.backlog_slot = ?', args: [slot] });
    after = cut;
  }
  blocks.push(after === null ? { cond: 'c.backlog_slot = 0', args: [] } : { cond: 'c.backlog_slot = 0 AND c.queue_key > ?', args: [after] });
  return blocks;
}

export interface OrderedRead {
  /** `SELECT … FROM conversations c …` (no WHERE). */
  select: string;
  /** `FROM …` for counting, with the same joins the filter needs. */
  from: string;
  /** Filter conditions (without WHERE), or ''. */
  where: string;
  args: unknown[];
  now: number;
  limit: number;
  offset?: number;
}

const whereWith = (where: string, b: Block) => `WHERE ${where ? `${where} AND ` : ''}${b.cond}`;

/** Rows [offset, offset + limit) of the filtered queue at `now`. A deep window reads from the nearer end of its block. */
export function readInQueueOrder<R>(db: Db, q: OrderedRead): R[] {
  const out: R[] = [];
  let skip = q.offset ?? 0;
  let want = q.limit;
  for (const b of blocksAt(db, q.now)) {
    if (want <= 0) break;
    const where = whereWith(q.where, b);
    if (skip > 0) {
      const n = (stmt(db, `SELECT COUNT(*) AS n ${q.from} ${where}`).get(...q.args, ...b.args) as { n: number }).n;
      if (skip >= n) {
        skip -= n;
        continue;
      }
      if (skip > n / 2) {
        // Deep in the block (G on 100,000): OFFSET would step over every row before; read it from
        // the other end of the same index instead, and turn it round.
        const take = Math.min(want, n - skip);
        const rows = stmt(db, `${q.select} ${where} ORDER BY ${ORDER_DESC} LIMIT ? OFFSET ?`).all(...q.args, ...b.args, take, n - skip - take) as R[];
        out.push(...rows.reverse());
        want -= rows.length;
        skip = 0;
        continue;
      }
    }
    const rows = stmt(db, `${q.select} ${where} ORDER BY ${ORDER} LIMIT ? OFFSET ?`).all(...q.args, ...b.args, want, skip) as R[];
    out.push(...rows);
    want -= rows.length;
    skip = 0;
  }
  return out;
}

/** 0-based place of conversation `id` in the filtered queue at `now`; null when the filter hides it. */
export function placeInQueueOrder(db: Db, id: number, q: Omit<OrderedRead, 'select' | 'limit' | 'offset'>): number | null {
  const me = stmt(db, 'SELECT queue_key, priority_rank, waiting_since, id FROM conversations WHERE id = ?').get(id) as
    | { queue_key: number; priority_rank: number; waiting_since: number | null; id: number }
    | undefined;
  if (!me) return null;
  let before = 0;
  for (const b of blocksAt(db, q.now)) {
    const where = whereWith(q.where, b);
    if (stmt(db, `SELECT 1 ${q.from} ${where} AND c.id = ?`).get(...q.args, ...b.args, id) === undefined) {
      before += (stmt(db, `SELECT COUNT(*) AS n ${q.from} ${where}`).get(...q.args, ...b.args) as { n: number }).n;
      continue;
    }
    const ws = me.waiting_since ?? -1;
    // `queue_key <= ?` first: the index bounds the scan to the rows ahead of this one.
    const ahead = `c.queue_key <= ? AND (c.queue_key < ? OR (c.queue_key = ? AND (c.priority_rank < ? OR (c.priority_rank = ? AND (COALESCE(c.waiting_since, -1) < ? OR (COALESCE(c.waiting_since, -1) = ? AND c.id < ?))))))`;
    const n = stmt(db, `SELECT COUNT(*) AS n ${q.from} ${where} AND ${ahead}`).get(
      ...q.args,
      ...b.args,
      me.queue_key,
      me.queue_key,
      me.queue_key,
      me.priority_rank,
      me.priority_rank,
      ws,
      ws,
      me.id,
    ) as { n: number };
    return before + n.n;
  }
  return null;
}
