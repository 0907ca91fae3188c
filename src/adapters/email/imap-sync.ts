// Fetches one mailbox for the store: newest first (so the first screen is there at once), then
// backfill, then on later runs only what changed (new UIDs, CONDSTORE flag changes). It fetches
// and hands each batch, with the cursor that covers it, to a sink that commits both together —
// so a crash at any point resumes exactly after the last committed batch. Fetching the next batch
// overlaps with storing the previous one.
import type { SyncCursor } from '../../domain/sync-cursor.js';
import { type ImapSession, type MessageMeta, toUidSet } from './imap-session.js';
import { chooseDisplayPart, type ParsedMessage, parseFullMessage } from './mime.js';
import type { DisplayPart } from './mime-types.js';

export interface SyncTarget {
  account: string;
  accountEmail: string;
  mailbox: string;
  /**
   * A first sync's history line (domain/open-window.ts): its messages that reached the server
   * before this are history. Fixed when the sync starts, so a message's headers and its text,
   * stored moments apart, fall on the same side. Absent: no line (window 0).
   */
  historyBefore?: number;
  /**
   * `sent`: the account's Sent mailbox. Everything in it is outgoing (a teammate's reply, one from
   * any other mail client, or our own coming back), whatever its From says.
   */
  role?: 'sent';
  /**
   * A first sync fetches only what reached the server from this time on (epoch ms), oldest first,
   * instead of the whole mailbox newest first: the Sent mailbox goes back only as far as the inbox's
   * open window. Later syncs fetch what is new, as for any mailbox.
   */
  since?: number;
}

/** One fetched batch: metadata, the raw display-text part of each message, full parses where the server gave no structure. */
export interface FetchedBatch {
  uidValidity: number;
  metas: MessageMeta[];
  texts: Array<{ uid: number; part: DisplayPart; raw: Buffer }>;
  parsed: Array<{ uid: number; message: ParsedMessage }>;
  /** Part of a first sync (its newest batch or the backfill below it), not new mail. */
  backfill?: boolean;
}

export interface BatchResult {
  fetched: number;
  added: number;
  skipped: number;
}

/** Where batches go: the store, in-process or on a worker thread. */
export interface SyncSink {
  getCursor(): Promise<SyncCursor | undefined>;
  dropCursor(): Promise<void>;
  putCursor(c: SyncCursor): Promise<void>;
  /** Commits the batch and the cursor in one transaction. */
  store(batch: FetchedBatch, cursor: SyncCursor): Promise<BatchResult>;
  /**
   * Commits messages from their headers alone, without moving the cursor (the `store` of the same
   * batch, with text, follows): a first sync's newest batch, so the list is there before the text.
   */
  storeHeaders?(batch: FetchedBatch): Promise<void>;
  updateFlags(changes: Array<{ uid: number; flags: string[] }>): Promise<void>;
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
  /** This run started the mailbox's first sync (no cursor yet). */
  firstSync: boolean;
}

export interface SyncHooks {
  log?: (line: string) => void;
  /** Called after each committed batch (tests and progress output). */
  onBatch?: (r: SyncReport) => void;
  /** Size of the first, newest batch: small, so the list has something to show at once. */
  firstBatch?: number;
  batchUids?: number;
  /**
   * Asked before the backfill with the lowest UID stored so far: true leaves the backfill to
   * someone else (a worker with its own connection), and the report says it is not complete.
   */
  backfillElsewhere?: (lowUid: number) => boolean;
}

