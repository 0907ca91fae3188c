// Opens the settings for reading without loading conf when the file is known to be valid.
// conf and its schema compiler (ajv) are ~40 ms of module loading at every start; most commands
// only read the settings, and a file whose stamp (size + mtime, written when it last passed
// validation) still matches has nothing left to check. Everything else — a changed or new file,
// and every command that writes settings — goes through conf and the schema (settings.ts).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolvePaths } from './paths.js';
import type { SettingsShape } from './settings.js';

/** What attend does with its settings; conf's instance is one, the trusted read-only view another. */
export interface Settings {
  get<K extends keyof SettingsShape>(key: K): SettingsShape[K];
  set<K extends keyof SettingsShape>(key: K, value: SettingsShape[K]): void;
}

/** Bump when the schema changes, so every settings file is validated again. */
export const SCHEMA_VERSION = 5;

export interface SettingsFiles {
  dir: string;
  file: string;
  stampFile: string;
}

/** Where the settings live; nothing is created (reading needs no folder; conf makes it before writing). */
export function settingsFiles(env: NodeJS.ProcessEnv): SettingsFiles {
  const dir = resolvePaths(env).config;
  return { dir, file: path.join(dir, 'config.json'), stampFile: path.join(dir, '.config.json.valid') };
}

export const settingsDefaults = (env: NodeJS.ProcessEnv): Pick<SettingsShape, 'accounts' | 'agent'> => ({
  accounts: [],
  agent: { name: env.USER ?? 'agent' },
});

export function stampOf(file: string): string {
  try {
    const st = statSync(file);
    return `v${SCHEMA_VERSION}:${st.size}:${st.mtimeMs}`;
  } catch {
    return `v${SCHEMA_VERSION}:none`;
  }
}

export function readStamp(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function writeStamp(file: string, stamp: string): void {
  try {
    writeFileSync(file, stamp, { mode: 0o600 });
  } catch {
    // Only a speed-up: without the stamp the next start validates again.
  }
}

/** The settings as a read-only view, when the file is the one that last passed validation; else null. */
export function readTrustedSettings(env: NodeJS.ProcessEnv): Settings | null {
  const { file, stampFile } = settingsFiles(env);
  const stamp = stampOf(file);
  if (readStamp(stampFile) !== stamp) return null;
  let data: Partial<SettingsShape>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<SettingsShape>;
  } catch {
    return null; // changed under us, or unreadable: conf says what is wrong
  }
  // Changed between the stamp check and the read: validate it after all.
  if (stampOf(file) !== stamp || data === null || typeof data !== 'object') return null;
  const store = { ...settingsDefaults(env), ...data } as SettingsShape;
  return {
    get: (key) => store[key],
    set: () => {
      throw new Error('internal: these settings were opened read-only (open them with validate: true to write)');
    },
  };
}

/**
 * The settings: the trusted read-only view when possible, else conf with the schema.
 * `live`: for processes that run until stopped (console, watch, sync --watch): conf, which reads
 * the file again at every get, so edits made meanwhile take effect; the view is a snapshot.
 */
export async function openSettingsFast(env: NodeJS.ProcessEnv = process.env, opts: { validate?: boolean; live?: boolean } = {}): Promise<Settings> {
  if (!opts.validate && !opts.live) {
    const trusted = readTrustedSettings(env);
    if (trusted) return trusted;
  }
  return (await import('./settings.js')).openSettings(env, opts);
}
