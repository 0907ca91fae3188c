// Syncs one mailbox into the store: newest first (so the first screen is there at once), then backfill,
// then on later runs only what changed (new UIDs, CONDSTORE flag changes). Crash-safe: each batch and
// the cursor that covers it commit in one transaction.
import { createHash } from 'node:crypto';
import { cleanMessageId, parseIdList } from '../../domain/threading.js';
import type { DisplayPart, IncomingEmail } from '../../domain/types.js';
import type { Db } from '../../store/db.js';
import { ingestEmail } from '../../store/ingest.js';
import { dropCursor, getCursor, putCursor, type SyncCursor, updateFlags } from '../../store/sync-state.js';
import { type ImapSession, type MessageMeta, toUidSet } from './imap-session.js';
import { chooseDisplayPart, decodeDisplayText, listAttachments, parseFullMessage } from './mime.js';

export interface SyncTarget {
  account: string;
  accountEmail: string;
  mailbox: string;
}

export interface SyncReport {
  account: string;
  mailbox: string;
  fetched: number;
  added: number;
  flagUpdates: number;
  skipped: number;
  uidValidityChanged: boolean;
  backfillComplete: boolean;
}

export interface SyncHooks {
  log?: (line: string) => void;
  /** Called after each committed batch (tests and progress output). */
  onBatch?: (r: SyncReport) => void;
  now?: () => number;
  /** Size of the first, newest batch: small, so the list has something to show at once. */
  firstBatch?: number;
  batchUids?: number;
}

/** Display text larger than this is cut: it is for reading in a terminal, not archiving. */
const MAX_TEXT_BYTES = 512 * 1024;
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export async function syncMailbox(session: ImapSession, db: Db, t: SyncTarget, hooks: SyncHooks = {}): Promise<SyncReport> {
  const now = hooks.now ?? Date.now;
  const log = hooks.log ?? (() => {});
  const report: SyncReport = {
    account: t.account,
    mailbox: t.mailbox,
    fetched: 0,
    added: 0,
    flagUpdates: 0,
    skipped: 0,
    uidValidityChanged: false,
    backfillComplete: false,
  };
  const box = await session.open(t.mailbox, true);
  let cursor = getCursor(db, t.account, t.mailbox);
  if (cursor && cursor.uidValidity !== box.uidValidity) {
    // The server renumbered the mailbox: start over. Messages are keyed by Message-ID, so nothing is duplicated.
    log(`${t.account}: ${t.mailbox} UIDVALIDITY changed (${cursor.uidValidity} → ${box.uidValidity}); re-syncing it`);
    dropCursor(db, t.account, t.mailbox);
    cursor = undefined;
    report.uidValidityChanged = true;
  }
  const batchUids = hooks.batchUids ?? 2000;
  const ctx: BatchContext = { session, db, t, report, now, log, uidValidity: box.uidValidity };

  if (!cursor) {
    const top = box.uidNext - 1;
    if (box.exists === 0) {
      putCursor(db, t.account, t.mailbox, { uidValidity: box.uidValidity, highUid: top, lowUid: 1, highestModseq: box.highestModseq }, now());
      report.backfillComplete = true;
      return report;
    }
    const first = Math.max(1, box.exists - (hooks.firstBatch ?? 100) + 1);
    const metas = await collect(session.fetchMeta(`${first}:*`, false));
    const low = metas.reduce((m, x) => Math.min(m, x.uid), Number.MAX_SAFE_INTEGER);
    cursor = { uidValidity: box.uidValidity, highUid: Math.max(top, ...metas.map((m) => m.uid)), lowUid: first === 1 ? 1 : low, highestModseq: box.highestModseq };
    await storeBatch(ctx, metas, cursor);
    hooks.onBatch?.(report);
  } else {
    // New mail, oldest first so a crash resumes exactly after the last committed batch.
    while (cursor.highUid < box.uidNext - 1) {
      const from = cursor.highUid + 1;
      const to = Math.min(box.uidNext - 1, from + batchUids - 1);
      const metas = await collect(session.fetchMeta(`${from}:${to}`, true));
      cursor = { ...cursor, highUid: to };
      await storeBatch(ctx, metas.filter((m) => m.uid >= from && m.uid <= to), cursor);
      hooks.onBatch?.(report);
    }
    if (cursor.highestModseq !== null && box.highestModseq !== null && box.highestModseq > cursor.highestModseq) {
      const changes = await collect(session.changedFlags(cursor.highestModseq));
      db.transaction(() => {
        for (const c of changes) updateFlags(db, t.account, t.mailbox, c.uid, c.flags);
      })();
      report.flagUpdates = changes.length;
    }
    cursor = { ...cursor, highestModseq: box.highestModseq };
    putCursor(db, t.account, t.mailbox, cursor, now());
  }

  // Backfill older mail, newest first, one committed batch at a time.
  while (cursor.lowUid > 1) {
    const to = cursor.lowUid - 1;
    const from = Math.max(1, to - batchUids + 1);
    const metas = await collect(session.fetchMeta(`${from}:${to}`, true));
    cursor = { ...cursor, lowUid: from };
    await storeBatch(ctx, metas.filter((m) => m.uid >= from && m.uid <= to), cursor);
    hooks.onBatch?.(report);
  }
  report.backfillComplete = true;
  return report;
}

