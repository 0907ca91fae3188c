// Customer data is private whatever the folder's mode: the store, the relay's store and their
// WAL files are 0600 (issue 12.8: a 0755 home made them world-readable), and a readable folder is named.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exposedFolder } from '../../src/config/paths.js';
import { openRelayStore } from '../../src/relay/relay-store.js';
import { openDb } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const mode = (f: string) => statSync(f).mode & 0o777;

function openFolder(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'attend-modes-'));
  dirs.push(d);
  chmodSync(d, 0o755); // as /var/lib/attend often is
  return d;
}

describe('file modes', () => {
  it('attend.db and its WAL files are 0600 in a 0755 folder, with a umask that would allow 0644', () => {
    const d = openFolder();
    const old = process.umask(0o022);
    try {
      const db = openDb(path.join(d, 'attend.db'));
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      for (const f of ['attend.db', 'attend.db-wal', 'attend.db-shm']) expect(mode(path.join(d, f)), f).toBe(0o600);
      db.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens a store an older attend left world-readable', () => {
    const d = openFolder();
    const file = path.join(d, 'attend.db');
    openDb(file).close();
    chmodSync(file, 0o644);
    openDb(file).close();
    expect(mode(file)).toBe(0o600);
  });

  it('relay.db and its WAL files are 0600 too', () => {
    const d = openFolder();
    const old = process.umask(0o022);
    try {
      const store = openRelayStore(path.join(d, 'relay.db'));
      for (const f of ['relay.db', 'relay.db-wal', 'relay.db-shm']) expect(mode(path.join(d, f)), f).toBe(0o600);
      store.close();
    } finally {
      process.umask(old);
    }
  });

  it('names a folder that others can read, and is quiet about a private one', () => {
    const d = openFolder();
    expect(exposedFolder(d)).toMatch(/can be read by other users \(mode 755\).*chmod 700/);
    chmodSync(d, 0o700);
    expect(exposedFolder(d)).toBeNull();
    writeFileSync(path.join(d, 'x'), '');
  });
});
