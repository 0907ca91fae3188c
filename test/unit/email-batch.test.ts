// A batch and its cursor commit together, even when the disk fills up in the middle of one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitBatch } from '../../src/app/email/email-batch.js';
import { openDb } from '../../src/store/db.js';
import { getCursor } from '../../src/store/sync-state.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const target = { account: 'support', accountEmail: SUPPORT, mailbox: 'INBOX' };
const batchOf = (n: number, from: number) => ({
  emails: Array.from({ length: n }, (_, i) => incomingEmail({ messageId: `full${from + i}@x`, sentAt: 1000 + i, text: 'x'.repeat(3000) })),
  skipped: [],
});

describe('commitBatch', () => {
  it('never commits a cursor past mail it could not store (a full disk mid-batch)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attend-batch-'));
    dirs.push(dir);
    const db = openDb(path.join(dir, 'attend.db'));
    commitBatch(db, target, batchOf(10, 0), { uidValidity: 1, highUid: 10, lowUid: 1, highestModseq: null }, 0, () => {});
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 20}`); // room for a few messages, not for 500
    const messages = () => (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    let failed: Error | null = null;
    try {
      commitBatch(db, target, batchOf(500, 10), { uidValidity: 1, highUid: 510, lowUid: 1, highestModseq: null }, 0, () => {});
    } catch (err) {
      failed = err as Error;
    }
    expect(failed?.message).toMatch(/full/i);
    // The whole batch is refused, cursor included: the next sync fetches those 500 again.
    expect(messages()).toBe(10);
    expect(getCursor(db, 'support', 'INBOX')?.highUid).toBe(10);
    db.close();
  });
});
