import { openSettingsFast, type Settings } from '../config/settings-open.js';
import path from 'node:path';
import { exposedFolder } from '../config/paths.js';
import { safeLine } from '../domain/sanitize.js';
import { type Db, openDb, storePath } from '../store/db.js';

/** What every command and the console share: settings, the store, a clock and a log line sink (stderr). */
export interface AppContext {
  settings: Settings;
  db: Db;
  now: () => number;
  log: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Loads the settings if this context was opened without them (the console, after its first frame). */
  loadSettings(): Promise<Settings>;
}

/**
 * Opens the store and, unless a command says it needs none, the settings. conf (and its schema
 * compiler) is loaded only when the settings file changed since it last passed validation, or
 * the command writes settings (settings-open.ts).
 */
export async function openContext(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = defaultLog,
  opts: { settings?: boolean; validateSettings?: boolean; liveSettings?: boolean } = {},
): Promise<AppContext> {
  const file = storePath(env);
  const db = openDb(file);
  const exposed = exposedFolder(path.dirname(file));
  if (exposed) log(exposed);
  let settings: Settings | null = null;
  if (opts.settings !== false) settings = await openSettingsFast(env, { validate: opts.validateSettings === true, live: opts.liveSettings === true });
  return {
    get settings(): Settings {
      if (!settings) throw new Error('internal: this command opened the store without settings');
      return settings;
    },
    db,
    now: Date.now,
    log,
    env,
    async loadSettings() {
      settings ??= await openSettingsFast(env, { validate: opts.validateSettings === true, live: opts.liveSettings === true });
      return settings;
    },
  };
}

/** One terminal-safe line: log lines quote servers and providers, whose text may carry escape sequences. */
function defaultLog(line: string): void {
  process.stderr.write(`attend: ${safeLine(line)}\n`);
}

export function closeContext(ctx: AppContext): void {
  ctx.db.close();
}
