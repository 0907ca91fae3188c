// Turns a fetched batch into stored messages: decode the display text and build the domain
// message (prepareBatch, on the thread that fetched), then ingest idempotently and commit with the
// cursor (commitBatch, on the thread that owns the store: this one, or the store worker).
import crypto from 'node:crypto';
import type { BatchResult, FetchedBatch, SyncTarget } from '../../adapters/email/imap-sync.js';
import type { SyncCursor } from '../../domain/sync-cursor.js';
import type { MessageMeta } from '../../adapters/email/imap-session.js';
import { decodeDisplayText, listAttachments, type ParsedMessage } from '../../adapters/email/mime.js';
import { cleanMessageId, parseIdList } from '../../domain/threading.js';
import { arrivalTime } from '../../domain/open-window.js';
import type { IncomingEmail } from '../../domain/types.js';
import type { Db } from '../../store/db.js';
import { ingestEmail } from '../../store/ingest.js';
import type { RankOfNew } from '../../store/ranks.js';
import { putCursor } from '../../store/sync-state.js';

/** A batch as domain messages: plain data, so it can cross to the store worker as it is. */
export interface PreparedBatch {
  emails: IncomingEmail[];
  /** Messages that could not be turned into one (logged and counted, never stopping the sync). */
  skipped: Array<{ uid: number; reason: string }>;
  /** Part of a first sync's backfill: what predates the account's open window is history. */
  backfill?: boolean;
}

/** @param headersOnly the batch has no text yet (storeHeaders): its messages are stored as body-pending. */
export function prepareBatch(t: SyncTarget, batch: FetchedBatch, headersOnly = false, now = Date.now()): PreparedBatch {
  const texts = new Map<number, string>();
  for (const { uid, part, raw } of batch.texts) {
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from((raw as Uint8Array).buffer, (raw as Uint8Array).byteOffset, (raw as Uint8Array).byteLength);
    try {
      texts.set(uid, decodeDisplayText(buf, part));
    } catch {
      texts.set(uid, '');
    }
  }
  const parsed = new Map(batch.parsed.map((p) => [p.uid, p.message]));
  const out: PreparedBatch = { emails: [], skipped: [], ...(batch.backfill ? { backfill: true } : {}) };
  for (const m of batch.metas) {
    // Without a structure the message is parsed whole later, and may only then show its real Message-ID.
    if (headersOnly && !m.structure) continue;
    try {
      const email = toIncoming(t, batch.uidValidity, m, texts.get(m.uid) ?? '', parsed.get(m.uid), now);
      if (headersOnly) email.bodyPending = true;
      out.emails.push(email);
    } catch (err) {
      out.skipped.push({ uid: m.uid, reason: (err as Error).message });
    }
  }
  return out;
}

/**
 * Ingests a prepared batch and its cursor in one transaction: a crash resumes after the last commit.
 * `cursor` null: a headers-only batch (storeHeaders), whose full batch moves the cursor.
 */
export function commitBatch(
  db: Db,
  t: SyncTarget,
  batch: PreparedBatch,
  cursor: SyncCursor | null,
  now: number,
  log: (line: string) => void,
  rankNew?: RankOfNew,
): BatchResult {
  const result: BatchResult = { fetched: batch.emails.length + batch.skipped.length, added: 0, skipped: 0 };
  const skip = (uid: number, reason: string) => {
    result.skipped++;
    log(`${t.account}: skipped message UID ${uid} in ${t.mailbox}: ${reason}`);
  };
  for (const s of batch.skipped) skip(s.uid, s.reason);
  // Only a first sync's batches draw the line: new mail is never history.
  const historyBefore = batch.backfill ? t.historyBefore : undefined;
  db.transaction(() => {
    for (const email of batch.emails) {
      try {
        if (ingestEmail(db, email, t.accountEmail, now, rankNew, historyBefore).created) result.added++;
      } catch (err) {
        // Disk full, I/O error: SQLite has rolled the whole batch back. Fail it, or the cursor
        // below would commit alone and the next sync would start after mail never stored.
        if (!db.inTransaction) throw err;
        skip(email.uid, (err as Error).message);
      }
    }
    if (cursor) putCursor(db, t.account, t.mailbox, cursor, now);
  }).immediate();
  return result;
}

export function storeBatch(
  db: Db,
  t: SyncTarget,
  batch: FetchedBatch,
  cursor: SyncCursor,
  now: number,
  log: (line: string) => void,
  rankNew?: RankOfNew,
): BatchResult {
  return commitBatch(db, t, prepareBatch(t, batch, false, now), cursor, now, log, rankNew);
}

function attachmentsOf(m: MessageMeta, full: ParsedMessage | undefined) {
  if (!m.structure) return full?.attachments ?? [];
  try {
    return listAttachments(m.structure);
  } catch {
    return [];
  }
}

function toIncoming(t: SyncTarget, uidValidity: number, m: MessageMeta, text: string, full: ParsedMessage | undefined, now: number): IncomingEmail {
  // When it reached the server, not what the sender's clock wrote: waiting and response times
  // count from it, and mail that arrived while attend was off does not look new.
  const sentAt = arrivalTime(m.internalDate, m.date ?? full?.date ?? null, now);
  const ownId = m.messageId ? cleanMessageId(m.messageId) : full?.messageId ? cleanMessageId(full.messageId) : '';
  return {
    account: t.account,
    mailbox: t.mailbox,
    uidValidity,
    uid: m.uid,
    messageId: ownId !== '' ? ownId : syntheticId(m),
    inReplyTo: m.inReplyTo ? parseIdList(m.inReplyTo) : (full?.inReplyTo ?? []),
    references: m.references ? parseIdList(m.references) : (full?.references ?? []),
    subject: stripNul(m.subject || full?.subject || ''),
    from: m.from ?? full?.from ?? null,
    to: m.to.length ? m.to : (full?.to ?? []),
    cc: m.cc.length ? m.cc : (full?.cc ?? []),
    sentAt,
    flags: m.flags,
    text: stripNul(full ? full.text : text),
    attachments: attachmentsOf(m, full),
    size: m.size,
    fingerprint: fingerprint(m),
    ...(t.role === 'sent' ? { outgoing: true } : {}),
  };
}

/**
 * One-shot crypto.hash (Node >= 20.12): createHash().update().digest() cost ~4 µs a message in
 * object churn. Same digest either way, so stored fingerprints still match.
 */
const sha1Hex: (s: string) => string =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha1', s, 'hex') : (s) => crypto.createHash('sha1').update(s).digest('hex');

const stripNul = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '') : s);

/** Stable for the same message (same bytes, same server), different for different messages. */
function fingerprint(m: MessageMeta): string {
  return sha1Hex(`${m.date ?? ''}|${m.internalDate ?? ''}|${m.from?.email ?? ''}|${m.subject}|${m.size}`).slice(0, 16);
}

/** A message without a Message-ID still needs a stable key, the same after a UIDVALIDITY change. */
function syntheticId(m: MessageMeta): string {
  return `synthetic.${fingerprint(m)}@attend.invalid`;
}
