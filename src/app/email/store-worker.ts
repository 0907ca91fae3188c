// Worker thread: the store side of a sync. It ingests prepared batches (commitBatch) and ranks
// them on its own SQLite connection (WAL), so the thread that parses IMAP — CPU-bound, and the
// slowest part of a cold sync — never waits for SQLite. Batches arrive one at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import type { SyncTarget } from '../../adapters/email/imap-sync.js';
import type { SyncCursor } from '../../domain/sync-cursor.js';
import type { PolicySettings } from '../../config/policy-settings.js';
import { openDb } from '../../store/db.js';
import { commitBatch, type PreparedBatch } from './email-batch.js';
import { rankerForNew, refreshRanks } from '../queue/ranks.js';

const { dbFile, target, policy } = workerData as { dbFile: string; target: SyncTarget; policy: PolicySettings };
const port = parentPort;
if (!port) throw new Error('store-worker must run as a worker thread');
const db = openDb(dbFile);
const rankNew = rankerForNew(policy);

port.on('message', (m: { id: number; batch: PreparedBatch; cursor: SyncCursor; now: number } | { close: true }) => {
  if ('close' in m) {
    db.close();
    port.close();
    return;
  }
  try {
    const value = commitBatch(db, target, m.batch, m.cursor, m.now, (line) => port.postMessage({ log: line }), rankNew);
    // Ranked right after its commit, so `attend list` elsewhere never meets a backlog to rank.
    refreshRanks(db, policy);
    port.postMessage({ id: m.id, ok: true, value });
  } catch (err) {
    port.postMessage({ id: m.id, ok: false, error: (err as Error).message });
  }
});
