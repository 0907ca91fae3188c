// Folds relay events into the one store: chat conversations sit beside email in list/show/reply.
import { stmt } from './statements.js';
import type { ChatMessage, EventData } from '../domain/chat.js';
import { safeLine } from '../domain/sanitize.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { applyMessage } from './ingest.js';
import { applyTeamEvent } from './team-state.js';

export interface ChatCursor {
  epoch: string;
  lastSeq: number;
}

export function getChatCursor(db: Db, account: string): ChatCursor | undefined {
  const r = stmt(db, 'SELECT epoch, last_seq FROM chat_cursors WHERE account = ?').get(account) as { epoch: string; last_seq: number } | undefined;
  return r ? { epoch: r.epoch, lastSeq: r.last_seq } : undefined;
}

export function putChatCursor(db: Db, account: string, c: ChatCursor, now: number): void {
  stmt(db, 
    `INSERT INTO chat_cursors (account, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (account) DO UPDATE SET epoch = excluded.epoch, last_seq = MAX(last_seq, excluded.last_seq), updated_at = excluded.updated_at`,
  ).run(account, c.epoch, c.lastSeq, now);
}

type Visitor = { name?: string; email?: string; page?: string };

/** The local conversation for a relay conversation, created on first sight (events may start mid-stream after a reset). */
export function chatConversation(db: Db, account: string, relayConversation: number, now: number, visitor: Visitor = {}): number {
  const ref = String(relayConversation);
  const found = stmt(db, 'SELECT id FROM conversations WHERE account = ? AND external_ref = ?').get(account, ref) as { id: number } | undefined;
  if (found) return found.id;
  const customerId = visitorCustomer(db, account, ref, visitor, now);
  // Who the visitor is lives with the customer (a label is made when listing); the subject only says where.
  const page = visitor.page ? safeLine(visitor.page) : null;
  const id = Number(
    stmt(db, 
        `INSERT INTO conversations (channel, account, external_ref, subject, customer_id, status, page, created_at, updated_at)
         VALUES ('chat', ?, ?, ?, ?, 'open', ?, ?, ?)`,
      )
      .run(account, ref, page ? `Chat on ${page}` : 'Chat', customerId, page, now, now).lastInsertRowid,
  );
  appendEvent(db, 'conversation.created', id, now, { channel: 'chat', account });
  return id;
}

/**
 * A visitor is a customer of their own. An address they typed is only what they *claim*: it is kept
 * as claimed_email and never joins that address's email history (anyone can type anyone's address).
 */
function visitorCustomer(db: Db, account: string, ref: string, visitor: Visitor, now: number): number {
  const known = stmt(db, 'SELECT customer_id FROM customer_visitors WHERE account = ? AND visitor_ref = ?').get(account, ref) as
    | { customer_id: number }
    | undefined;
  if (known) return known.customer_id;
  const id = Number(
    stmt(db, 'INSERT INTO customers (name, claimed_email, created_at) VALUES (?, ?, ?)').run(
      safeLine(visitor.name ?? ''),
      claimed(visitor.email),
      now,
    ).lastInsertRowid,
  );
  stmt(db, 'INSERT INTO customer_visitors (account, visitor_ref, customer_id) VALUES (?, ?, ?)').run(account, ref, id);
  return id;
}

const claimed = (email: string | undefined): string | null => (email ? safeLine(email).trim().toLowerCase() || null : null);

/**
 * New details from the visitor replace what they said before (they may correct a typo) — on a
 * visitor's own customer. A customer with real (verified) addresses, as visitors were before
 * migration 8 merged them, keeps its name unless it has none, and no claim of its own address.
 */
