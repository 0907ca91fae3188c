// What an email reply is built from: the customer message it answers and the thread's Message-IDs
// for References. (Where a conversation lives — account, channel, relay number — is conversation-refs.ts.)
import type { Db } from './db.js';
import { stmt } from './statements.js';

export interface CustomerMessage {
  externalId: string;
  fromName: string;
  fromAddr: string;
  subject: string;
  sentAt: number;
  text: string;
}

/** The newest message the customer sent in a conversation: the one a reply answers. */
export function newestCustomerMessage(db: Db, conversationId: number): CustomerMessage | undefined {
  const r = stmt(
    db,
    `SELECT external_id, from_name, from_addr, subject, sent_at, text FROM messages
     WHERE conversation_id = ? AND direction = 'in' ORDER BY sent_at DESC, id DESC LIMIT 1`,
  ).get(conversationId) as { external_id: string; from_name: string; from_addr: string; subject: string; sent_at: number; text: string } | undefined;
  return r ? { externalId: r.external_id, fromName: r.from_name, fromAddr: r.from_addr, subject: r.subject, sentAt: r.sent_at, text: r.text } : undefined;
}

/** The Message-IDs of a conversation's mail both ways, oldest first (a reply's References). */
export function threadMessageIds(db: Db, conversationId: number): string[] {
  return (
    stmt(db, "SELECT external_id FROM messages WHERE conversation_id = ? AND direction IN ('in', 'out') ORDER BY sent_at, id").all(conversationId) as Array<{
      external_id: string;
    }>
  ).map((r) => r.external_id);
}
