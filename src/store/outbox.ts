import { stmt } from './statements.js';
import type { OutgoingEmail } from '../domain/outgoing-email.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { applyMessage } from './ingest.js';

/** queued → sending → accepted (SMTP said yes) → sent (copy in Sent, \Answered set). failed is final. */
export type OutboxState = 'queued' | 'sending' | 'accepted' | 'sent' | 'failed';

export interface OutboxItem {
  id: number;
  conversationId: number;
  messageRowId: number;
  account: string;
  messageId: string;
  payload: OutgoingEmail;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
}

/**
 * Writes the reply durably before any network I/O: the message row (shown in the
 * conversation as queued) and the outbox row, in one transaction.
 */
export function enqueueEmail(db: Db, conversationId: number, account: string, mail: OutgoingEmail, now: number): OutboxItem {
  return db.transaction(() => {
    const messageRowId = Number(
      stmt(db, 
          `INSERT INTO messages (conversation_id, account, external_id, direction, from_name, from_addr, to_json, subject, sent_at, text,
             delivery_state, created_at)
           VALUES (?, ?, ?, 'out', ?, ?, ?, ?, ?, ?, 'queued', ?)`,
        )
        .run(conversationId, account, mail.messageId, mail.from.name, mail.from.email.toLowerCase(), JSON.stringify(mail.to), mail.subject, mail.date, mail.text, now)
        .lastInsertRowid,
    );
    stmt(db, 'INSERT OR IGNORE INTO thread_refs (account, message_id, conversation_id) VALUES (?, ?, ?)').run(account, mail.messageId, conversationId);
    applyMessage(db, conversationId, { direction: 'out', sentAt: mail.date, text: mail.text, subject: mail.subject, answered: false, attachments: [], now });
    const id = Number(
      stmt(db, 
          `INSERT INTO outbox (conversation_id, message_row_id, account, message_id, payload_json, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`,
        )
        .run(conversationId, messageRowId, account, mail.messageId, JSON.stringify(mail), now, now).lastInsertRowid,
    );
    appendEvent(db, 'reply.queued', conversationId, now, { messageId: mail.messageId, channel: 'email' });
    return { id, conversationId, messageRowId, account, messageId: mail.messageId, payload: mail, state: 'queued' as const, attempts: 0, lastError: null };
  }).immediate();
}

interface OutboxRow {
  id: number;
  conversation_id: number;
  message_row_id: number;
  account: string;
  message_id: string;
  payload_json: string;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
}

const toItem = (r: OutboxRow): OutboxItem => ({
  id: r.id,
  conversationId: r.conversation_id,
  messageRowId: r.message_row_id,
  account: r.account,
  messageId: r.message_id,
  payload: JSON.parse(r.payload_json),
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
});

/** Whether an account has email replies that still need work (an index probe, for a watcher's poll). */
export function hasPendingOutbox(db: Db, account: string): boolean {
  return stmt(db, "SELECT 1 FROM outbox WHERE account = ? AND kind = 'email' AND state IN ('queued', 'sending', 'accepted') LIMIT 1").get(account) !== undefined;
}

/** Items that still need work for an account, oldest first. */
export function pendingOutbox(db: Db, account: string): OutboxItem[] {
  const rows = stmt(db, "SELECT * FROM outbox WHERE account = ? AND kind = 'email' AND state IN ('queued', 'sending', 'accepted') ORDER BY id")
    .all(account) as OutboxRow[];
  return rows.map(toItem);
}