/** Display text larger than this is cut: it is for reading in a terminal, not archiving. */
const MAX_TEXT_BYTES = 512 * 1024;
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export async function syncMailbox(session: ImapSession, sink: SyncSink, t: SyncTarget, hooks: SyncHooks = {}): Promise<SyncReport> {
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
    firstSync: false,
  };
  const box = await session.open(t.mailbox, true);
  let cursor = await sink.getCursor();
  report.firstSync = cursor === undefined;
  if (cursor && cursor.uidValidity !== box.uidValidity) {
    // The server renumbered the mailbox: start over. Messages are keyed by Message-ID, so nothing is duplicated.
    log(`${t.account}: ${t.mailbox} UIDVALIDITY changed (${cursor.uidValidity} → ${box.uidValidity}); re-syncing it`);
    await sink.dropCursor();
    cursor = undefined;
    report.uidValidityChanged = true;
  }
  const batchUids = hooks.batchUids ?? 1000;
  // At most one batch being stored while the next is fetched: overlap without holding the mailbox.
  let storing: Promise<void> = Promise.resolve();
  const hand = async (batch: FetchedBatch, c: SyncCursor) => {
    await storing;
    storing = sink.store(batch, c).then((r) => {
      report.fetched += r.fetched;
      report.added += r.added;
      report.skipped += r.skipped;
      hooks.onBatch?.(report);
    });
    storing.catch(() => {}); // surfaced by the next await
  };

  // Set only for a first sync from `t.since`: messages that reached the server before it are left out.
  let floor: number | undefined;
  if (!cursor && t.since !== undefined) {
    // IMAP SINCE counts whole days: the search finds the first UID, the fetch drops the rest of that day.
    const uids = box.exists === 0 ? [] : await session.uidsSince(new Date(t.since));
    const low = uids.reduce((m, u) => Math.min(m, u), box.uidNext);
    cursor = { uidValidity: box.uidValidity, highUid: low - 1, lowUid: 1, highestModseq: box.highestModseq };
    floor = t.since;
  }
  if (!cursor) {
    const top = box.uidNext - 1;
    if (box.exists === 0) {
      await sink.putCursor({ uidValidity: box.uidValidity, highUid: top, lowUid: 1, highestModseq: box.highestModseq });
      report.backfillComplete = true;
      return report;
    }
    const first = Math.max(1, box.exists - (hooks.firstBatch ?? 100) + 1);
    const metas = await fetchMetas(session, `${first}:*`, false);
    // The list needs only the headers. The text costs more: the first body FETCH of a session
    // makes Dovecot load the mailbox's UID list (~0.2 s for 100,000 messages), so it comes second.
    if (sink.storeHeaders) await sink.storeHeaders({ uidValidity: box.uidValidity, metas, texts: [], parsed: [], backfill: true });
    const batch = { ...(await fetchBodies(session, metas, box.uidValidity)), backfill: true };
    const low = batch.metas.reduce((m, x) => Math.min(m, x.uid), Number.MAX_SAFE_INTEGER);
    const high = batch.metas.reduce((m, x) => Math.max(m, x.uid), top);
    cursor = { uidValidity: box.uidValidity, highUid: high, lowUid: first === 1 ? 1 : low, highestModseq: box.highestModseq };
    await hand(batch, cursor);
  } else {
    // Messages above this were fetched just now with their flags: the flag pass skips them.
    const knownHigh = cursor.highUid;
    // New mail, oldest first so a crash resumes exactly after the last committed batch.
    while (cursor.highUid < box.uidNext - 1) {
      const from = cursor.highUid + 1;
      const to = Math.min(box.uidNext - 1, from + batchUids - 1);
      const inRange = (m: MessageMeta) => m.uid >= from && m.uid <= to && (floor === undefined || m.internalDate === null || m.internalDate >= floor);
      const batch = await fetchBatch(session, `${from}:${to}`, true, box.uidValidity, inRange);
      cursor = { ...cursor, highUid: to };
      await hand(batch, cursor);
    }
    if (cursor.highestModseq !== null && box.highestModseq !== null && box.highestModseq > cursor.highestModseq) {
      const changes: Array<{ uid: number; flags: string[] }> = [];
      for await (const c of session.changedFlags(cursor.highestModseq)) if (c.uid <= knownHigh) changes.push(c);
      await storing;
      await sink.updateFlags(changes);
      report.flagUpdates = changes.length;
    }
    cursor = { ...cursor, highestModseq: box.highestModseq };
    const settled = cursor;
    await storing;
    await sink.putCursor(settled);
  }

  if (cursor.lowUid > 1 && hooks.backfillElsewhere?.(cursor.lowUid)) {
    await storing;
    return report;
  }
  // Backfill older mail, newest first, one committed batch at a time.
  while (cursor.lowUid > 1) {
    const to = cursor.lowUid - 1;
    const from = Math.max(1, to - batchUids + 1);
    const batch = { ...(await fetchBatch(session, `${from}:${to}`, true, box.uidValidity, (m) => m.uid >= from && m.uid <= to)), backfill: true };
    cursor = { ...cursor, lowUid: from };
    await hand(batch, cursor);
  }
  await storing;
  report.backfillComplete = true;
  return report;
}

/** Metadata, then the display text (one FETCH per distinct part path), then whole messages where no structure came. */
async function fetchBatch(session: ImapSession, range: string, byUid: boolean, uidValidity: number, keep: (m: MessageMeta) => boolean = () => true): Promise<FetchedBatch> {
  return fetchBodies(session, await fetchMetas(session, range, byUid, keep), uidValidity);
}

async function fetchMetas(session: ImapSession, range: string, byUid: boolean, keep: (m: MessageMeta) => boolean = () => true): Promise<MessageMeta[]> {
  const metas: MessageMeta[] = [];
  for await (const m of session.fetchMeta(range, byUid)) if (keep(m)) metas.push(m);
  return metas;
}

async function fetchBodies(session: ImapSession, metas: MessageMeta[], uidValidity: number): Promise<FetchedBatch> {
  const parts = new Map<number, DisplayPart>();
  const byPath = new Map<string, number[]>();
  const noStructure: number[] = [];
  for (const m of metas) {
    if (!m.structure) {
      noStructure.push(m.uid);
      continue;
    }
    let dp: DisplayPart | null = null;
    try {
      dp = chooseDisplayPart(m.structure);
    } catch {
      dp = null;
    }
    if (!dp) continue;
    parts.set(m.uid, dp);
    const list = byPath.get(dp.part) ?? [];
    list.push(m.uid);
    byPath.set(dp.part, list);
  }
  const texts: FetchedBatch['texts'] = [];
  for (const [path, uids] of byPath) {
    for await (const { uid, raw } of session.fetchPart(toUidSet(uids), path, MAX_TEXT_BYTES)) {
      const part = parts.get(uid);
      if (part) texts.push({ uid, part, raw });
    }
  }
  const parsed: FetchedBatch['parsed'] = [];
  if (noStructure.length > 0) {
    for await (const { uid, raw } of session.fetchSource(toUidSet(noStructure), MAX_SOURCE_BYTES)) {
      parsed.push({ uid, message: await parseFullMessage(raw) });
    }
  }
  return { uidValidity, metas, texts, parsed };
}
