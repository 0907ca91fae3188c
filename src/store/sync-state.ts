import { stmt } from './statements.js';
import type { SyncCursor } from '../domain/sync-cursor.js';
import type { Db } from './db.js';

export function getCursor(db: Db, account: string, mailbox: string): SyncCursor | undefined {
  const r = stmt(db, 'SELECT uid_validity, high_uid, low_uid, highest_modseq FROM sync_state WHERE account = ? AND mailbox = ?')
    .get(account, mailbox) as { uid_validity: number; high_uid: number; low_uid: number; highest_modseq: string | null } | undefined;
  if (!r) return undefined;
  return {
    uidValidity: r.uid_validity,
    highUid: r.high_uid,
    lowUid: r.low_uid,
    highestModseq: r.highest_modseq === null ? null : BigInt(r.highest_modseq),
  };
}

export function putCursor(db: Db, account: string, mailbox: string, c: SyncCursor, now: number): void {
  stmt(db, 
    `INSERT INTO sync_state (account, mailbox, uid_validity, high_uid, low_uid, highest_modseq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, high_uid = excluded.high_uid,
       low_uid = excluded.low_uid, highest_modseq = excluded.highest_modseq, updated_at = excluded.updated_at`,
  ).run(account, mailbox, c.uidValidity, c.highUid, c.lowUid, c.highestModseq === null ? null : c.highestModseq.toString(), now);
}

export function dropCursor(db: Db, account: string, mailbox: string): void {
  stmt(db, 'DELETE FROM sync_state WHERE account = ? AND mailbox = ?').run(account, mailbox);
}

/** Updates flags of already-stored messages (CONDSTORE changes). */
export function updateFlags(db: Db, account: string, mailbox: string, uid: number, flags: string[]): void {
  stmt(db, 'UPDATE messages SET flags = ? WHERE account = ? AND mailbox = ? AND uid = ?').run(flags.join(' '), account, mailbox, uid);
}
