import envPaths from 'env-paths';
import { mkdirSync } from 'node:fs';
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
