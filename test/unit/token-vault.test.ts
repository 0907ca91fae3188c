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
  saveSignInStatus,
  TokenVaultError,
  tokenVaultFor,
} from '../../src/config/token-vault.js';

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
    expect(readdirSync(oauthDir(e))).toEqual(['%2E.%2Fevil%2Fx.json']);
    expect(existsSync(path.join(e.ATTEND_HOME as string, 'evil'))).toBe(false);
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
      writeFileSync(lock, `${other.pid} ${Date.now()} abc\n`);
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
    writeFileSync(lock, `${gone.pid} ${Date.now()} abc\n`);
    expect(await withRefreshLock('support', e, async () => 'ran')).toBe('ran');
    expect(existsSync(lock)).toBe(false);

    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, `${other.pid} ${Date.now()} abc\n`);
      await expect(withRefreshLock('support', e, async () => 'ran', { waitMs: 200 })).rejects.toThrow(/another attend process holds the token refresh lock/);
      // An old lock is stale even when its pid lives (a reused pid, a hung process).
      writeFileSync(lock, `${other.pid} ${Date.now() - 120_000} abc\n`);
      expect(await withRefreshLock('support', e, async () => 'ran')).toBe('ran');
    } finally {
      other.kill();
    }
  });

  it('releases the lock when the work throws', async () => {
    const e = env();
    await expect(withRefreshLock('support', e, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withRefreshLock('support', e, async () => 'next')).toBe('next');
    expect(readdirSync(oauthDir(e))).toEqual([]);
  });
});
