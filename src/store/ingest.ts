import { stmt } from './statements.js';
import { previewOf } from '../domain/preview.js';
import { isReplySubject, normalizeSubject, threadKeys } from '../domain/threading.js';
import type { AttachmentMeta, Direction, IncomingEmail } from '../domain/types.js';
import { customerIdFor, knownCustomerId } from './customers.js';
import type { Db } from './db.js';
import { appendEvent } from './events.js';
import { NOT_WAITING_KEY, type RankOfNew } from './ranks.js';

export interface IngestResult {
  created: boolean;
  conversationId: number;
  messageRowId: number;
  direction: Direction;
  /**
   * A message from the Sent mailbox that threads into no conversation here and is not addressed to
   * a customer we know: not stored (created false). See ingestEmail.
   */
  ignored?: boolean;
}

const SUBJECT_FALLBACK_WINDOW_MS = 30 * 24 * 3600_000;

/**
 * Stores one email idempotently (unique per account + Message-ID) and keeps the
 * conversation's aggregates right whatever order messages arrive in (sync goes newest first).
 * Call inside a transaction; the caller batches many messages per transaction.
 * @param rankNew ranks a conversation this message creates as it is written (else it is left for
 *   refreshRanks, like every conversation whose rank inputs change).
 * @param historyBefore set only for a first sync's backfill (domain/open-window.ts): a message that
 *   reached the server before it is history — it makes nobody wait, reopens nothing, is announced
 *   to no one (no message.received), and a conversation it starts has status `history`.
 */
