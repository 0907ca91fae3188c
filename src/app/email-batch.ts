// Turns a fetched batch into stored messages: decode the display text, build the domain message,
// ingest idempotently, and commit with the cursor. Runs in the sync worker (or in-process).
import { createHash } from 'node:crypto';
import type { BatchResult, FetchedBatch, SyncCursor, SyncTarget } from '../adapters/email/imap-sync.js';
import type { MessageMeta } from '../adapters/email/imap-session.js';
import { decodeDisplayText, listAttachments, type ParsedMessage } from '../adapters/email/mime.js';
import { cleanMessageId, parseIdList } from '../domain/threading.js';
import type { IncomingEmail } from '../domain/types.js';
import type { Db } from '../store/db.js';
import { ingestEmail } from '../store/ingest.js';
import { putCursor } from '../store/sync-state.js';

export function storeBatch(db: Db, t: SyncTarget, batch: FetchedBatch, cursor: SyncCursor, now: number, log: (line: string) => void): BatchResult {
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
  const result: BatchResult = { fetched: 0, added: 0, skipped: 0 };
  db.transaction(() => {
    for (const m of batch.metas) {
      result.fetched++;
      try {
        const email = toIncoming(t, batch.uidValidity, m, texts.get(m.uid) ?? '', parsed.get(m.uid));
        if (ingestEmail(db, email, t.accountEmail, now).created) result.added++;
      } catch (err) {
        result.skipped++;
        log(`${t.account}: skipped message UID ${m.uid} in ${t.mailbox}: ${(err as Error).message}`);
      }
    }
    putCursor(db, t.account, t.mailbox, cursor, now);
  }).immediate();
  return result;
}

function attachmentsOf(m: MessageMeta, full: ParsedMessage | undefined) {
  if (!m.structure) return full?.attachments ?? [];
  try {
    return listAttachments(m.structure);
  } catch {
    return [];
  }
}

function toIncoming(t: SyncTarget, uidValidity: number, m: MessageMeta, text: string, full: ParsedMessage | undefined): IncomingEmail {
  const sentAt = m.date ?? full?.date ?? m.internalDate ?? 0;
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
  };
}

const stripNul = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '') : s);

/** Stable for the same message (same bytes, same server), different for different messages. */
function fingerprint(m: MessageMeta): string {
  return createHash('sha1')
    .update(`${m.date ?? ''}|${m.internalDate ?? ''}|${m.from?.email ?? ''}|${m.subject}|${m.size}`)
    .digest('hex')
    .slice(0, 16);
}

/** A message without a Message-ID still needs a stable key, the same after a UIDVALIDITY change. */
function syntheticId(m: MessageMeta): string {
  return `synthetic.${fingerprint(m)}@attend.invalid`;
}
