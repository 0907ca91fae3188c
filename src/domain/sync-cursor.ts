// How far a mailbox is synced. The IMAP adapter advances it batch by batch (adapters/email/imap-sync.ts)
// and the store persists it with each batch (store/sync-state.ts). It lives in the domain because both
// sides need the one shape and the store may not import an adapter; it is the mailbox's position, not a
// wire detail (the MIME structures stay in adapters/email/mime-types.ts).

/** Every UID in [lowUid, highUid] is stored; lowUid = 1 once the backfill is complete. */
export interface SyncCursor {
  uidValidity: number;
  highUid: number;
  lowUid: number;
  /** CONDSTORE's position for flag changes; null when the server has no CONDSTORE. */
  highestModseq: bigint | null;
}
