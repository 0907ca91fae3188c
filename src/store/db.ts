import Database from 'better-sqlite3';
import path from 'node:path';
import { ensureDir, privateFile, resolvePaths } from '../config/paths.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function storePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(ensureDir(resolvePaths(env).data), 'attend.db');
}

/**
 * Opens the store: WAL so the console and a concurrent `attend reply` can share it,
 * a busy timeout so writers wait for each other instead of failing, then migrations.
 */
export function openDb(file: string = storePath()): Db {
  privateFile(file);
  const db = new Database(file);
  try {
    prepare(db);
  } catch (err) {
    db.close();
    const e = err as Error & { code?: string };
    // Say which file: the user has to find it to restore or move it (attend never overwrites it).
    if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
      throw Object.assign(new Error(`the store ${file} is not a readable attend database (${e.message}); move it aside to start a new one`), { code: e.code });
    }
    throw err;
  }
  return db;
}

function prepare(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  // Statement journals (a statement that fires triggers keeps one) stay in memory: on disk, every
  // conversation insert created and deleted a temp file (measured: ingest 190 → 100 µs a message).
  db.pragma('temp_store = MEMORY');
  migrate(db);
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the store was written by a newer attend (schema ${current}, this one knows ${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
