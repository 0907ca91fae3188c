// Where an OAuth2 account's tokens are kept: a 0600 file in the attend home (default) or the
// user's own command (`tokenCommand`, e.g. around `pass`). Implemented by the sign-in work; this
// is the contract the rest of attend builds on.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { resolvePaths } from './paths.js';

/** What is kept per account. Refresh tokens rotate: every refresh saves the new one (atomically). */
export interface StoredTokens {
  refreshToken: string;
  /** The current access token and when it expires (ms since the epoch), shared by every process of this home. */
  accessToken?: string;
  accessExpiresAt?: number;
}

/** What `account list` may show: how and when, never a token. Kept beside the tokens, also 0600. */
export interface SignInStatus {
  /** The flow of the last sign-in. */
  method: 'device' | 'loopback' | 'paste';
  signedInAt: number;
  /** The last refresh of the access token; null before the first. */
  refreshedAt: number | null;
  /** Set when the provider refused the refresh token (revoked, expired): the one line the user sees. */
  expired: string | null;
}

export interface TokenVault {
  /** The stored tokens, or null when there are none (never signed in, or signed out). */
  load(): Promise<StoredTokens | null>;
  /** Replaces the stored tokens atomically: a crash leaves the old ones or the new ones, never half. */
  save(tokens: StoredTokens): Promise<void>;
}

// ---- Implementations ------------------------------------------------------------------------

/** The token store could not be read or written (a failing token command, an unreadable file): one line. */
export class TokenVaultError extends Error {}

/** Where an account's token file, status file and refresh lock live: <data dir>/oauth, 0700. */
export function oauthDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resolvePaths(env).data, 'oauth');
}

/**
 * Account names become file names, one per name and kind: every byte but a-z, 0-9, '-' and '_'
 * is written %XX (upper-case hex; '%' itself too), so the base is never a path, has no '.' (the
 * kinds' suffixes ".json", ".status.json", ".lock" cannot meet: "x.status" would otherwise be
 * the status file of "x"), and no upper-case letter outside an escape (a case-insensitive file
 * system cannot merge "Work" and "work"). Only this file names these files.
 */
