// Runs a long backfill's IMAP side on a worker thread (backfill-worker.ts), stores what it
// fetches here, and waits for it.
import { Worker } from 'node:worker_threads';
import type { ImapLogin } from '../../adapters/email/imap-session.js';
import type { SyncReport, SyncSink, SyncTarget } from '../../adapters/email/imap-sync.js';

/** UIDs still to backfill above which the backfill runs on a worker (ATTEND_SYNC_WORKER_BACKLOG tunes it; tests lower it). */
export const WORKER_MIN_BACKLOG = Number(process.env.ATTEND_SYNC_WORKER_BACKLOG) || 20_000;

/**
 * The worker's young generation, MB. V8's default (tens of MB per thread) is what a cold sync's
 * peak memory was made of; a small one costs more, shorter scavenges of short-lived parse garbage.
 */
const YOUNG_GENERATION_MB = 4;

/**
 * UIDs per backfill batch: each batch crosses to this thread as a copy, so smaller batches keep
 * this thread's heap small too (a 100k sync peaked at 195–197 MB with 1,000, 186–192 with 500;
 * the time did not change measurably).
 */
export const BACKFILL_BATCH_UIDS = 500;

export interface BackfillOptions {
  login: ImapLogin;
  target: SyncTarget;
  /** Where the worker's batches are stored: this thread's in-process sink. */
  sink: SyncSink;
  batchUids?: number;
  log: (line: string) => void;
  onBatch?: (r: SyncReport) => void;
  signal?: AbortSignal;
}

export function backfillOnWorker(o: BackfillOptions): Promise<SyncReport> {
  const worker = new Worker(new URL('./backfill-worker.js', import.meta.url), {
    workerData: { login: o.login, target: o.target, batchUids: o.batchUids ?? BACKFILL_BATCH_UIDS },
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  return new Promise<SyncReport>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      f();
    };
    // Stopping mid-batch loses nothing: every batch commits with its cursor, and the next sync resumes.
    const onAbort = () => {
      void worker.terminate();
      settle(() => reject(new Error('backfill stopped')));
    };
    o.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: { call?: { id: number; op: keyof SyncSink; args: unknown[] }; log?: string; progress?: SyncReport; done?: SyncReport; error?: string }) => {
      if (m.call) void answer(worker, o.sink, m.call);
      else if (m.log !== undefined) o.log(m.log);
      else if (m.progress) o.onBatch?.(m.progress);
      else if (m.done) settle(() => resolve(m.done as SyncReport));
      else if (m.error !== undefined) settle(() => reject(new Error(m.error)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the backfill worker stopped (exit ${code})`))));
  });
}

/** Runs one of the worker's sink calls on this thread's store and replies. */
async function answer(worker: Worker, sink: SyncSink, c: { id: number; op: keyof SyncSink; args: unknown[] }): Promise<void> {
  try {
    const fn = sink[c.op] as (...args: unknown[]) => Promise<unknown>;
    worker.postMessage({ id: c.id, ok: true, value: await fn(...c.args) });
  } catch (err) {
    worker.postMessage({ id: c.id, ok: false, error: (err as Error).message });
  }
}
