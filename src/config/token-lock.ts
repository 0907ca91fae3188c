// Serializes token refreshes across every attend process of this home. Refresh tokens rotate: two
// processes refreshing with the same one make the provider see a reused token and end the whole
// sign-in (TESTBED). The lock is a file created with O_EXCL in the oauth folder holding
// "PID TIME NONCE HOST", written at the moment it is taken. A lock of this host is broken only
// when its process is gone (a live pid is trusted over any age: a holder may wait long on a slow
// token command); a lock of another host sharing the folder, whose pid cannot be checked, only
// when older than REMOTE_STALE_MS. Within one process a queue keeps callers from polling the
// file against each other.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import { ensurePrivateDir, oauthDir, refreshLockFile, TokenVaultError } from './token-vault.js';

/**
 * Longer than the longest legitimate hold: the token command's load (30 s) + discovery (15 s) +
 * the refresh (15 s) + the token command's save (30 s, twice when the first save fails) + the status.
 */
const REMOTE_STALE_MS = 180_000;
const POLL_MS = 40;

const queues = new Map<string, Promise<unknown>>();

export interface LockOptions {
  /** Give up waiting for another process after this long (default 90 s). */
  waitMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This host's name as written in a lock (no spaces, so the fields stay apart). */
const thisHost = (): string => encodeURIComponent(os.hostname());

/** Whether a lock file's content names a holder that can no longer be holding it. */
export function isStale(content: string, now: number): boolean {
  const [pidText, timeText, , host] = content.trim().split(' ');
  const pid = Number(pidText);
  const time = Number(timeText);
  if (!Number.isInteger(pid) || !Number.isFinite(time) || !host) return true;
  if (host !== thisHost()) return now - time > REMOTE_STALE_MS;
  // Our own pid on a file we do not hold (the in-process queue admits one holder): a previous process with the same pid.
  return pid === process.pid || !alive(pid);
}

/** Removes a stale lock without removing a fresh one another process put there since we looked. */
async function breakStale(file: string, seen: string): Promise<void> {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  // A fresh lock: put it back. When a third process took the free name meanwhile, the fresh
  // holder no longer holds the file: its ownership check before refreshing (assertHeld) stops it.
  if (moved !== seen) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}

/** Whether the lock file is ours; a lock moved aside for a moment by a breaker is waited for. */
async function holds(file: string, mine: string): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    const held = await readFile(file, 'utf8').catch(() => null);
    if (held !== null) return held === mine;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function acquire(file: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Made at each try: a lock written after a long wait must carry the time it was taken.
    const mine = `${process.pid} ${Date.now()} ${randomBytes(8).toString('hex')} ${thisHost()}\n`;
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(mine, 'utf8');
      } finally {
        await fh.close();
      }
      return mine;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TokenVaultError(`cannot create the refresh lock ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    const held = await readFile(file, 'utf8').catch(() => null);
    if (held === null) continue; // released between our open and our read
    // A lock created but not yet written reads empty for a moment; empty for long, its writer died.
    const stale = held === '' ? Date.now() - (await stat(file).then((s) => s.mtimeMs, () => Date.now())) > 5_000 : isStale(held, Date.now());
    if (stale) {
      await breakStale(file, held);
      continue;
    }
    if (Date.now() > deadline) throw new TokenVaultError(`another attend process holds the token refresh lock ${file}; if none is running, remove that file`);
    await new Promise((r) => setTimeout(r, POLL_MS + Math.random() * POLL_MS));
  }
}

async function release(file: string, mine: string): Promise<void> {
  const held = await readFile(file, 'utf8').catch(() => null);
  if (held === mine) await unlink(file).catch(() => {});
}

export interface HeldLock {
  /** Throws when the lock is no longer this holder's (a breaker displaced it): call right before using the refresh token. */
  assertHeld(): Promise<void>;
}

/** Runs `fn` while holding the account's refresh lock (this process and every other of this home). */
export async function withRefreshLock<T>(account: string, env: NodeJS.ProcessEnv, fn: (lock: HeldLock) => Promise<T>, opts: LockOptions = {}): Promise<T> {
  ensurePrivateDir(oauthDir(env));
  const file = refreshLockFile(account, env);
  const before = queues.get(file) ?? Promise.resolve();
  const run = before.catch(() => {}).then(async () => {
    const mine = await acquire(file, opts.waitMs ?? 90_000);
    const lock: HeldLock = {
      async assertHeld() {
        if (!(await holds(file, mine))) throw new TokenVaultError(`the token refresh lock ${file} was taken over by another process; try again`);
      },
    };
    try {
      return await fn(lock);
    } finally {
      await release(file, mine);
    }
  });
  queues.set(file, run);
  try {
    return await run;
  } finally {
    if (queues.get(file) === run) queues.delete(file);
  }
}
