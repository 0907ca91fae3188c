// Reads the event log as public events (domain/public-events.ts): each joined with what a bot
// needs to act — the conversation (customer, channel, account, subject) and, for message events,
// the message itself.
import {
  type EventConversation,
  type EventMessage,
  isMessageEvent,
  type PublicEvent,
  publicTypeOf,
  toPublicEvent,
} from '../domain/public-events.js';
import type { LoggedEvent } from '../domain/event.js';
import type { DeliveryState, Direction } from '../domain/types.js';
import { conversationRef } from '../domain/team.js';
import { getConversation } from './conversations.js';
import type { Db } from './db.js';
import { eventsSince } from './events.js';
import { getMeta, putMeta } from './ranks.js';
import { stmt } from './statements.js';

/** The newest seq in the log (0 when empty). */
export function maxSeq(db: Db): number {
  return (stmt(db, 'SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }).s;
}

export interface FeedPage {
  events: PublicEvent[];
  /** The last seq read, public or not: where the next page starts. */
  lastSeq: number;
  /** More rows may follow (the page was full). */
  more: boolean;
}

/** Public events after `afterSeq`, oldest first, at most `limit` log rows per page. */
export function readPublicEvents(db: Db, afterSeq: number, limit = 500): FeedPage {
  const rows = eventsSince(db, afterSeq, limit);
  return { events: toPublic(db, rows), lastSeq: rows.at(-1)?.seq ?? afterSeq, more: rows.length === limit };
}

/**
 * Takes the next public events for one consumer (hooks) and moves its cursor past them in the same
 * transaction, so two processes never take the same event. A consumer seen for the first time
 * starts at the end of the log: it is not handed the whole history.
 */
export function claimPublicEvents(db: Db, consumer: string, limit = 200): { events: PublicEvent[]; more: boolean } {
  const key = `cursor:${consumer}`;
  const rows = db
    .transaction(() => {
      const cursor = Number(getMeta(db, key) ?? Number.NaN);
      if (!Number.isInteger(cursor)) {
        putMeta(db, key, String(maxSeq(db)));
        return [];
      }
      const taken = eventsSince(db, cursor, limit);
      if (taken.length > 0) putMeta(db, key, String(taken.at(-1)?.seq));
      return taken;
    })
    .immediate();
  return { events: toPublic(db, rows), more: rows.length === limit };
}

function toPublic(db: Db, rows: LoggedEvent[]): PublicEvent[] {
  const conversations = new Map<number, EventConversation | null>();
  const out: PublicEvent[] = [];
  for (const row of rows) {
    const type = publicTypeOf(row.type);
    if (type === null) continue;
    let conversation: EventConversation | null = null;
    if (row.conversationId !== null) {
      if (!conversations.has(row.conversationId)) conversations.set(row.conversationId, eventConversation(db, row.conversationId));
      conversation = conversations.get(row.conversationId) ?? null;
    }
    const message = isMessageEvent(type) && conversation ? eventMessage(db, row, row.conversationId as number, conversation.account) : null;
    const e = toPublicEvent(row, { conversation, message });
    if (e) out.push(e);
  }
  return out;
}

export function eventConversation(db: Db, id: number): EventConversation | null {
  const c = getConversation(db, id);
  if (!c) return null;
  return {
    id: c.number,
    ref: conversationRef(c),
    channel: c.channel,
    account: c.account,
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    assignee: c.assignee,
    tags: c.tags,
    customer: c.customer,
    waitingSince: c.waitingSince,
    dueAt: c.dueAt,
  };
}

interface MessageRow {
  id: number;
  direction: Direction;
  from_name: string;
  from_addr: string;
  sent_at: number;
  text: string;
  delivery_state: DeliveryState | null;
  attachments_json: string;
}

const MESSAGE_COLUMNS = 'id, direction, from_name, from_addr, sent_at, text, delivery_state, attachments_json';

/**
 * The message a message event is about: by the row id newer events record; by external id
 * (Message-ID, relay message id) for older ones; else the newest message of that direction.
 */
function eventMessage(db: Db, e: LoggedEvent, conversationId: number, account: string): EventMessage | null {
  let row: MessageRow | undefined;
  if (typeof e.data.messageRowId === 'number') {
    row = stmt(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`).get(e.data.messageRowId, conversationId) as MessageRow | undefined;
  }
  if (!row && typeof e.data.messageId === 'string') {
    row = stmt(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE account = ? AND external_id = ? AND conversation_id = ?`).get(account, e.data.messageId, conversationId) as
      | MessageRow
      | undefined;
  }
  if (!row) {
    const direction = e.type === 'message.received' ? 'in' : 'out';
    row = stmt(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND direction = ? ORDER BY sent_at DESC, id DESC LIMIT 1`).get(conversationId, direction) as
      | MessageRow
      | undefined;
  }
  if (!row) return null;
  return {
    id: row.id,
    direction: row.direction,
    from: { name: row.from_name, email: row.from_addr },
    text: row.text,
    sentAt: new Date(row.sent_at).toISOString(),
    deliveryState: row.delivery_state,
    attachments: JSON.parse(row.attachments_json),
  };
}

/**
 * Changes in one number pair: the event log's end and SQLite's data_version (which moves when
 * another connection commits). Equal marks mean nothing was written since, here or elsewhere.
 */
export function changeMark(db: Db): string {
  return `${maxSeq(db)}:${db.pragma('data_version', { simple: true }) as number}`;
}
