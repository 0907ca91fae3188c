// Where OAuth2 tokens are kept: the 0600 file (private folder, atomic replacement), the user's
// token command, the status beside them, and the cross-process refresh lock.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withRefreshLock } from '../../src/config/token-lock.js';
import {
  commandTokenVault,
  fileTokenVault,
  loadSignInStatus,
  oauthDir,
  refreshLockFile,
  saveSignInStatus,
  signInStatusFile,
  TokenVaultError,
  tokenFile,
  tokenVaultFor,
} from '../../src/config/token-vault.js';
import type { AppContext } from '../../src/app/context.js';
import { forgetTokens } from '../../src/app/email/account-setup.js';
import type { EmailAccount } from '../../src/config/settings.js';

const host = encodeURIComponent(os.hostname());

const dirs: string[] = [];
function env(): NodeJS.ProcessEnv {
  const d = mkdtempSync(path.join(os.tmpdir(), 'attend-vault-'));
  dirs.push(d);
  return { ...process.env, ATTEND_HOME: d };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('file token vault', () => {
  it('keeps the tokens 0600 in a 0700 folder under the data dir, and reads them back', async () => {
    const e = env();
    const v = fileTokenVault('support', e);
    expect(await v.load()).toBeNull();
    await v.save({ refreshToken: 'r1', accessToken: 'a1', accessExpiresAt: 123 });
    const dir = oauthDir(e);
    expect(dir).toBe(path.join(e.ATTEND_HOME as string, 'oauth'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'support.json')).mode & 0o777).toBe(0o600);
    expect(await v.load()).toEqual({ refreshToken: 'r1', accessToken: 'a1', accessExpiresAt: 123 });
    expect(readdirSync(dir)).toEqual(['support.json']);
  });

  it('tightens an existing folder that others could read', async () => {
    const e = env();
    mkdirSync(oauthDir(e), { recursive: true });
    chmodSync(oauthDir(e), 0o755);
    await fileTokenVault('support', e).save({ refreshToken: 'r' });
    expect(statSync(oauthDir(e)).mode & 0o777).toBe(0o700);
  });

  it('never turns an account name into a path', async () => {
    const e = env();
    await fileTokenVault('../evil/x', e).save({ refreshToken: 'r' });
    expect(readdirSync(oauthDir(e))).toEqual(['%2E%2E%2Fevil%2Fx.json']);
    expect(existsSync(path.join(e.ATTEND_HOME as string, 'evil'))).toBe(false);
  });

  it('no two account names share a file of any kind, even on a case-insensitive file system', async () => {
    const e = env();
    const names = ['x', 'x.status', 'Work', 'work', 'x.lock', '.x', '%2E', 'é'];
    for (const n of names) {
      await fileTokenVault(n, e).save({ refreshToken: `r-${n}` });
      await saveSignInStatus(n, { method: 'device', signedInAt: names.indexOf(n), refreshedAt: null, expired: null }, e);
    }
    for (const n of names) {
      expect(await fileTokenVault(n, e).load()).toEqual({ refreshToken: `r-${n}` });
      expect((await loadSignInStatus(n, e))?.signedInAt).toBe(names.indexOf(n));
    }
    const files = [...names.map((n) => tokenFile(n, e)), ...names.map((n) => signInStatusFile(n, e)), ...names.map((n) => refreshLockFile(n, e))];
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(names.length * 3);
    for (const f of files) expect(path.dirname(f)).toBe(oauthDir(e));
    expect(readdirSync(oauthDir(e))).toHaveLength(names.length * 2);
  });

  it('forgetTokens removes exactly the files the vault wrote, and not another account’s', async () => {
    const e = env();
    const ctx = { env: e, log: () => {} } as unknown as AppContext;
    const acc = (name: string) => ({ name }) as unknown as EmailAccount;
    await fileTokenVault('x', e).save({ refreshToken: 'rx' });
    await saveSignInStatus('x', { method: 'device', signedInAt: 1, refreshedAt: null, expired: null }, e);
    await fileTokenVault('A.b', e).save({ refreshToken: 'ra' });
    await saveSignInStatus('A.b', { method: 'device', signedInAt: 2, refreshedAt: null, expired: null }, e);
    await forgetTokens(ctx, acc('A.b'), 'a test');
    expect(await fileTokenVault('A.b', e).load()).toBeNull();
    expect(await loadSignInStatus('A.b', e)).toBeNull();
    expect(await fileTokenVault('x', e).load()).toEqual({ refreshToken: 'rx' });
    expect(readdirSync(oauthDir(e)).sort()).toEqual(['x.json', 'x.status.json']);
  });

  it('replaces atomically: a reader racing many writers only ever sees a whole file', async () => {
    const e = env();
    const v = fileTokenVault('support', e);
    await v.save({ refreshToken: 'x'.repeat(200_000) });
    const writes = Array.from({ length: 40 }, (_, i) => v.save({ refreshToken: String(i % 10).repeat(200_000 + i) }));
    let reads = 0;
    const reader = (async () => {
      for (let i = 0; i < 200; i++) {
        const t = await v.load();
        expect(t?.refreshToken).toMatch(/^(x+|(\d)\2*)$/);
        reads++;
      }
    })();
    await Promise.all([...writes, reader]);
    expect(reads).toBe(200);
    expect(readdirSync(oauthDir(e))).toEqual(['support.json']);
  });

  it('refuses a damaged file in one line that shows no content', async () => {
    const e = env();
    mkdirSync(oauthDir(e), { recursive: true });
    writeFileSync(path.join(oauthDir(e), 'support.json'), '{"accessToken":"SECRET-A"}');
    const err = await fileTokenVault('support', e).load().catch((x: Error) => x);
    expect(err).toBeInstanceOf(TokenVaultError);
    expect((err as Error).message).not.toContain('SECRET-A');
    writeFileSync(path.join(oauthDir(e), 'support.json'), '{"refreshToken":"SECRET-R"');
    const bad = await fileTokenVault('support', e).load().catch((x: Error) => x);
    expect((bad as Error).message).toMatch(/is not valid JSON$/);
    expect((bad as Error).message).not.toContain('SECRET');
  });
});

