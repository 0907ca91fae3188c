// Serializes token refreshes across every attend process of this home. Refresh tokens rotate: two
// processes refreshing with the same one make the provider see a reused token and end the whole
// sign-in (TESTBED). The lock is a file created with O_EXCL in the oauth folder holding
// "PID TIME NONCE"; a lock whose process is gone (or, as a fallback, older than STALE_MS) is
// broken. Within one process a queue keeps callers from polling the file against each other.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { accountFileBase, ensurePrivateDir, oauthDir, TokenVaultError } from './token-vault.js';

/**
 * A refresh is bounded by its HTTP timeout (15 s) and the token command's (30 s); a lock older
 * than this belongs to a process that hangs or to another machine sharing the folder.
 */
const STALE_MS = 60_000;
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

/** Whether a lock file's content names a holder that can no longer be holding it. */
function isStale(content: string, now: number): boolean {
  const [pidText, timeText] = content.trim().split(' ');
  const pid = Number(pidText);
  const time = Number(timeText);
  if (!Number.isInteger(pid) || !Number.isFinite(time)) return true;
  // Our own pid on a file we do not hold (the in-process queue admits one holder): a previous process with the same pid.
  if (pid === process.pid || !alive(pid)) return true;
  return now - time > STALE_MS;
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
  if (moved !== seen) await link(aside, file).catch(() => {}); // a fresh lock: put it back
  await unlink(aside).catch(() => {});
}

async function acquire(file: string, waitMs: number): Promise<string> {
  const mine = `${process.pid} ${Date.now()} ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + waitMs;
  for (;;) {
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

/** Runs `fn` while holding the account's refresh lock (this process and every other of this home). */
export async function withRefreshLock<T>(account: string, env: NodeJS.ProcessEnv, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const dir = ensurePrivateDir(oauthDir(env));
  const file = path.join(dir, `${accountFileBase(account)}.lock`);
  const before = queues.get(file) ?? Promise.resolve();
  const run = before.catch(() => {}).then(async () => {
    const mine = await acquire(file, opts.waitMs ?? 90_000);
    try {
      return await fn();
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
