import { stmt } from './statements.js';
import type { AttachmentMeta, Channel, DeliveryState, Direction, Priority, Status } from '../domain/types.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';

export interface ConversationSummary {
  id: number;
  channel: Channel;
  account: string;
  subject: string;
  customer: { id: number | null; name: string; email: string | null };
  status: Status;
  priority: Priority;
  assignee: string | null;
  tags: string[];
  snoozedUntil: string | null;
  waitingSince: string | null;
  firstResponseAt: string | null;
  lastMessageAt: string | null;
  messageCount: number;
  preview: string;
}

export interface MessageView {
  id: number;
  direction: Direction;
  from: { name: string; email: string };
  to: Array<{ name: string; email: string }>;
  subject: string;
  sentAt: string;
  text: string;
  attachments: AttachmentMeta[];
  deliveryState: DeliveryState | null;
  externalId: string;
}

interface ConversationRow {
  id: number;
  channel: Channel;
  account: string;
  subject: string;
  customer_id: number | null;
  customer_name: string | null;
  customer_email: string | null;
  status: Status;
  priority: Priority;
  assignee: string | null;
  snoozed_until: number | null;
  waiting_since: number | null;
  first_response_at: number | null;
  last_message_at: number | null;
  message_count: number;
  preview: string;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const SELECT_CONVERSATION = `
  SELECT c.id, c.channel, c.account, c.subject, c.customer_id, cu.name AS customer_name,
         (SELECT email FROM customer_emails e WHERE e.customer_id = c.customer_id ORDER BY email LIMIT 1) AS customer_email,
         c.status, c.priority, c.assignee, c.snoozed_until, c.waiting_since, c.first_response_at, c.last_message_at,
         c.message_count, c.preview
  FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id`;

function toSummary(db: Db, r: ConversationRow): ConversationSummary {
  const tags = (stmt(db, 'SELECT tag FROM conversation_tags WHERE conversation_id = ? ORDER BY tag').all(r.id) as Array<{ tag: string }>).map(
    (t) => t.tag,
  );
  return {
    id: r.id,
    channel: r.channel,
    account: r.account,
    subject: r.subject,
    customer: { id: r.customer_id, name: r.customer_name ?? '', email: r.customer_email },
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
  };
}

export interface ListFilter {
  status: Status | 'all';
  channel?: Channel;
  limit: number;
}

/**
 * Most urgent first: the oldest unanswered customer message first, then the most recent activity.
 * Two index-ordered scans instead of one sort, so a 100,000-conversation store answers in milliseconds.
 */
export function listConversations(db: Db, f: ListFilter): ConversationSummary[] {
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
  const base = where.length ? `${where.join(' AND ')} AND ` : '';
  const waiting = stmt(db, `${SELECT_CONVERSATION} WHERE ${base}c.waiting_since IS NOT NULL ORDER BY c.waiting_since ASC, c.id ASC LIMIT ?`)
    .all(...args, f.limit) as ConversationRow[];
  let rows = waiting;
  if (rows.length < f.limit) {
    const rest = stmt(db, `${SELECT_CONVERSATION} WHERE ${base}c.waiting_since IS NULL ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`)
      .all(...args, f.limit - rows.length) as ConversationRow[];
    rows = rows.concat(rest);
  }
  return rows.map((r) => toSummary(db, r));
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