describe('command token vault', () => {
  it('runs the command with the action and account in the environment, the JSON on stdin and stdout', async () => {
    const e = env();
    const store = path.join(e.ATTEND_HOME as string, 'kept');
    const cmd = `if [ "$ATTEND_TOKEN_ACTION" = save ]; then cat > "${store}.$ATTEND_ACCOUNT"; else cat "${store}.$ATTEND_ACCOUNT" 2>/dev/null || true; fi`;
    const v = commandTokenVault('support', cmd, e);
    expect(await v.load()).toBeNull();
    await v.save({ refreshToken: 'r2', accessToken: 'a2', accessExpiresAt: 5 });
    expect(JSON.parse(readFileSync(`${store}.support`, 'utf8'))).toEqual({ refreshToken: 'r2', accessToken: 'a2', accessExpiresAt: 5 });
    expect(await v.load()).toEqual({ refreshToken: 'r2', accessToken: 'a2', accessExpiresAt: 5 });
    // The account's settings pick it.
    expect(await tokenVaultFor({ name: 'support', oauth2: { tokenCommand: cmd } }, e).load()).toMatchObject({ refreshToken: 'r2' });
    expect(existsSync(oauthDir(e))).toBe(false);
  });

  it('a failing command is one clear line', async () => {
    const e = env();
    const failing = commandTokenVault('support', 'echo "pass: store locked" >&2; echo more >&2; exit 3', e);
    await expect(failing.load()).rejects.toThrow(/^token command failed \(load\): pass: store locked$/);
    await expect(failing.save({ refreshToken: 'r' })).rejects.toThrow(/^token command failed \(save\): pass: store locked$/);
    await expect(commandTokenVault('support', 'exit 4', e).load()).rejects.toThrow(/^token command failed \(load\): exit code 4$/);
    await expect(commandTokenVault('support', 'echo not-json', e).load()).rejects.toThrow(/^token command \(load\) printed something that is not JSON$/);
  });

  it('a save whose command exits 0 without reading the tokens fails (the rotated refresh token would be lost)', async () => {
    const e = env();
    // More than a pipe's buffer, so the unread tokens cannot sit there unnoticed.
    const big = { refreshToken: 'r'.repeat(300_000) };
    await expect(commandTokenVault('support', 'sleep 0.2; exit 0', e).save(big)).rejects.toThrow(/^token command failed \(save\): it did not read the tokens on stdin \(EPIPE\)$/);
    await expect(commandTokenVault('support', 'exit 0', e).save(big)).rejects.toThrow(/^token command failed \(save\)/);
    // A load command that ignores stdin is fine, and a save that reads everything succeeds.
    await expect(commandTokenVault('support', 'sleep 0.1; exit 0', e).load()).resolves.toBeNull();
    await expect(commandTokenVault('support', 'cat > /dev/null', e).save(big)).resolves.toBeUndefined();
  });
});

