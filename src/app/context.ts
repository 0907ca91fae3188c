import { type Settings, openSettings } from '../config/settings.js';
import { type Db, openDb, storePath } from '../store/db.js';

/** What every command and the console share: settings, the store, a clock and a log line sink (stderr). */
export interface AppContext {
  settings: Settings;
  db: Db;
  now: () => number;
  log: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export function openContext(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = defaultLog): AppContext {
  const settings = openSettings(env);
  const db = openDb(storePath(env));
  return { settings, db, now: Date.now, log, env };
}

function defaultLog(line: string): void {
  process.stderr.write(`attend: ${line}\n`);
}

export function closeContext(ctx: AppContext): void {
  ctx.db.close();
}
