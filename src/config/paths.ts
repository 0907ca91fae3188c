import envPaths from 'env-paths';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

export interface AttendPaths {
  /** Directory holding settings (config.json). */
  config: string;
  /** Directory holding the SQLite store. */
  data: string;
}

/**
 * `$ATTEND_HOME` puts everything in one folder (tests, several profiles);
 * otherwise the platform's config and data directories are used.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): AttendPaths {
  const home = env.ATTEND_HOME;
  if (home && home.trim() !== '') {
    const root = path.resolve(home);
    return { config: root, data: root };
  }
  const p = envPaths('attend', { suffix: '' });
  return { config: p.config, data: p.data };
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * A file of customer data (a SQLite store): created 0600, or tightened to 0600 with its WAL and
 * shared-memory files, whatever the folder's mode or the umask. SQLite gives the -wal and -shm
 * files it creates the mode of the database file, so these stay private too.
 */
export function privateFile(file: string): void {
  if (file === ':memory:' || file.startsWith('file:')) return;
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** A warning when other users can enter or read the folder that holds customer data; null when it is private. */
export function exposedFolder(dir: string): string | null {
  try {
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `${dir} can be read by other users (mode ${mode.toString(8)}); the files attend writes there are private (0600), but run \`chmod 700 ${dir}\``;
  } catch {
    return null;
  }
}
