import { stmt } from './statements.js';
import type { ConversationSummary, HistoryItem } from '../domain/conversation.js';
import type { MessageView } from '../domain/message.js';
import type { Channel, DeliveryState, Direction, Priority, Status } from '../domain/types.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { deliveryErrors } from './failed-replies.js';
import { placeInQueueOrder, readInQueueOrder } from './queue-order.js';
import { customerLabel } from '../domain/labels.js';

interface ConversationRow {
  id: number;
  number: number | null;
  channel: Channel;
  account: string;
  subject: string;
  customer_id: number | null;
  customer_name: string | null;
  customer_email: string | null;
  claimed_email: string | null;
  external_ref: string | null;
  page: string | null;
  status: Status;
  priority: Priority;
  assignee: string | null;
  snoozed_until: number | null;
  waiting_since: number | null;
  first_response_at: number | null;
  last_message_at: number | null;
  message_count: number;
  preview: string;
  due_at: number | null;
  vip: number;
  rank_reasons: string;
  backlog_slot: number;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const SELECT_CONVERSATION = `
  SELECT c.id, c.number, c.channel, c.account, c.subject, c.customer_id, cu.name AS customer_name,
         (SELECT email FROM customer_emails e WHERE e.customer_id = c.customer_id ORDER BY email LIMIT 1) AS customer_email,
         c.status, c.priority, c.assignee, c.snoozed_until, c.waiting_since, c.first_response_at, c.last_message_at,
         c.message_count, c.preview, c.due_at, c.vip, c.rank_reasons, c.backlog_slot, cu.claimed_email, c.external_ref, c.page
  FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id`;

function toSummary(db: Db, r: ConversationRow): ConversationSummary {
  const tags = (stmt(db, 'SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag').all(r.id) as Array<{ tag: string }>).map(
    (t) => t.tag,
  );
  const customer = {
    id: r.customer_id,
    name: r.customer_name ?? '',
    email: r.customer_email ?? r.claimed_email,
    emailVerified: r.customer_email !== null,
  };
  return {
    id: r.id,
    number: r.number,
    channel: r.channel,
    account: r.account,
    subject: r.subject,
    customer,
    label: customerLabel({ ...customer, channel: r.channel, account: r.account, externalRef: r.external_ref, page: r.page }),
    page: r.page,
    status: r.status,
    priority: r.priority,
    assignee: r.assignee,
    tags,
    snoozedUntil: iso(r.snoozed_until),
    waitingSince: iso(r.waiting_since),
    firstResponseAt: iso(r.first_response_at),
    lastMessageAt: iso(r.last_message_at),
    messageCount: r.message_count,
    preview: r.preview,
    dueAt: iso(r.due_at),
    vip: r.vip === 1,
    backlog: r.backlog_slot > 0,
    reasons: JSON.parse(r.rank_reasons) as string[],
  };
}

export interface ListFilter {
  status: Status | 'all';
  channel?: Channel;
  /** Only conversations assigned to this name; null: only unassigned ones; absent: anyone's (indexes of migration 11). */
  assignee?: string | null;
  /** Words that must all appear in the subject, the customer's name or address (case-insensitive). */
  search?: string;
  limit: number;
  offset?: number;
}

function whereOf(f: Omit<ListFilter, 'limit' | 'offset'>): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status !== 'all') {
    where.push('c.status = ?');
    args.push(f.status);
  }
  if (f.channel) {
    where.push('c.channel = ?');
    args.push(f.channel);
  }
  if (f.assignee === null) where.push('c.assignee IS NULL');
  else if (f.assignee !== undefined) {
    where.push('c.assignee = ?');
    args.push(f.assignee);
  }
  for (const word of (f.search ?? '').trim().split(/\s+/).filter(Boolean)) {
    const like = `%${word.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(
      `(c.subject LIKE ? ESCAPE '\\' OR cu.name LIKE ? ESCAPE '\\' OR cu.claimed_email LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM customer_emails e WHERE e.customer_id = c.customer_id AND e.email LIKE ? ESCAPE '\\'))`,
    );
    args.push(like, like, like, like);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

/**
 * In queue order at the clock `now` (policy/queue.ts; the ranks cached by store/ranks.ts, read by
 * store/queue-order.ts): least time to breach first, backlog behind what is due soon, nobody
 * waiting last, most recent first. Index range scans, so a window deep into 100,000 conversations
 * costs milliseconds. Refresh the ranks (and markBacklog) first.
 */
export function listConversations(db: Db, f: ListFilter & { now: number }): ConversationSummary[] {
  const w = whereOf(f);
  const rows = readInQueueOrder<ConversationRow>(db, {
    select: SELECT_CONVERSATION,
    from: `FROM ${fromFor(f)}`,
    where: w.sql.replace(/^WHERE /, ''),
    args: w.args,
    now: f.now,
    limit: f.limit,
    offset: f.offset ?? 0,
  });
  return rows.map((r) => toSummary(db, r));
}

/** The customers join only when a search needs names: a plain count is an index scan. */
const fromFor = (f: { search?: string }) => (f.search?.trim() ? 'conversations c LEFT JOIN customers cu ON cu.id = c.customer_id' : 'conversations c');

export function countConversations(db: Db, f: Omit<ListFilter, 'limit' | 'offset'>): number {
  if (!f.search?.trim() && f.assignee === undefined) {
    // Kept by triggers (migration 4): no scan of the conversations at all.
    const r = stmt(db, 'SELECT COALESCE(SUM(n), 0) AS n FROM conversation_counts WHERE (? IS NULL OR status = ?) AND (? IS NULL OR channel = ?)').get(
      f.status === 'all' ? null : f.status,
      f.status === 'all' ? null : f.status,
      f.channel ?? null,
      f.channel ?? null,
    ) as { n: number };
    return r.n;
  }
  const w = whereOf(f);
  return (stmt(db, `SELECT COUNT(*) AS n FROM ${fromFor(f)} ${w.sql}`).get(...w.args) as { n: number }).n;
}

/** 0-based place of a conversation in the filtered queue order at `now`, or null when the filter hides it. */
export function positionInQueue(db: Db, id: number, f: Omit<ListFilter, 'limit' | 'offset'> & { now: number }): number | null {
  const w = whereOf(f);
  return placeInQueueOrder(db, id, { from: `FROM ${fromFor(f)}`, where: w.sql.replace(/^WHERE /, ''), args: w.args, now: f.now });
}

export function getConversation(db: Db, id: number): ConversationSummary | undefined {
  const row = stmt(db, `${SELECT_CONVERSATION} WHERE c.id = ?`).get(id) as ConversationRow | undefined;
  return row ? toSummary(db, row) : undefined;
}

export function conversationMessages(db: Db, id: number): MessageView[] {
  const rows = stmt(db, 
      `SELECT id, direction, from_name, from_addr, to_json, subject, sent_at, text, attachments_json, delivery_state, external_id
       FROM messages WHERE conversation_id = ? ORDER BY sent_at, id`,
    )
    .all(id) as Array<{
    id: number;
    direction: Direction;
    from_name: string;
    from_addr: string;
    to_json: string;
    subject: string;
    sent_at: number;
    text: string;
    attachments_json: string;
    delivery_state: DeliveryState | null;
    external_id: string;
  }>;
  const errors = rows.some((r) => r.delivery_state === 'failed') ? deliveryErrors(db, id) : null;
  return rows.map((r) => ({
    id: r.id,
    direction: r.direction,
    from: { name: r.from_name, email: r.from_addr },
    to: JSON.parse(r.to_json),
    subject: r.subject,
    sentAt: new Date(r.sent_at).toISOString(),
    text: r.text,
    attachments: JSON.parse(r.attachments_json),
    deliveryState: r.delivery_state,
    deliveryError: r.delivery_state === 'failed' ? (errors?.get(r.id) ?? 'unknown error') : null,
    externalId: r.external_id,
  }));
}

/** Snoozed conversations whose time has come are open again. Cheap (partial index); run before reading. */
export function wakeSnoozed(db: Db, now: number): number {
  const due = stmt(db, "SELECT id FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?").all(now) as Array<{ id: number }>;
  if (due.length === 0) return 0;
  db.transaction(() => {
    for (const { id } of due) {
      stmt(db, "UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = ? WHERE id = ?").run(now, id);
      appendEvent(db, 'conversation.reopened', id, now, { reason: 'snooze ended' });
    }
  }).immediate();
  return due.length;
}

export function setStatus(db: Db, id: number, status: Status, now: number, snoozedUntil: number | null = null): void {
  db.transaction(() => {
    stmt(db, 'UPDATE conversations SET status = ?, snoozed_until = ?, updated_at = ? WHERE id = ?').run(status, snoozedUntil, now, id);
    appendEvent(db, `conversation.${status === 'open' ? 'reopened' : status}`, id, now, snoozedUntil ? { until: iso(snoozedUntil) } : {});
  }).immediate();
}

export function assign(db: Db, id: number, assignee: string | null, now: number): void {
  db.transaction(() => {
    stmt(db, 'UPDATE conversations SET assignee = ?, updated_at = ? WHERE id = ?').run(assignee, now, id);
    appendEvent(db, 'conversation.assigned', id, now, { assignee });
  }).immediate();
}

export function addTags(db: Db, id: number, tags: string[], now: number): void {
  db.transaction(() => {
    const add = stmt(db, 'INSERT OR IGNORE INTO conversation_tags (conversation_id, tag) VALUES (?, ?)');
    for (const t of tags) add.run(id, t);
    stmt(db, 'UPDATE conversations SET updated_at = ? WHERE id = ?').run(now, id);
    appendEvent(db, 'conversation.tagged', id, now, { tags });
  }).immediate();
}

export function removeTags(db: Db, id: number, tags: string[], now: number): void {
  db.transaction(() => {
    const del = stmt(db, 'DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?');
    for (const t of tags) del.run(id, t);
    appendEvent(db, 'conversation.untagged', id, now, { tags });
  }).immediate();
}

/** An internal note: stored with the conversation, never sent. */
export function addNote(db: Db, id: number, author: string, text: string, now: number): number {
  return db.transaction(() => {
    const rowId = Number(
      stmt(db, 
          `INSERT INTO messages (conversation_id, account, external_id, direction, from_name, sent_at, text, created_at)
           SELECT id, account, ?, 'note', ?, ?, ?, ? FROM conversations WHERE id = ?`,
        )
        .run(`note:${id}:${now}:${Math.random().toString(36).slice(2)}`, author, now, text, now, id).lastInsertRowid,
    );
    appendEvent(db, 'note.added', id, now, { author });
    return rowId;
  }).immediate();
}

/** The same customer's other conversations, on every channel, newest first. */
export function customerHistory(db: Db, customerId: number, excludeId: number, limit = 5): HistoryItem[] {
  const rows = stmt(
    db,
    'SELECT id, number, channel, subject, status, last_message_at FROM conversations WHERE customer_id = ? AND id <> ? ORDER BY last_message_at DESC LIMIT ?',
  ).all(customerId, excludeId, limit) as Array<{ id: number; number: number | null; channel: Channel; subject: string; status: Status; last_message_at: number | null }>;
  return rows.map((r) => ({ id: r.id, number: r.number, channel: r.channel, subject: r.subject, status: r.status, lastMessageAt: iso(r.last_message_at) }));
}
