// Worker thread: stores fetched batches into the store (its own SQLite connection, WAL).
import { parentPort, workerData } from 'node:worker_threads';
import type { SyncTarget } from '../adapters/email/imap-sync.js';
import { openDb } from '../store/db.js';
import { inProcessSink } from './sync-sink.js';

const { dbFile, target } = workerData as { dbFile: string; target: SyncTarget };
const db = openDb(dbFile);
const port = parentPort;
if (!port) throw new Error('sync-worker must run as a worker thread');
const sink = inProcessSink(db, target, Date.now, (line) => port.postMessage({ log: line }));
const ops: Record<string, (...args: never[]) => Promise<unknown>> = {
  getCursor: sink.getCursor,
  dropCursor: sink.dropCursor,
  putCursor: sink.putCursor as (...args: never[]) => Promise<unknown>,
  store: sink.store as (...args: never[]) => Promise<unknown>,
  updateFlags: sink.updateFlags as (...args: never[]) => Promise<unknown>,
  close: async () => db.close(),
};

port.on('message', async (m: { id: number; op: string; args: never[] }) => {
  try {
    const fn = ops[m.op];
    if (!fn) throw new Error(`unknown op ${m.op}`);
    port.postMessage({ id: m.id, ok: true, value: await fn(...m.args) });
  } catch (err) {
    port.postMessage({ id: m.id, ok: false, error: (err as Error).message });
  }
});