export function ingestEmail(db: Db, msg: IncomingEmail, accountEmail: string, now: number, rankNew?: RankOfNew, historyBefore?: number): IngestResult {
  const historic = historyBefore !== undefined && msg.sentAt < historyBefore;
  const fromAddr = msg.from?.email.toLowerCase() ?? '';
  const account = accountEmail.toLowerCase();
  // Whatever is in the Sent mailbox went out from us, whatever its From says (an alias, a teammate's own address).
  const direction: Direction = msg.outgoing || (fromAddr !== '' && fromAddr === account) ? 'out' : 'in';
  const byId = stmt(db, 'SELECT id, conversation_id, direction, fingerprint, body_pending, mailbox FROM messages WHERE account = ? AND external_id = ?');
  type Row = { id: number; conversation_id: number; direction: Direction; fingerprint: string | null; body_pending: number; mailbox: string | null };
  let externalId = msg.messageId;
  let existing = byId.get(msg.account, externalId) as Row | undefined;
  // Two copies of one outgoing message (the Sent copy and a Bcc to ourselves in the inbox) differ
  // in arrival time, hence fingerprint: still one message.
  const sameOutgoing = existing?.direction === 'out' && direction === 'out';
  if (existing && !sameOutgoing && existing.fingerprint !== null && existing.fingerprint !== msg.fingerprint) {
    // Real mail reuses Message-IDs for different messages: keep both, never drop one as a "duplicate".
    externalId = `${msg.messageId}#${msg.fingerprint}`;
    existing = byId.get(msg.account, externalId) as Row | undefined;
  }
  if (existing) {
    // Our own reply, back from the Sent mailbox (matched by its Message-ID): the same message, never
    // a second one. Its copy there becomes its place unless it already has one in another mailbox.
    if (!msg.outgoing || existing.mailbox === null || existing.mailbox === msg.mailbox) {
      const flags = msg.flags.join(' ');
      stmt(db, 'UPDATE messages SET mailbox = ?, uid = ?, flags = ? WHERE id = ?').run(msg.mailbox, msg.uid, flags, existing.id);
    }
    if (existing.body_pending && !msg.bodyPending) {
      completeBody(db, existing.id, existing.conversation_id, msg, now);
      if (existing.direction === 'in' && !historic) appendEvent(db, 'message.received', existing.conversation_id, now, receivedData(msg, existing.id));
      // Stored just now as far as anyone reading the text (or the event log) can tell.
      return { created: true, conversationId: existing.conversation_id, messageRowId: existing.id, direction: existing.direction };
    }
    return { created: false, conversationId: existing.conversation_id, messageRowId: existing.id, direction: existing.direction };
  }

  const counterpart = direction === 'in' ? msg.from : msg.outgoing ? recipientOf(msg, account) : (msg.to[0] ?? null);
  // A Sent message never creates a customer: it joins a conversation here, or one with a customer we know.
  const customerId = !counterpart?.email ? null : msg.outgoing ? knownCustomerId(db, counterpart.email) : customerIdFor(db, counterpart.email, counterpart.name, now);

  const applied: Applied = {
    direction,
    sentAt: msg.sentAt,
    text: msg.text,
    subject: msg.subject,
    answered: msg.flags.includes('\\Answered'),
    attachments: msg.attachments,
    now,
    historic,
    firstSync: historyBefore !== undefined,
  };
  let conversationId = findConversation(db, msg, customerId);
  // Sent mail that threads to nothing here and goes to nobody we know (a private mail, a
  // newsletter, another team's thread): not support work, so not stored.
  if (conversationId === undefined && msg.outgoing && customerId === null) return { created: false, conversationId: 0, messageRowId: 0, direction, ignored: true };
  const created = conversationId === undefined;
  if (conversationId === undefined) {
    // A new conversation is written once with this message folded in (no insert-then-update:
    // half the writes on a cold sync, where nearly every message starts a conversation).
    // On a first sync, a conversation our own message starts is history until a customer message
    // inside the window joins it (foldMessage opens it then): the customer's last message decides.
    const history = historic || (historyBefore !== undefined && direction === 'out');
    // A conversation a teammate (or another mail client) started from the Sent mailbox waits for the customer.
    const status = history ? 'history' : (direction === 'in' && applied.answered) || msg.outgoing ? 'pending' : 'open';
    const a = foldMessage(db, null, { ...NO_MESSAGES, status }, applied);
    const r = rankNew?.({ channel: 'email', waitingSince: a.waitingSince, answeredBefore: a.firstResponseAt !== null, lastMessageAt: a.lastMessageAt });
    conversationId = Number(
      stmt(db, 
          `INSERT INTO conversations (channel, account, subject, customer_id, status, waiting_since, last_out_at, first_response_at,
             first_message_at, last_message_at, message_count, preview, created_at, updated_at,
             priority, priority_rank, due_at, queue_key, vip, rank_reasons, backlog_at, backlog_lead, rank_dirty, thread_root)
           VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          msg.account, a.subject ?? '', customerId, a.status, a.waitingSince, a.lastOutAt, a.firstResponseAt, a.firstMessageAt, a.lastMessageAt, a.preview ?? '', now, now,
          // Unranked: the columns' defaults, and marked for refreshRanks.
          r?.priority ?? 'normal', r?.priorityRank ?? 2, r?.dueAt ?? null, r?.queueKey ?? NOT_WAITING_KEY, r?.vip ? 1 : 0, r?.reasonsJson ?? '[]',
          r?.backlogAt ?? null, r?.backlogLead ?? 0, r ? 0 : 1,
          // The thread's root, the same for every agent whichever message their sync saw first (team key).
          msg.references[0] ?? msg.inReplyTo[0] ?? msg.messageId,
        )
        .lastInsertRowid,
    );
    // History is not news: no conversation.opened for hooks and `watch`, nothing for stats to count.
    if (!history) appendEvent(db, 'conversation.created', conversationId, now, { channel: 'email', account: msg.account });
  }

  const messageRowId = Number(
    stmt(db, 
        `INSERT INTO messages (conversation_id, account, external_id, direction, from_name, from_addr, to_json, subject, sent_at, text,
           attachments_json, delivery_state, mailbox, uid, flags, fingerprint, body_pending, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        conversationId,
        msg.account,
        externalId,
        direction,
        msg.from?.name ?? '',
        fromAddr,
        JSON.stringify([...msg.to, ...msg.cc]),
        msg.subject,
        msg.sentAt,
        msg.text,
        JSON.stringify(msg.attachments),
        direction === 'out' ? 'sent' : null,
        msg.mailbox,
        msg.uid,
        msg.flags.join(' '),
        msg.fingerprint,
        msg.bodyPending ? 1 : 0,
        now,
      ).lastInsertRowid,
  );
  const addRef = stmt(db, 'INSERT OR IGNORE INTO thread_refs (account, message_id, conversation_id) VALUES (?, ?, ?)');
  for (const key of threadKeys(msg.messageId, msg.inReplyTo, msg.references)) addRef.run(msg.account, key, conversationId);

  if (!created) applyMessage(db, conversationId, applied);
  // A message whose text is still to come is announced when it comes (hooks and `watch` get the text).
  if (direction === 'in' && !msg.bodyPending && !historic) appendEvent(db, 'message.received', conversationId, now, receivedData(msg, messageRowId));
  // A reply that went out without us (a teammate, another mail client) counts as ours do. `sentAt`
  // (when it reached the server) is when it answered: attend only learns of it now.
  if (msg.outgoing && !historic) {
    appendEvent(db, 'reply.sent', conversationId, now, { channel: 'email', messageId: msg.messageId, messageRowId, sentAt: msg.sentAt, source: 'sent-mailbox' });
  }
  return { created: true, conversationId, messageRowId, direction };
}

/** Whom a message from the Sent mailbox went to: the first recipient that is not the account itself. */
function recipientOf(msg: IncomingEmail, account: string): IncomingEmail['from'] {
  return [...msg.to, ...msg.cc].find((a) => a.email !== '' && a.email.toLowerCase() !== account) ?? null;
}

/**
 * message.received's data. `arrivedAt`: when the message reached the server (its sent_at, from
 * INTERNALDATE): stats count response times from it, not from when attend happened to fetch it.
 */
function receivedData(msg: IncomingEmail, messageRowId: number): Record<string, unknown> {
  return { channel: 'email', messageId: msg.messageId, messageRowId, arrivedAt: msg.sentAt };
}

/** The text of a message stored from its headers; the conversation's preview follows if it is the newest. */
function completeBody(db: Db, messageRowId: number, conversationId: number, msg: IncomingEmail, now: number): void {
  stmt(db, 'UPDATE messages SET text = ?, attachments_json = ?, body_pending = 0 WHERE id = ?').run(msg.text, JSON.stringify(msg.attachments), messageRowId);
  const newest = stmt(db, "SELECT id FROM messages WHERE conversation_id = ? AND direction <> 'note' ORDER BY sent_at DESC, id DESC LIMIT 1").get(conversationId) as
    | { id: number }
    | undefined;
  if (newest?.id === messageRowId) {
    stmt(db, 'UPDATE conversations SET preview = ?, updated_at = ? WHERE id = ?').run(previewText(msg.text, msg.attachments), now, conversationId);
  }
}

function findConversation(db: Db, msg: IncomingEmail, customerId: number | null): number | undefined {
  const byRef = stmt(db, 'SELECT conversation_id FROM thread_refs WHERE account = ? AND message_id = ?');
  for (const key of threadKeys(msg.messageId, msg.inReplyTo, msg.references)) {
    const row = byRef.get(msg.account, key) as { conversation_id: number } | undefined;
    if (row) return row.conversation_id;
  }
  // Last resort: a "Re:" without usable headers joins the same customer's recent thread with that subject.
  if (customerId !== null && msg.inReplyTo.length === 0 && msg.references.length === 0 && isReplySubject(msg.subject)) {
    const subject = normalizeSubject(msg.subject);
    const row = stmt(db, 
        `SELECT id FROM conversations WHERE customer_id = ? AND account = ? AND channel = 'email' AND subject = ?
           AND last_message_at >= ? ORDER BY last_message_at DESC LIMIT 1`,
      )
      .get(customerId, msg.account, subject, msg.sentAt - SUBJECT_FALLBACK_WINDOW_MS) as { id: number } | undefined;
    return row?.id;
  }
  return undefined;
}

interface Applied {
  direction: Direction;
  sentAt: number;
  text: string;
  subject: string;
  answered: boolean;
  attachments: AttachmentMeta[];
  now: number;
  /** Chat: the preview is what the customer said last, so an agent's reply does not replace it. */
  previewFromCustomer?: boolean;
  /** From before the open window on a first sync: counts as dealt with (see ingestEmail). */
  historic?: boolean;
  /** Part of a first sync that draws a history line. */
  firstSync?: boolean;
}

interface ConversationAggregates {
  status: string;
  first_message_at: number | null;
  last_message_at: number | null;
  last_out_at: number | null;
  waiting_since: number | null;
  first_response_at: number | null;
}

/** A conversation before its first message. */
const NO_MESSAGES: ConversationAggregates = {
  status: 'open',
  first_message_at: null,
  last_message_at: null,
  last_out_at: null,
  waiting_since: null,
  first_response_at: null,
};

interface Folded {
  status: string;
  waitingSince: number | null;
  lastOutAt: number | null;
  firstResponseAt: number | null;
  firstMessageAt: number | null;
  lastMessageAt: number | null;
  /** The new subject, when this message is the oldest and has one; else unchanged (null). */
  subject: string | null;
  /** The new preview, when this message is the newest that shows one; else unchanged (null). */
  preview: string | null;
  /** The customer wrote again to a conversation that was not open. */
  reopened: boolean;
}

/**
 * A conversation's aggregates with one more message, independent of arrival order.
 * `conversationId` null: the conversation is new, so it has no other messages to look at.
 */
function foldMessage(db: Db, conversationId: number | null, c: ConversationAggregates, m: Applied): Folded {
  const isNewest = c.last_message_at === null || m.sentAt >= c.last_message_at;
  const isOldest = c.first_message_at === null || m.sentAt < c.first_message_at;
  let { status, waiting_since: waitingSince, last_out_at: lastOutAt, first_response_at: firstResponseAt } = c;
  let reopened = false;

  if (m.direction === 'in') {
    const unanswered = !m.answered && !m.historic && (lastOutAt === null || m.sentAt > lastOutAt);
    if (unanswered) waitingSince = waitingSince === null ? m.sentAt : Math.min(waitingSince, m.sentAt);
    if (m.firstSync && status === 'history' && !m.historic) {
      // A first sync found a customer message inside the window in what older messages (or our
      // own reply) started as history: the conversation is what that message makes it, as if it
      // had come first (the first sync stores a batch oldest first, batches newest first).
      status = m.answered ? 'pending' : 'open';
      reopened = true;
    } else if (isNewest && unanswered && status !== 'open' && c.last_message_at !== null) {
      // The customer wrote again: a resolved, pending, snoozed or history conversation needs attention.
      status = 'open';
      reopened = true;
    }
  } else if (m.direction === 'out') {
    if (lastOutAt === null || m.sentAt > lastOutAt) {
      lastOutAt = m.sentAt;
      if (waitingSince !== null && waitingSince <= m.sentAt && conversationId !== null) {
        const next = stmt(db, "SELECT MIN(sent_at) AS t FROM messages WHERE conversation_id = ? AND direction = 'in' AND sent_at > ?")
          .get(conversationId, m.sentAt) as { t: number | null };
        waitingSince = next.t;
      }
    }
    const hadInbound =
      conversationId !== null &&
      stmt(db, "SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'in' AND sent_at <= ? LIMIT 1").get(conversationId, m.sentAt);
    if (hadInbound && (firstResponseAt === null || m.sentAt < firstResponseAt)) firstResponseAt = m.sentAt;
  }
  return {
    status,
    waitingSince,
    lastOutAt,
    firstResponseAt,
    firstMessageAt: isOldest ? m.sentAt : c.first_message_at,
    lastMessageAt: isNewest ? m.sentAt : c.last_message_at,
    subject: isOldest && m.subject.trim() !== '' ? normalizeSubject(m.subject) : null,
    preview: isNewest && m.direction !== 'note' && !(m.previewFromCustomer && m.direction !== 'in') ? previewText(m.text, m.attachments) : null,
    reopened,
  };
}

/** Folds one new message into its conversation's aggregates, independent of arrival order. */
export function applyMessage(db: Db, conversationId: number, m: Applied): void {
  const c = stmt(db, 'SELECT status, first_message_at, last_message_at, last_out_at, waiting_since, first_response_at FROM conversations WHERE id = ?')
    .get(conversationId) as ConversationAggregates;
  const a = foldMessage(db, conversationId, c, m);
  if (a.reopened && m.firstSync && c.status === 'history') {
    // History the same first sync opens (a message inside the window, stored after older ones of
    // its thread): nobody has heard of it, so it is announced as any new conversation is.
    const { account } = stmt(db, 'SELECT account FROM conversations WHERE id = ?').get(conversationId) as { account: string };
    appendEvent(db, 'conversation.created', conversationId, m.now, { channel: 'email', account });
  } else if (a.reopened) appendEvent(db, 'conversation.reopened', conversationId, m.now, { reason: 'customer replied' });
  stmt(db, 
    `UPDATE conversations SET
       status = ?, snoozed_until = CASE WHEN ? = 'snoozed' THEN snoozed_until ELSE NULL END,
       waiting_since = ?, last_out_at = ?, first_response_at = ?,
       first_message_at = ?, last_message_at = ?, message_count = message_count + 1,
       subject = COALESCE(?, subject),
       preview = COALESCE(?, preview),
       updated_at = ?
     WHERE id = ?`,
  ).run(a.status, a.status, a.waitingSince, a.lastOutAt, a.firstResponseAt, a.firstMessageAt, a.lastMessageAt, a.subject, a.preview, m.now, conversationId);
}

/** The list's preview line: the sender's new text, or what is attached when there is none. */
function previewText(text: string, attachments: AttachmentMeta[]): string {
  const line = previewOf(text, 160);
  if (line !== '') return line;
  return attachments.length > 0 ? `[${attachments.length} attachment${attachments.length > 1 ? 's' : ''}]` : '';
}
