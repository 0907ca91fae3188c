// Where the IMAP sync puts its batches: the store, on this thread. (A long backfill parses IMAP on
// a worker thread and still stores here, through this sink: see backfill.ts.)
import type { SyncSink, SyncTarget } from '../adapters/email/imap-sync.js';
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
