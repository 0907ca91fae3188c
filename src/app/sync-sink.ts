// Where the IMAP sync puts its batches. The worker sink stores on a second thread, so parsing IMAP
// (imapflow, CPU-bound) and writing SQLite run on two cores at once; the in-process sink is the fallback.
import { Worker } from 'node:worker_threads';
import type { BatchResult, FetchedBatch, SyncCursor, SyncSink, SyncTarget } from '../adapters/email/imap-sync.js';
import type { Db } from '../store/db.js';
import { dropCursor, getCursor, putCursor, updateFlags } from '../store/sync-state.js';
import { storeBatch } from './email-batch.js';

/**
 * @param afterStore runs after each stored batch on this thread (the queue ranks the new
 * conversations, so `attend list` from another process never has a backlog to rank).
 */
export function inProcessSink(db: Db, t: SyncTarget, now: () => number, log: (line: string) => void, afterStore?: () => void): SyncSink {
  return {
    getCursor: async () => getCursor(db, t.account, t.mailbox),
    dropCursor: async () => dropCursor(db, t.account, t.mailbox),
    putCursor: async (c) => putCursor(db, t.account, t.mailbox, c, now()),
    store: async (batch, cursor) => {
      const r = storeBatch(db, t, batch, cursor, now(), log);
      afterStore?.();
      return r;
    },
    updateFlags: async (changes) => {
      db.transaction(() => {
        for (const c of changes) updateFlags(db, t.account, t.mailbox, c.uid, c.flags);
      })();
    },
  };
}

/**
 * Stores the first batch in-process (the first screen must not wait for, or share the CPU with, a
 * thread starting up); on a long backfill it then starts the worker and hands it every batch once it is up. Batches are
 * stored one after another, so switching keeps their order.
 */
export function hybridSink(
  db: Db,
  t: SyncTarget,
  now: () => number,
  log: (line: string) => void,
  afterStore?: () => void,
): SyncSink & { close(): Promise<void> } {
  const local = inProcessSink(db, t, now, log, afterStore);
  if (db.memory) return { ...local, close: async () => {} };
  let worker: ReturnType<typeof workerSink> | null = null;
  let ready = false;
  return {
    ...local,
    store: async (batch, cursor) => {
      if (worker && ready) {
        const r = await worker.store(batch, cursor);
        afterStore?.();
        return r;
      }
      const result = await local.store(batch, cursor);
      // A thread only pays for itself on a long backfill (it costs ~0.2 s and ~65 MB to start).
      if (!worker && cursor.lowUid > WORKER_MIN_BACKLOG) {
        const w = workerSink(db.name, t, log);
        worker = w;
        w.getCursor().then(
          () => {
            ready = true;
          },
          () => {},
        );
      }
      return result;
    },
    close: async () => {
      await worker?.close();
    },
  };
}

/** UIDs still to backfill below which storing stays in-process (ATTEND_SYNC_WORKER_BACKLOG tunes it; tests lower it). */
const WORKER_MIN_BACKLOG = Number(process.env.ATTEND_SYNC_WORKER_BACKLOG) || 20_000;

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { log: string };

/** A sink backed by a worker thread with its own connection to the same store (WAL). close() when done. */
export function workerSink(dbFile: string, t: SyncTarget, log: (line: string) => void): SyncSink & { close(): Promise<void> } {
  const worker = new Worker(new URL('./sync-worker.js', import.meta.url), { workerData: { dbFile, target: t } });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let dead: Error | null = null;
  worker.on('message', (m: Reply) => {
    if ('log' in m) return log(m.log);
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(m.error));
  });
  worker.on('error', (err) => {
    dead = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  const call = <T>(op: string, ...args: unknown[]): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = ++next;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, args });
    });
  };
  return {
    getCursor: () => call<SyncCursor | undefined>('getCursor'),
    dropCursor: () => call('dropCursor'),
    putCursor: (c) => call('putCursor', c),
    store: (batch: FetchedBatch, cursor) => call<BatchResult>('store', batch, cursor),
    updateFlags: (changes) => call('updateFlags', changes),
    close: async () => {
      await call('close').catch(() => {});
      await worker.terminate();
    },
  };
}
