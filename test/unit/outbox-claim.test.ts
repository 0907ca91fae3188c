// The outbox claim: two connections to one store file act as two attend processes. Only one may
// hold an item; a lapsed lease or a dead holder lets another take it over; a live lease does not.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';
import {
  CLAIM_LEASE_MS,
  claimHolder,
  claimOutboxItem,
  enqueueEmail,
  getOutboxItem,
  releaseClaim,
  renewClaim,
  setOutboxState,
} from '../../src/store/outbox.js';
import { incomingEmail, SUPPORT } from '../helpers/fixtures.js';

const T = 1_700_000_000_000;
let dir: string | undefined;
const open: Db[] = [];

afterEach(() => {
  for (const db of open.splice(0)) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Two connections to the same file (as two processes have) and one queued reply. */
function twoProcesses(): { a: Db; b: Db; id: number } {
  dir = mkdtempSync(path.join(os.tmpdir(), 'attend-claim-'));
  const file = path.join(dir, 'attend.db');
  const a = openDb(file);
  const b = openDb(file);
  open.push(a, b);
  const conv = ingestEmail(a, incomingEmail({ messageId: 'q@cust', sentAt: T - 1000 }), SUPPORT, T - 1000);
  const item = enqueueEmail(
    a,
    conv.conversationId,
    'support',
    { messageId: 'r@shop.test', from: { name: '', email: SUPPORT }, to: [{ name: 'Ann', email: 'ann@cust.test' }], subject: 'Re: x', text: 'hi', inReplyTo: 'q@cust', references: ['q@cust'], date: T },
    T,
  );
  return { a, b, id: item.id };
}

describe('claimOutboxItem', () => {
  it('of two processes claiming the same item, exactly one wins', () => {
    const { a, b, id } = twoProcesses();
    const first = claimOutboxItem(a, id, 'host:1:a', T);
    const second = claimOutboxItem(b, id, 'host:2:b', T);
    expect(first?.id).toBe(id);
    expect(first?.state).toBe('queued');
    expect(second).toBeUndefined();
    expect(claimHolder(b, id)).toEqual({ owner: 'host:1:a', leaseUntil: T + CLAIM_LEASE_MS });
  });

  it('many claims in a row from alternating connections: one winner only, whatever the order', () => {
    const { a, b, id } = twoProcesses();
    const wins = [0, 1, 2, 3, 4, 5].filter((i) => claimOutboxItem(i % 2 ? b : a, id, `host:${10 + i}:n`, T + i) !== undefined);
    expect(wins).toEqual([0]);
  });

  it('a live lease cannot be taken, even a millisecond before it runs out; an expired one can', () => {
    const { a, b, id } = twoProcesses();
    expect(claimOutboxItem(a, id, 'host:1:a', T, { leaseMs: 1000 })).toBeDefined();
    expect(claimOutboxItem(b, id, 'host:2:b', T + 999)).toBeUndefined();
    const taken = claimOutboxItem(b, id, 'host:2:b', T + 1000);
    expect(taken?.id).toBe(id);
    expect(claimHolder(a, id)?.owner).toBe('host:2:b');
    // The old holder lost it: it cannot renew, and its release does not free the new holder's claim.
    expect(renewClaim(a, id, 'host:1:a', T + 1001)).toBe(false);
    releaseClaim(a, id, 'host:1:a');
    expect(claimHolder(a, id)?.owner).toBe('host:2:b');
  });

  it('a taken-over item left in sending comes back as sending (so the taker checks Sent first)', () => {
    const { a, b, id } = twoProcesses();
    const mine = claimOutboxItem(a, id, 'host:1:a', T, { leaseMs: 1000 });
    if (!mine) throw new Error('no claim');
    setOutboxState(a, mine, 'sending', T); // then process 1 "dies" mid-send
    expect(claimOutboxItem(b, id, 'host:2:b', T + 500)).toBeUndefined();
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1000)?.state).toBe('sending');
  });

  it('a holder known to be dead loses its claim at once; one presumed alive keeps it', () => {
    const { a, b, id } = twoProcesses();
    expect(claimOutboxItem(a, id, 'host:1:a', T)).toBeDefined();
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1, { holderGone: () => false })).toBeUndefined();
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1, { holderGone: (h) => h === 'host:1:a' })?.id).toBe(id);
  });

  it('a released item is free at once; renewing extends only the holder’s lease', () => {
    const { a, b, id } = twoProcesses();
    expect(claimOutboxItem(a, id, 'host:1:a', T, { leaseMs: 1000 })).toBeDefined();
    expect(renewClaim(b, id, 'host:2:b', T + 10)).toBe(false);
    expect(renewClaim(a, id, 'host:1:a', T + 900, 1000)).toBe(true);
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1500)).toBeUndefined(); // renewed to T + 1900
    releaseClaim(a, id, 'host:1:a');
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1501)?.id).toBe(id);
  });

  it('finished items are never claimed', () => {
    const { a, b, id } = twoProcesses();
    const mine = claimOutboxItem(a, id, 'host:1:a', T);
    if (!mine) throw new Error('no claim');
    setOutboxState(a, mine, 'sent', T);
    releaseClaim(a, id, 'host:1:a');
    expect(claimOutboxItem(b, id, 'host:2:b', T + 1)).toBeUndefined();
    expect(getOutboxItem(b, id)?.state).toBe('sent');
  });
});
