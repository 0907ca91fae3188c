// Where the IMAP sync puts its batches: the store, on this thread, or — for a backfill of a few
// thousand messages or more — on a store worker, so parsing IMAP and writing SQLite use both cores.
// (A very long backfill parses IMAP on a worker instead and stores here: see backfill.ts.)
import { Worker } from 'node:worker_threads';
import type { BatchResult, SyncSink, SyncTarget } from '../../adapters/email/imap-sync.js';
import type { SyncCursor } from '../../domain/sync-cursor.js';
import type { PolicySettings } from '../../config/policy-settings.js';
import type { Db } from '../../store/db.js';
import type { RankOfNew } from '../../store/ranks.js';
import { dropCursor, getCursor, putCursor, updateFlags } from '../../store/sync-state.js';
import { commitBatch, type PreparedBatch, prepareBatch, storeBatch } from './email-batch.js';
import { rankerForNew } from '../queue/ranks.js';

/**
 * @param afterStore runs after each stored batch on this thread (the queue ranks what changed, so
 * `attend list` from another process never has a backlog to rank).
 * @param rankNew ranks new conversations as they are written (rankerForNew).
 */
export function inProcessSink(db: Db, t: SyncTarget, now: () => number, log: (line: string) => void, afterStore?: () => void, rankNew?: RankOfNew): SyncSink {
  return {
    getCursor: async () => getCursor(db, t.account, t.mailbox),
    dropCursor: async () => dropCursor(db, t.account, t.mailbox),
    putCursor: async (c) => putCursor(db, t.account, t.mailbox, c, now()),
    store: async (batch, cursor) => {
      const r = storeBatch(db, t, batch, cursor, now(), log, rankNew);
      afterStore?.();
      return r;
    },
    storeHeaders: async (batch) => {
      // Whatever fails here is tried, and reported, again by the full batch.
      const at = now();
      commitBatch(db, t, { ...prepareBatch(t, batch, true, at), skipped: [] }, null, at, () => {}, rankNew);
      afterStore?.();
      // Tests pull the plug here: between the headers and their text.
      if (process.env.ATTEND_TEST_CRASH_AT === 'after-headers') process.kill(process.pid, 'SIGKILL');
    },
    updateFlags: async (changes) => {
      db.transaction(() => {
        for (const c of changes) updateFlags(db, t.account, t.mailbox, c.uid, c.flags);
      })();
    },
  };
}

/**
 * Backlog (UIDs still to fetch below the batch just stored) from which batches go to a store
 * worker: below it the thread would not pay for its start (~30 ms and one more SQLite connection).
 */
export const STORE_WORKER_MIN_BACKLOG = Number(process.env.ATTEND_STORE_WORKER_BACKLOG) || 2_000;

export interface ThreadedSinkOptions {
  policy: PolicySettings;
  /** Above this backlog the backfill is parsed on a worker and stored here instead (backfill.ts). */
  maxBacklog: number;
}

/**
 * The in-process sink until a batch leaves a backlog worth a thread; from then on each batch is
 * prepared here (decoded into domain messages) and committed and ranked by the store worker.
 * Batches stay in order: the sync hands over the next one only once the previous is committed.
 */
export function threadedSink(
  db: Db,
  t: SyncTarget,
  now: () => number,
  log: (line: string) => void,
  afterStore: () => void,
  o: ThreadedSinkOptions,
): SyncSink & { close(): Promise<void> } {
  const local = inProcessSink(db, t, now, log, afterStore, rankerForNew(o.policy));
  let worker: StoreWorker | null = null;
  // Decided once, at the first batch: by then the backlog is known, and a sink that has been
  // closed (its sync is over; the backfill may go on through it) never starts a thread again.
  let decided = false;
  return {
    ...local,
    store: async (batch, cursor) => {
      if (worker) {
        const at = now();
        return worker.commit(prepareBatch(t, batch, false, at), cursor, at);
      }
      const result = await local.store(batch, cursor);
      const backlog = cursor.lowUid - 1;
      if (!decided && !db.memory && backlog >= STORE_WORKER_MIN_BACKLOG && backlog < o.maxBacklog) worker = startStoreWorker(db.name, t, o.policy, log);
      decided = true;
      return result;
    },
    close: async () => {
      decided = true;
      const w = worker;
      worker = null;
      await w?.close();
    },
  };
}

interface StoreWorker {
  commit(batch: PreparedBatch, cursor: SyncCursor, now: number): Promise<BatchResult>;
  close(): Promise<void>;
}

type Reply = { id: number; ok: true; value: BatchResult } | { id: number; ok: false; error: string } | { log: string };

function startStoreWorker(dbFile: string, t: SyncTarget, policy: PolicySettings, log: (line: string) => void): StoreWorker {
  const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: { dbFile, target: t, policy } });
  const waiting = new Map<number, { resolve: (v: BatchResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let dead: Error | null = null;
  const fail = (err: Error) => {
    dead = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: Reply) => {
    if ('log' in m) return log(m.log);
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(m.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the store worker stopped (exit ${code})`)));
  return {
    commit: (batch, cursor, at) => {
      if (dead) return Promise.reject(dead);
      const id = ++next;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, batch, cursor, now: at });
      });
    },
    close: async () => {
      if (dead) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ close: true });
      await exited;
    },
  };
}