function accountFileBase(account: string): string {
  let out = '';
  for (const byte of Buffer.from(account, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The file vault's token file of an account: <data dir>/oauth/<base>.json. */
export function tokenFile(account: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(oauthDir(env), `${accountFileBase(account)}.json`);
}

/** The cross-process refresh lock of an account (config/token-lock.ts): <data dir>/oauth/<base>.lock. */
export function refreshLockFile(account: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(oauthDir(env), `${accountFileBase(account)}.lock`);
}

/** Creates the oauth folder 0700, or tightens it when it already exists wider. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/**
 * Writes `text` to `file` so that a crash leaves the old content or the new, never half: a 0600
 * temporary file beside it, fsync, rename over, fsync the folder (so the rename itself survives).
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
}

async function readJson(file: string): Promise<unknown | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TokenVaultError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TokenVaultError(`${file} is not valid JSON`);
  }
}

/** Checks the shape without ever echoing a value (it would be a token). */
export function parseStoredTokens(data: unknown, where: string): StoredTokens {
  const d = data as Partial<StoredTokens> | null;
  if (!d || typeof d !== 'object' || typeof d.refreshToken !== 'string' || d.refreshToken === '') {
    throw new TokenVaultError(`${where}: no refreshToken in the stored tokens`);
  }
  const out: StoredTokens = { refreshToken: d.refreshToken };
  if (typeof d.accessToken === 'string' && typeof d.accessExpiresAt === 'number') {
    out.accessToken = d.accessToken;
    out.accessExpiresAt = d.accessExpiresAt;
  }
  return out;
}

/** The default vault: <data dir>/oauth/<account>.json, 0600 in a 0700 folder, replaced atomically. */
export function fileTokenVault(account: string, env: NodeJS.ProcessEnv = process.env): TokenVault {
  const dir = oauthDir(env);
  const file = tokenFile(account, env);
  return {
    async load() {
      const data = await readJson(file);
      return data === null ? null : parseStoredTokens(data, file);
    },
    async save(tokens) {
      ensurePrivateDir(dir);
      await writeFileAtomic(file, `${JSON.stringify(tokens)}\n`);
    },
  };
}

/**
 * The user's own store: `tokenCommand` run by /bin/sh with ATTEND_TOKEN_ACTION=load (prints the
 * JSON, or nothing when there is none) or save (reads the JSON on stdin), ATTEND_ACCOUNT=name.
 * The tokens travel by pipe only, never in arguments or the environment.
 */
export function commandTokenVault(account: string, command: string, env: NodeJS.ProcessEnv = process.env): TokenVault {
  const run = (action: 'load' | 'save', input: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        '/bin/sh',
        ['-c', command],
        { timeout: 30_000, maxBuffer: 1 << 20, env: { ...env, ATTEND_TOKEN_ACTION: action, ATTEND_ACCOUNT: account } },
        (err, stdout, stderr) => {
          if (err) {
            const why = stderr.toString().trim().split('\n')[0] || (err.killed ? 'timed out' : `exit code ${err.code ?? err.signal}`);
            reject(new TokenVaultError(`token command failed (${action}): ${why}`));
            return;
          }
          // The exit can be reported before the pipe's outcome: wait for it.
          void stdinDone.then((failed) => {
            if (action === 'save' && failed) reject(new TokenVaultError(`token command failed (save): it did not read the tokens on stdin (${failed})`));
            else resolve(stdout.toString());
          });
        },
      );
      // A command that does not read stdin closes the pipe: fine for load, but a save whose command
      // exits 0 without taking the tokens must fail — it would lose a rotated refresh token. (A
      // command that exits before reading, while the tokens still fit in the pipe's buffer, is not
      // seen here: nothing tells attend whether the bytes were read.)
      const stdinDone = new Promise<string | null>((done) => {
        const stdin = child.stdin;
        if (!stdin) return done('no stdin');
        stdin.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
        stdin.once('finish', () => done(null));
        stdin.once('close', () => done(stdin.writableFinished ? null : 'closed'));
      });
      child.stdin?.end(input);
    });
  return {
    async load() {
      const out = (await run('load', '')).trim();
      if (out === '') return null;
      let data: unknown;
      try {
        data = JSON.parse(out);
      } catch {
        throw new TokenVaultError('token command (load) printed something that is not JSON');
      }
      return parseStoredTokens(data, 'token command (load)');
    },
    async save(tokens) {
      await run('save', `${JSON.stringify(tokens)}\n`);
    },
  };
}

/** The vault for an account: its token command when it has one, else the 0600 file. */
export function tokenVaultFor(account: { name: string; oauth2?: { tokenCommand?: string } }, env: NodeJS.ProcessEnv = process.env): TokenVault {
  const cmd = account.oauth2?.tokenCommand;
  return cmd ? commandTokenVault(account.name, cmd, env) : fileTokenVault(account.name, env);
}

/** The sign-in status beside the tokens (<account>.status.json, 0600), also for token-command accounts: it holds no secret. */
export function signInStatusFile(account: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(oauthDir(env), `${accountFileBase(account)}.status.json`);
}

export async function loadSignInStatus(account: string, env: NodeJS.ProcessEnv = process.env): Promise<SignInStatus | null> {
  const data = (await readJson(signInStatusFile(account, env))) as Partial<SignInStatus> | null;
  if (!data || typeof data !== 'object' || typeof data.signedInAt !== 'number') return null;
  const method = data.method === 'device' || data.method === 'loopback' || data.method === 'paste' ? data.method : 'device';
  return {
    method,
    signedInAt: data.signedInAt,
    refreshedAt: typeof data.refreshedAt === 'number' ? data.refreshedAt : null,
    expired: typeof data.expired === 'string' ? data.expired : null,
  };
}

export async function saveSignInStatus(account: string, status: SignInStatus, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  ensurePrivateDir(oauthDir(env));
  await writeFileAtomic(signInStatusFile(account, env), `${JSON.stringify(status)}\n`);
}
