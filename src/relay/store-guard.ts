// Two things relay.db needs besides SQL. (1) One writer: the relay numbers events itself, so a
// second relay process on the same file would hand out the same numbers; a lock file held for
// the store's lifetime refuses it (the OS drops the lock if the process dies, so it never goes
// stale). (2) Checkpoints off the event loop: SQLite's automatic WAL checkpoint runs inside a
// commit and fsyncs, stalling every socket for up to hundreds of ms on a slow disk. A worker
// thread with its own connection checkpoints instead (PASSIVE: never blocks the writer).
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Takes the store's lock file; returns its release. Throws if another relay holds it. */
export function lockStore(file: string): () => void {
  const lock = new Database(`${file}.lock`);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    // In exclusive locking mode the lock taken by a write is kept until the connection closes.
    lock.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS relay_lock (x); COMMIT');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`${file} is in use by another relay (one relay per data directory; stop it or use another ATTEND_HOME)`);
    throw err;
  }
  return () => lock.close();
}

const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 50');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, everyMs = 500): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { driver, file, everyMs } });
  worker.unref();
  let failed: Error | undefined;
  worker.on('error', (err) => {
    failed = err;
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      // Unref'd while running (it must not keep a process alive), but whoever awaits its exit
      // needs the loop to stay up until then.
      worker.ref();
      if (!failed) worker.postMessage('stop');
      return exited;
    },
  };
}
