// History: what an email account's first sync imported from before its open window
// (domain/open-window.ts; ingest.ts classifies as it stores). Here: the first sync's counts, and
// moving conversations across the line when the window changes afterwards.
import type { Db } from './db.js';
import { stmt } from './statements.js';

export interface AccountCounts {
  conversations: number;
  /** Status open: in the queue. */
  open: number;
  history: number;
  /** Pending, snoozed or resolved. */
  other: number;
}

/** An account's conversations by status: one scan, once, after a first sync. */
export function accountCounts(db: Db, account: string): AccountCounts {
  const rows = stmt(db, "SELECT status, COUNT(*) AS n FROM conversations WHERE account = ? AND channel = 'email' GROUP BY status").all(account) as Array<{
    status: string;
    n: number;
  }>;
  const c: AccountCounts = { conversations: 0, open: 0, history: 0, other: 0 };
  for (const r of rows) {
    c.conversations += r.n;
    if (r.status === 'open') c.open += r.n;
    else if (r.status === 'history') c.history += r.n;
    else c.other += r.n;
  }
  return c;
}

/** The newest customer message of conversation `c` (the messages index covers it). */
const LAST_IN = "(SELECT MAX(m.sent_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in')";

export interface Reclassified {
  toOpen: number;
  toHistory: number;
}

/**
 * Applies a changed open window to an account's email conversations, as a first sync with it
 * would have: history with a customer message at or after `cutoff` that no reply followed joins
 * the queue (waiting since the first such message); open conversations whose waiting
 * customer last wrote before it become history. `cutoff` null (window 0): all history opens.
 * Nothing is announced: this is a view of old mail, not news. Pending, snoozed and resolved
 * conversations are the agent's decisions and stay as they are.
 */
export function reapplyOpenWindow(db: Db, account: string, cutoff: number | null, now: number): Reclassified {
  const from = cutoff ?? Number.MIN_SAFE_INTEGER;
  // A customer message flagged \Answered (replied to from another client) makes nobody wait, as at ingest.
  const unanswered = `(' ' || COALESCE(m.flags, '') || ' ') NOT LIKE '% \\Answered %'`;
  return db.transaction(() => {
    const toOpen = stmt(
      db,
      `UPDATE conversations AS c SET status = 'open', updated_at = ?,
         waiting_since = (SELECT MIN(m.sent_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
                            AND m.sent_at >= ? AND m.sent_at > COALESCE(c.last_out_at, -1) AND ${unanswered})
       WHERE c.account = ? AND c.channel = 'email' AND c.status = 'history'
         AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
                       AND m.sent_at >= ? AND m.sent_at > COALESCE(c.last_out_at, -1) AND ${unanswered})`,
    ).run(now, from, account, from).changes;
    const toHistory =
      cutoff === null
        ? 0
        : stmt(
            db,
            `UPDATE conversations AS c SET status = 'history', waiting_since = NULL, updated_at = ?
             WHERE c.account = ? AND c.channel = 'email' AND c.status = 'open' AND c.waiting_since IS NOT NULL AND ${LAST_IN} < ?`,
          ).run(now, account, cutoff).changes;
    return { toOpen, toHistory };
  }).immediate();
}

/** When the account's oldest stored message reached the server (null: none yet): how far back its Sent mailbox is worth reading. */
export function oldestMessageAt(db: Db, account: string): number | null {
  const r = stmt(db, 'SELECT MIN(sent_at) AS t FROM messages WHERE account = ?').get(account) as { t: number | null };
  return r.t;
}