export function getOutboxItem(db: Db, id: number): OutboxItem | undefined {
  const r = stmt(db, 'SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
  return r ? toItem(r) : undefined;
}

/**
 * How long a claim holds unless renewed. The runner renews it before each network step, so it only
 * has to outlast one step: an SMTP send is bounded by nodemailer's timeouts (15 s connect, 15 s
 * greeting, 60 s of silence), an IMAP look-up in Sent by the session's. Five minutes is far beyond
 * both, and short enough that a hung claimer holds a reply back for minutes, not forever.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** Who holds an item now (null: nobody), as stored. */
export interface ClaimHolder {
  owner: string | null;
  leaseUntil: number;
}

/**
 * Claims an email outbox item for `owner`, atomically across processes: a compare-and-set on the
 * claim columns inside an IMMEDIATE transaction (SQLite's write lock), checked by `changes === 1`,
 * so of any number of processes racing on the same item exactly one wins. The claim can be taken
 * when nobody holds it, when its lease has run out (the holder hung or died), when `owner` already
 * holds it (a renewal), or when `holderGone` says the holder's process no longer exists (a crashed
 * `attend reply` on this machine does not hold its reply back for the whole lease).
 * Returns the item as stored now, or undefined when someone else holds it or it needs no more work.
 * Whoever takes over an item left in `sending` must still look in Sent before sending it again.
 */
export function claimOutboxItem(
  db: Db,
  id: number,
  owner: string,
  now: number,
  opts: { leaseMs?: number; holderGone?: (holder: string) => boolean } = {},
): OutboxItem | undefined {
  return db.transaction(() => {
    const cur = stmt(db, "SELECT claimed_by, lease_until FROM outbox WHERE id = ? AND kind = 'email' AND state IN ('queued', 'sending', 'accepted')").get(id) as
      | { claimed_by: string | null; lease_until: number }
      | undefined;
    if (!cur) return undefined;
    const free = cur.claimed_by === null || cur.claimed_by === owner || cur.lease_until <= now || opts.holderGone?.(cur.claimed_by) === true;
    if (!free) return undefined;
    const won = stmt(
      db,
      `UPDATE outbox SET claimed_by = ?, lease_until = ?
       WHERE id = ? AND state IN ('queued', 'sending', 'accepted') AND claimed_by IS ? AND lease_until = ?`,
    ).run(owner, now + (opts.leaseMs ?? CLAIM_LEASE_MS), id, cur.claimed_by, cur.lease_until);
    return won.changes === 1 ? getOutboxItem(db, id) : undefined;
  }).immediate();
}

/** Extends `owner`'s lease before a network step; false when the claim was lost (it lapsed and another process took it). */
export function renewClaim(db: Db, id: number, owner: string, now: number, leaseMs = CLAIM_LEASE_MS): boolean {
  return stmt(db, 'UPDATE outbox SET lease_until = ? WHERE id = ? AND claimed_by = ?').run(now + leaseMs, id, owner).changes === 1;
}

/** Gives the item up, so the next flush of any process can take it at once. A no-op when `owner` no longer holds it. */
export function releaseClaim(db: Db, id: number, owner: string): void {
  stmt(db, 'UPDATE outbox SET claimed_by = NULL, lease_until = 0 WHERE id = ? AND claimed_by = ?').run(id, owner);
}

export function claimHolder(db: Db, id: number): ClaimHolder | undefined {
  const r = stmt(db, 'SELECT claimed_by, lease_until FROM outbox WHERE id = ?').get(id) as { claimed_by: string | null; lease_until: number } | undefined;
  return r ? { owner: r.claimed_by, leaseUntil: r.lease_until } : undefined;
}

/** Records a state change durably (the caller's crash-safety depends on this commit happening before the next network step). */
export function setOutboxState(db: Db, item: OutboxItem, state: OutboxState, now: number, error: string | null = null): void {
  db.transaction(() => {
    const attempts = state === 'sending' ? item.attempts + 1 : item.attempts;
    stmt(db, 'UPDATE outbox SET state = ?, attempts = ?, last_error = ?, updated_at = ? WHERE id = ?').run(state, attempts, error, now, item.id);
    const delivery = state === 'accepted' ? 'sent' : state;
    stmt(db, 'UPDATE messages SET delivery_state = ? WHERE id = ?').run(delivery, item.messageRowId);
    item.state = state;
    item.attempts = attempts;
    item.lastError = error;
    if (state === 'accepted') appendEvent(db, 'reply.sent', item.conversationId, now, { messageId: item.messageId, channel: 'email', messageRowId: item.messageRowId });
    if (state === 'failed') appendEvent(db, 'reply.failed', item.conversationId, now, { messageId: item.messageId, error, channel: 'email', messageRowId: item.messageRowId });
  }).immediate();
}

/** A chat reply: the idempotency key is fixed now, so retries after any drop are the same message. */
export interface OutgoingChat {
  key: string;
  relayConversation: number;
  body: string;
  author: string;
  date: number;
}

/** What a caller needs of a freshly queued item, whatever its channel. */
export type QueuedItem = Pick<OutboxItem, 'id' | 'conversationId' | 'messageRowId' | 'account' | 'messageId'>;

/** `automatic`: a line the system sends (focus mode's queue notice); it does not stop the response clock. */
export function enqueueChat(db: Db, conversationId: number, account: string, chat: OutgoingChat, now: number, automatic = false): QueuedItem {
  return db.transaction(() => {
    const messageRowId = Number(
      stmt(db, 
          `INSERT INTO messages (conversation_id, account, external_id, direction, from_name, sent_at, text, delivery_state, created_at)
           VALUES (?, ?, ?, 'out', ?, ?, ?, 'queued', ?)`,
        )
        .run(conversationId, account, `key:${chat.key}`, chat.author, chat.date, chat.body, now).lastInsertRowid,
    );
    if (automatic) stmt(db, 'UPDATE conversations SET message_count = message_count + 1 WHERE id = ?').run(conversationId);
    else applyMessage(db, conversationId, { direction: 'out', sentAt: chat.date, text: chat.body, subject: '', answered: false, attachments: [], now, previewFromCustomer: true });
    const id = Number(
      stmt(db, 
          `INSERT INTO outbox (conversation_id, message_row_id, account, message_id, payload_json, state, kind, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'queued', 'chat', ?, ?)`,
        )
        .run(conversationId, messageRowId, account, chat.key, JSON.stringify(automatic ? { ...chat, automatic: true } : chat), now, now).lastInsertRowid,
    );
    appendEvent(db, 'reply.queued', conversationId, now, { messageId: chat.key, channel: 'chat', ...(automatic ? { automatic: true } : {}) });
    return { id, conversationId, messageRowId, account, messageId: chat.key };
  }).immediate();
}

export function pendingChat(db: Db, account: string): Array<{ id: number; messageRowId: number; conversationId: number; chat: OutgoingChat }> {
  const rows = stmt(db, "SELECT id, message_row_id, conversation_id, payload_json FROM outbox WHERE account = ? AND kind = 'chat' AND state IN ('queued', 'sending') ORDER BY id")
    .all(account) as Array<{ id: number; message_row_id: number; conversation_id: number; payload_json: string }>;
  return rows.map((r) => ({ id: r.id, messageRowId: r.message_row_id, conversationId: r.conversation_id, chat: JSON.parse(r.payload_json) }));
}

/** The relay said `sent`: the local copy takes the relay's message id, so the echoed event is recognised. */
export function markChatSent(db: Db, outboxId: number, messageRowId: number, conversationId: number, relayMessageId: string, now: number): void {
  db.transaction(() => {
    stmt(db, "UPDATE outbox SET state = 'sent', updated_at = ? WHERE id = ? AND state <> 'sent'").run(now, outboxId);
    const taken = stmt(db, 'SELECT id FROM messages WHERE account = (SELECT account FROM messages WHERE id = ?) AND external_id = ?').get(messageRowId, relayMessageId) as
      | { id: number }
      | undefined;
    if (taken && taken.id !== messageRowId) {
      // The echo was stored first as a separate row: keep one.
      stmt(db, 'DELETE FROM messages WHERE id = ?').run(taken.id);
      stmt(db, 'UPDATE conversations SET message_count = message_count - 1 WHERE id = ?').run(conversationId);
    }
    stmt(db, "UPDATE messages SET external_id = ?, delivery_state = 'sent' WHERE id = ?").run(relayMessageId, messageRowId);
    // An automatic line (focus mode's queue notice) is marked so stats do not count it as a response.
    const auto = stmt(db, "SELECT json_extract(payload_json, '$.automatic') AS a FROM outbox WHERE id = ?").get(outboxId) as { a: number | null } | undefined;
    appendEvent(db, 'reply.sent', conversationId, now, { messageId: relayMessageId, channel: 'chat', messageRowId, ...(auto?.a ? { automatic: true } : {}) });
  }).immediate();
}

export function markChatFailed(db: Db, outboxId: number, messageRowId: number, conversationId: number, error: string, now: number): void {
  db.transaction(() => {
    stmt(db, "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?").run(error, now, outboxId);
    stmt(db, "UPDATE messages SET delivery_state = 'failed' WHERE id = ?").run(messageRowId);
    appendEvent(db, 'reply.failed', conversationId, now, { error, channel: 'chat', messageRowId });
  }).immediate();
}

/** A failed reply goes back to the queue (the agent pressed retry); it keeps its Message-ID or key. */
export function requeueFailed(db: Db, conversationId: number, now: number): number {
  return db.transaction(() => {
    const rows = stmt(db, "SELECT id, message_row_id FROM outbox WHERE conversation_id = ? AND state = 'failed'").all(conversationId) as Array<{
      id: number;
      message_row_id: number;
    }>;
    for (const r of rows) {
      stmt(db, "UPDATE outbox SET state = 'queued', last_error = NULL, next_attempt_at = 0, updated_at = ? WHERE id = ?").run(now, r.id);
      stmt(db, "UPDATE messages SET delivery_state = 'queued' WHERE id = ?").run(r.message_row_id);
      appendEvent(db, 'reply.retried', conversationId, now, {});
    }
    return rows.length;
  }).immediate();
}

export interface OutboxCounts {
  queued: number;
  failed: number;
}

export function outboxCounts(db: Db): OutboxCounts {
  const rows = stmt(db, "SELECT state, COUNT(*) AS n FROM outbox WHERE state <> 'sent' GROUP BY state").all() as Array<{
    state: string;
    n: number;
  }>;
  let queued = 0;
  let failed = 0;
  for (const r of rows) {
    if (r.state === 'failed') failed += r.n;
    else if (r.state !== 'accepted') queued += r.n;
  }
  return { queued, failed };
}

/** Why the newest failed reply of a conversation failed; null when none failed. */
export function lastFailure(db: Db, conversationId: number): string | null {
  const r = stmt(db, "SELECT last_error FROM outbox WHERE conversation_id = ? AND state = 'failed' ORDER BY id DESC LIMIT 1").get(conversationId) as
    | { last_error: string | null }
    | undefined;
  return r ? (r.last_error ?? 'unknown error') : null;
}