describe('sign-in status', () => {
  it('is kept beside the tokens, 0600, and reads back; absent is null', async () => {
    const e = env();
    expect(await loadSignInStatus('support', e)).toBeNull();
    await saveSignInStatus('support', { method: 'device', signedInAt: 1, refreshedAt: null, expired: null }, e);
    expect(statSync(path.join(oauthDir(e), 'support.status.json')).mode & 0o777).toBe(0o600);
    expect(await loadSignInStatus('support', e)).toEqual({ method: 'device', signedInAt: 1, refreshedAt: null, expired: null });
  });
});

describe('refresh lock', () => {
  it('runs one holder at a time within a process', async () => {
    const e = env();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withRefreshLock('support', e, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 10));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(readdirSync(oauthDir(e))).toEqual([]);
  });

  it('waits while another live process holds it, then takes it', async () => {
    const e = env();
    mkdirSync(oauthDir(e), { recursive: true, mode: 0o700 });
    const other = spawn('sleep', ['30']);
    try {
      const lock = path.join(oauthDir(e), 'support.lock');
      writeFileSync(lock, `${other.pid} ${Date.now()} abc ${host}\n`);
      let got = false;
      const waiting = withRefreshLock('support', e, async () => {
        got = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toBe(false);
      rmSync(lock);
      await waiting;
      expect(got).toBe(true);
    } finally {
      other.kill();
    }
  });

  it('breaks the lock of a process that is gone, and gives up on a live holder after waitMs', async () => {
    const e = env();
    mkdirSync(oauthDir(e), { recursive: true, mode: 0o700 });
    const lock = path.join(oauthDir(e), 'support.lock');
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(lock, `${gone.pid} ${Date.now()} abc ${host}\n`);
    expect(await withRefreshLock('support', e, async () => 'ran')).toBe('ran');
    expect(existsSync(lock)).toBe(false);

    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, `${other.pid} ${Date.now()} abc ${host}\n`);
      await expect(withRefreshLock('support', e, async () => 'ran', { waitMs: 200 })).rejects.toThrow(/another attend process holds the token refresh lock/);
      // On this host a live pid is trusted over any age: its holder may be waiting on a slow token command.
      writeFileSync(lock, `${other.pid} ${Date.now() - 10 * 60_000} abc ${host}\n`);
      await expect(withRefreshLock('support', e, async () => 'ran', { waitMs: 200 })).rejects.toThrow(/another attend process holds the token refresh lock/);
      // Another host's lock goes by age only: a hold of 100 s is legitimate (token command, discovery, refresh, save)…
      writeFileSync(lock, `${other.pid} ${Date.now() - 100_000} abc elsewhere.example\n`);
      await expect(withRefreshLock('support', e, async () => 'ran', { waitMs: 200 })).rejects.toThrow(/another attend process holds the token refresh lock/);
      // … one far older than any is broken.
      writeFileSync(lock, `${other.pid} ${Date.now() - 10 * 60_000} abc elsewhere.example\n`);
      expect(await withRefreshLock('support', e, async () => 'ran')).toBe('ran');
    } finally {
      other.kill();
    }
  });

  it('a lock taken after a long wait carries the time it was taken, not the time the wait began', async () => {
    const e = env();
    mkdirSync(oauthDir(e), { recursive: true, mode: 0o700 });
    const lock = path.join(oauthDir(e), 'support.lock');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, `${other.pid} ${Date.now()} abc ${host}\n`);
      let content = '';
      const waiting = withRefreshLock('support', e, async () => {
        content = readFileSync(lock, 'utf8');
      });
      await new Promise((r) => setTimeout(r, 500));
      const freed = Date.now();
      rmSync(lock);
      await waiting;
      const [pid, time, nonce, onHost] = content.trim().split(' ');
      expect(Number(pid)).toBe(process.pid);
      expect(Number(time)).toBeGreaterThanOrEqual(freed);
      expect(nonce).toMatch(/^[0-9a-f]{16}$/);
      expect(onHost).toBe(host);
    } finally {
      other.kill();
    }
  });

  it('a holder whose lock was displaced finds out before it uses the refresh token', async () => {
    const e = env();
    const lock = refreshLockFile('support', e);
    await withRefreshLock('support', e, async (held) => {
      await held.assertHeld();
      // A breaker moved this lock aside and a third process took the free name meanwhile.
      writeFileSync(lock, `${process.pid + 1} ${Date.now()} other ${host}\n`);
      await expect(held.assertHeld()).rejects.toThrow(/was taken over by another process/);
    });
    // The third process's lock is left alone.
    expect(readFileSync(lock, 'utf8')).toContain(' other ');
  });

  it('releases the lock when the work throws', async () => {
    const e = env();
    await expect(withRefreshLock('support', e, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withRefreshLock('support', e, async () => 'next')).toBe('next');
    expect(readdirSync(oauthDir(e))).toEqual([]);
  });
});
