// relay.db on its own: the epoch and sequence across reopenings, idempotency keys expiring after
// 24 h, pruning, and the rate-limit building blocks (time passed in).
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventData } from '../../src/protocol/wire.js';
import { Buckets, WindowCounter } from '../../src/relay/rate-limit.js';
import { KEY_TTL_MS, RelayStore } from '../../src/relay/relay-store.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'attend-relay-store-'));
  file = path.join(dir, 'relay.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const msg = (conversation: number, body: string): EventData => ({
  kind: 'message',
  conversation,
  message: { id: `m-${body}`, from: 'visitor', author: 'V', body, sentAt: new Date(0).toISOString() },
});

describe('relay store', () => {
  it('refuses a damaged relay.db at start, by name and with the way out (issue 12.10), and opens again once it is moved aside', async () => {
    let s = new RelayStore(file);
    const { conversation } = s.createVisitor('tok', { name: 'V' }, 1);
    s.append(Array.from({ length: 400 }, (_, i) => msg(conversation.id, `body ${i} ${'x'.repeat(200)}`)), 1);
    await s.close();
    // Random bytes over a few pages in the middle of the file (the event log's b-tree).
    const fd = openSync(file, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, randomBytes(3 * 4096), 0, 3 * 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(() => new RelayStore(file)).toThrow(new RegExp(`${path.basename(file)} is damaged .*move the file aside \\(mv .*relay\\.db .*relay\\.db\\.damaged\\)`));
    // The lock was released: after moving it aside, a new store opens in the same place.
    renameSync(file, `${file}.damaged`);
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    s = new RelayStore(file);
    expect(s.lastSeq).toBe(0);
    await s.close();
  });

  it('keeps epoch and seq across reopenings, and never reuses a seq after a full prune', async () => {
    let s = new RelayStore(file);
    const epoch = s.epoch;
    const { conversation } = s.createVisitor('tok', { name: 'V' }, 1);
    expect(s.findVisitor('tok')?.name).toBe('V');
    expect(s.findVisitor('other')).toBeUndefined();
    const out = s.append([msg(conversation.id, 'a'), msg(conversation.id, 'b')], 1);
    expect(out.map((e) => e.seq)).toEqual([1, 2]);
    await s.close();

    s = new RelayStore(file);
    expect(s.epoch).toBe(epoch);
    expect(s.lastSeq).toBe(2);
    s.pruneEvents(2);
    await s.close();
    s = new RelayStore(file);
    expect(s.lastSeq).toBe(2);
    expect(s.retainedAfter).toBe(2);
    expect(s.append([msg(conversation.id, 'c')], 1)[0]?.seq).toBe(3);
    await s.close();
  });

  it('answers idempotency keys for 24 h, then purges them', async () => {
    const s = new RelayStore(file);
    const { conversation } = s.createVisitor('tok', {}, 0);
    const t0 = 1_000_000;
    const [e] = s.append([msg(conversation.id, 'x')], t0, { scope: 'v:1', key: 'k1' });
    expect(s.findKey('v:1', 'k1', t0 + 1000)).toEqual({ messageId: 'm-x', seq: e?.seq });
    expect(s.findKey('v:2', 'k1', t0)).toBeUndefined(); // scoped
    expect(s.findKey('v:1', 'k1', t0 + KEY_TTL_MS + 1)).toBeUndefined();
    expect(s.purgeKeys(t0 + KEY_TTL_MS - 1)).toBe(0);
    expect(s.purgeKeys(t0 + KEY_TTL_MS + 1)).toBe(1);
    await s.close();
  });

  it('rolls the sequence back with a failed batch', async () => {
    const s = new RelayStore(file);
    const { conversation } = s.createVisitor('tok', {}, 0);
    expect(() =>
      s.batch(() => {
        s.append([msg(conversation.id, 'lost')], 0);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(s.lastSeq).toBe(0);
    expect(s.append([msg(conversation.id, 'kept')], 0)[0]?.seq).toBe(1);
    await s.close();
  });
});

describe('rate-limit building blocks', () => {
  it('token bucket: burst, then refill; says how long to wait', () => {
    const b = new Buckets(5, 2000);
    for (let i = 0; i < 5; i++) expect(b.take('v', 0)).toBe(0);
    expect(b.take('v', 0)).toBe(2000);
    expect(b.take('v', 1500)).toBe(500);
    expect(b.take('v', 2000)).toBe(0);
    expect(b.take('other', 2000)).toBe(0);
  });

  it('sliding window: counts the last minute, says when a slot frees', () => {
    const w = new WindowCounter(60_000);
    for (let i = 0; i < 3; i++) w.hit('ip', i * 1000);
    expect(w.count('ip', 30_000)).toBe(3);
    expect(w.retryAfter('ip', 30_000)).toBe(30_000);
    expect(w.count('ip', 61_500)).toBe(1);
  });
});