function identify(db: Db, conversationId: number, name: string | undefined, email: string | undefined, now: number): void {
  const { customer_id: customerId } = stmt(db, 'SELECT customer_id FROM conversations WHERE id = ?').get(conversationId) as { customer_id: number };
  const verified = (stmt(db, 'SELECT email FROM customer_emails WHERE customer_id = ?').all(customerId) as Array<{ email: string }>).map((r) => r.email);
  const cleanName = name ? safeLine(name) : '';
  if (cleanName) stmt(db, `UPDATE customers SET name = ? WHERE id = ?${verified.length ? " AND name = ''" : ''}`).run(cleanName, customerId);
  const address = claimed(email);
  if (address && !verified.includes(address)) stmt(db, 'UPDATE customers SET claimed_email = ? WHERE id = ?').run(address, customerId);
  stmt(db, 'UPDATE conversations SET updated_at = ? WHERE id = ?').run(now, conversationId);
}

/** Stores one relay event idempotently and advances the cursor in the same transaction. */
export function ingestChatEvent(db: Db, account: string, epoch: string, seq: number, d: EventData, now: number): void {
  db.transaction(() => {
    switch (d.kind) {
      case 'conversation.opened':
        chatConversation(db, account, d.conversation, now, d.visitor);
        break;
      case 'visitor.identified': {
        const id = chatConversation(db, account, d.conversation, now);
        identify(db, id, d.name, d.email, now);
        break;
      }
      case 'conversation.status': {
        const id = chatConversation(db, account, d.conversation, now);
        const status = d.status === 'resolved' ? 'resolved' : 'open';
        const cur = stmt(db, 'SELECT status FROM conversations WHERE id = ?').get(id) as { status: string };
        if (cur.status !== status && !(status === 'open' && cur.status !== 'resolved')) {
          stmt(db, 'UPDATE conversations SET status = ?, snoozed_until = NULL, updated_at = ? WHERE id = ?').run(status, now, id);
          appendEvent(db, status === 'open' ? 'conversation.reopened' : 'conversation.resolved', id, now, { by: 'relay' });
        }
        break;
      }
      case 'message':
        storeChatMessage(db, account, d.conversation, d.message, now);
        break;
      case 'team.change':
        // Team mode: applied with the cursor in one transaction, so a crash never applies it twice.
        applyTeamEvent(db, d, seq, now);
        break;
    }
    putChatCursor(db, account, { epoch, lastSeq: seq }, now);
  }).immediate();
}

function storeChatMessage(db: Db, account: string, relayConversation: number, m: ChatMessage, now: number): void {
  if (stmt(db, 'SELECT 1 FROM messages WHERE account = ? AND external_id = ?').get(account, m.id)) return;
  const conversationId = chatConversation(db, account, relayConversation, now);
  const direction = m.from === 'visitor' ? 'in' : 'out';
  // The relay's time, never ahead of ours: a relay clock running fast must not push due times later.
  const sentAt = Math.min(Date.parse(m.sentAt) || now, now);
  if (direction === 'out') {
    // Our own reply echoed back: adopt the queued row (its `sent` may have been lost in a crash).
    const mine = stmt(db, 
        `SELECT m.id FROM messages m JOIN outbox o ON o.message_row_id = m.id
         WHERE m.conversation_id = ? AND o.kind = 'chat' AND o.state IN ('queued', 'sending') AND m.text = ? ORDER BY m.id LIMIT 1`,
      )
      .get(conversationId, m.body) as { id: number } | undefined;
    if (mine) {
      stmt(db, "UPDATE messages SET external_id = ?, delivery_state = 'sent' WHERE id = ?").run(m.id, mine.id);
      stmt(db, "UPDATE outbox SET state = 'sent', updated_at = ? WHERE message_row_id = ?").run(now, mine.id);
      return;
    }
  }
  const messageRowId = Number(
    stmt(db, 
      `INSERT INTO messages (conversation_id, account, external_id, direction, from_name, sent_at, text, delivery_state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(conversationId, account, m.id, direction, m.author ?? '', sentAt, m.body, direction === 'out' ? 'sent' : null, now).lastInsertRowid,
  );
  applyMessage(db, conversationId, { direction, sentAt, text: m.body, subject: '', answered: false, attachments: [], now, previewFromCustomer: true });
  // arrivedAt: the relay's time, as for email the server's (stats count from it).
  if (direction === 'in') appendEvent(db, 'message.received', conversationId, now, { channel: 'chat', messageId: m.id, messageRowId, arrivedAt: sentAt });
}