interface BatchContext {
  session: ImapSession;
  db: Db;
  t: SyncTarget;
  report: SyncReport;
  now: () => number;
  log: (line: string) => void;
  uidValidity: number;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Fetches the display text of a batch (one FETCH per distinct part path), then commits batch + cursor together. */
async function storeBatch(ctx: BatchContext, metas: MessageMeta[], cursor: SyncCursor): Promise<void> {
  const { session, db, t, report } = ctx;
  const parts = new Map<number, DisplayPart>();
  const byPath = new Map<string, number[]>();
  const noStructure: number[] = [];
  for (const m of metas) {
    if (!m.structure) {
      noStructure.push(m.uid);
      continue;
    }
    const dp = safe(() => chooseDisplayPart(m.structure as NonNullable<MessageMeta['structure']>), null);
    if (!dp) continue;
    parts.set(m.uid, dp);
    const list = byPath.get(dp.part) ?? [];
    list.push(m.uid);
    byPath.set(dp.part, list);
  }
  const texts = new Map<number, string>();
  for (const [path, uids] of byPath) {
    for await (const { uid, raw } of session.fetchPart(toUidSet(uids), path, MAX_TEXT_BYTES)) {
      const dp = parts.get(uid);
      if (dp) texts.set(uid, safe(() => decodeDisplayText(raw, dp), ''));
    }
  }
  const parsed = new Map<number, Awaited<ReturnType<typeof parseFullMessage>>>();
  if (noStructure.length > 0) {
    for await (const { uid, raw } of session.fetchSource(toUidSet(noStructure), MAX_SOURCE_BYTES)) {
      parsed.set(uid, await parseFullMessage(raw));
    }
  }

  const now = ctx.now();
  db.transaction(() => {
    for (const m of metas) {
      report.fetched++;
      try {
        const email = toIncoming(t, ctx.uidValidity, m, texts.get(m.uid) ?? '', parsed.get(m.uid));
        if (ingestEmail(db, email, t.accountEmail, now).created) report.added++;
      } catch (err) {
        report.skipped++;
        ctx.log(`${t.account}: skipped message UID ${m.uid} in ${t.mailbox}: ${(err as Error).message}`);
      }
    }
    putCursor(db, t.account, t.mailbox, cursor, now);
  }).immediate();
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function toIncoming(
  t: SyncTarget,
  uidValidity: number,
  m: MessageMeta,
  text: string,
  full: Awaited<ReturnType<typeof parseFullMessage>> | undefined,
): IncomingEmail {
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
    fingerprint: fingerprint(m),
    attachments: m.structure ? safe(() => listAttachments(m.structure as NonNullable<MessageMeta['structure']>), []) : (full?.attachments ?? []),
    size: m.size,
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
