// How the app finds a conversation or message from what the outside world knows of it: a relay's
// conversation number, a Message-ID. Small lookups, each one indexed statement.
import type { Channel } from '../domain/types.js';
import type { Db } from './db.js';
import { stmt } from './statements.js';

/** The conversation that a chat account's relay calls `relayConversation`. */
export function chatConversationId(db: Db, account: string, relayConversation: number): number | undefined {
  const row = stmt(db, "SELECT id FROM conversations WHERE account = ? AND external_ref = ? AND channel = 'chat'").get(account, String(relayConversation)) as
    | { id: number }
    | undefined;
  return row?.id;
}

/** A chat conversation's account and its number at the relay; undefined for email or no such conversation. */
export function relayConversationOf(db: Db, conversationId: number): { account: string; relayConversation: number } | undefined {
  const row = stmt(db, "SELECT account, external_ref FROM conversations WHERE id = ? AND channel = 'chat'").get(conversationId) as
    | { account: string; external_ref: string }
    | undefined;
  return row ? { account: row.account, relayConversation: Number(row.external_ref) } : undefined;
}

/** A conversation's account and channel. */
export function conversationChannel(db: Db, conversationId: number): { account: string; channel: Channel } | undefined {
  return stmt(db, 'SELECT account, channel FROM conversations WHERE id = ?').get(conversationId) as { account: string; channel: Channel } | undefined;
}

/** Where a stored email sits in its IMAP mailbox, by its Message-ID (null: not stored, or not from IMAP). */
export function mailboxPlaceOf(db: Db, account: string, messageId: string): { uid: number; mailbox: string } | undefined {
  return stmt(db, 'SELECT uid, mailbox FROM messages WHERE account = ? AND external_id = ? AND uid IS NOT NULL').get(account, messageId) as
    | { uid: number; mailbox: string }
    | undefined;
}

/** The local id of the conversation people call #`number` (the id alone; the hub's number in a team). Unique index. */
export function conversationIdByNumber(db: Db, number: number): number | undefined {
  return (stmt(db, 'SELECT id FROM conversations WHERE number = ?').get(number) as { id: number } | undefined)?.id;
}

/** A conversation's number as people see it (null: the hub has not numbered it yet); undefined: no such conversation. */
export function conversationNumberOf(db: Db, id: number): { id: number; number: number | null } | undefined {
  return stmt(db, 'SELECT id, number FROM conversations WHERE id = ?').get(id) as { id: number; number: number | null } | undefined;
}
