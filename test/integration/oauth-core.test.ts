// OAuth2 sign-in and token refresh against a real OpenID provider (oidc-provider, harness) with
// headless Chromium as the person: device, loopback and paste flows; refresh before expiry and
// forced; two processes refreshing at once; revoked, unreachable, wrong client. Tokens never
// appear in any output, message or status.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { accessTokenFor, type SignInIO, type SignInPrompt, signIn, signInStatus } from '../../src/app/email/oauth-session.js';
import { ProviderUnavailableError, SignInError, SignInExpiredError } from '../../src/app/email/sign-in-errors.js';
import type { EmailAccount } from '../../src/config/settings.js';
import { oauthDir } from '../../src/config/token-vault.js';
import { launchChromium, requireChromium } from '../helpers/browser.js';
import { freePort } from '../helpers/net.js';
import { completeBrowserSignIn, completeDeviceSignIn } from '../helpers/oauth-browser.js';
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js';

const EMAIL = 'agent@example.test';
const PASSWORD = 'secret';
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const REFRESHER = fileURLToPath(new URL('./oauth-core-refresher.ts', import.meta.url));

let provider: OAuthProvider;
let browser: Browser;
const homes: string[] = [];
/** Every token this suite saw, to prove none leaked into outputs. */
const seenTokens = new Set<string>();
/** Every line that could reach a person: prompts, error messages, child output. */
const shown: string[] = [];

function home(): AppContext {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attend-oauth-core-'));
  homes.push(dir);
  return { env: { ...process.env, ATTEND_HOME: dir }, now: Date.now, log: (l: string) => shown.push(l) } as unknown as AppContext;
}

function account(over: Partial<EmailAccount['oauth2']> = {}, p: OAuthProvider = provider): EmailAccount {
  return {
    type: 'email',
    name: 'support',
    email: EMAIL,
    user: EMAIL,
    imap: { host: '127.0.0.1', port: 1, security: 'none' },
    smtp: { host: '127.0.0.1', port: 1, security: 'none' },
    oauth2: { provider: 'generic', issuer: p.issuer, clientId: p.publicClient.clientId, ...over },
    mailbox: 'INBOX',
    sentMailbox: 'Sent',
    allowInsecure: true,
  };
}

/** An IO that completes whatever the sign-in shows in Chromium, as the person would. */
function personAt(opts: { capture?: boolean } = {}): SignInIO & { prompts: SignInPrompt[]; page: Promise<string> } {
  const prompts: SignInPrompt[] = [];
  let pasted: (url: string) => void = () => {};
  const paste = new Promise<string>((r) => (pasted = r));
  let pageDone: (text: string) => void = () => {};
  let pageFailed: (err: Error) => void = () => {};
  const page = new Promise<string>((resolve, reject) => {
    pageDone = resolve;
    pageFailed = reject;
  });
  // A Chromium failure shows in the test's output (the sign-in itself then waits until its timeout).
  page.catch((e: Error) => console.error(`person in Chromium: ${e.message}`));
  const io: SignInIO & { prompts: SignInPrompt[]; page: Promise<string> } = {
    prompts,
    page,
    show(p) {
      prompts.push(p);
      shown.push(JSON.stringify(p));
      if (p.kind === 'device') {
        void completeDeviceSignIn({ verificationUri: p.verificationUri, userCode: p.userCode, email: EMAIL, password: PASSWORD, browser }).then((r) => pageDone(r.pageText), pageFailed);
      } else if (p.kind === 'browser') {
        void completeBrowserSignIn(p.url, { email: EMAIL, password: PASSWORD, browser, capture: opts.capture })
          .then((r) => {
            pageDone(r.pageText);
            if (r.redirectUrl) pasted(r.redirectUrl);
          }, pageFailed);
      }
    },
  };
  if (opts.capture) io.readPastedUrl = () => paste;
  return io;
}

async function introspect(token: string): Promise<{ active: boolean; email?: string }> {
  const res = await fetch(provider.introspection.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${provider.introspection.clientId}:${provider.introspection.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }),
  });
  return (await res.json()) as { active: boolean; email?: string };
}

function stored(ctx: AppContext, name = 'support') {
  const file = path.join(oauthDir(ctx.env), `${name}.json`);
  const t = JSON.parse(readFileSync(file, 'utf8')) as { refreshToken: string; accessToken: string; accessExpiresAt: number };
  seenTokens.add(t.refreshToken);
  seenTokens.add(t.accessToken);
  return t;
}

const refreshes = (p: OAuthProvider = provider) => p.tokenRequests().filter((r) => r.grantType === 'refresh_token');
const hash = (t: string) => createHash('sha256').update(t).digest('hex');

async function signedIn(ctx: AppContext, acc = account()): Promise<void> {
  const io = personAt();
  // The browser flow: the device flow's first poll alone waits 5 s.
  await signIn(ctx, acc, io, { flow: 'loopback', timeoutMs: 60_000 });
}

const suite = requireChromium();

suite('OAuth2 core against a real OpenID provider', () => {
  beforeAll(async () => {
    provider = await startOAuthProvider();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await provider?.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('device flow: the person signs in with Chromium; tokens are kept 0600 in a 0700 folder, with a status', async () => {
    const ctx = home();
    const io = personAt();
    const result = await signIn(ctx, account(), io, { timeoutMs: 60_000 });
    // oidc-provider keeps scope claims out of the id token: the address comes from userinfo.
    expect(result).toEqual({ method: 'device', email: EMAIL });
    const prompt = io.prompts[0];
    expect(prompt?.kind).toBe('device');
    if (prompt?.kind === 'device') {
      expect(prompt.verificationUri).toBe(`${provider.issuer}/device`);
      expect(prompt.userCode).toMatch(/\w/);
      expect(prompt.expiresAt).toBeGreaterThan(Date.now());
    }
    expect(await io.page).toMatch(/signed in/i);

    const dir = oauthDir(ctx.env);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'support.json')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'support.status.json')).mode & 0o777).toBe(0o600);
    // Nothing left behind: no temporary file, no lock.
    expect(readdirSync(dir).sort()).toEqual(['support.json', 'support.status.json']);

    const t = stored(ctx);
    expect(t.accessExpiresAt).toBeGreaterThan(Date.now() + 200_000);
    expect(await introspect(t.accessToken)).toMatchObject({ active: true, email: EMAIL });
    const status = await signInStatus(ctx, account());
    expect(status).toMatchObject({ method: 'device', refreshedAt: null, expired: null });
    expect(status?.signedInAt).toBeGreaterThan(Date.now() - 60_000);

    // A token with minutes left is used as it is: no request to the provider.
    const before = refreshes().length;
    expect(await accessTokenFor(ctx, account())).toBe(t.accessToken);
    expect(refreshes().length).toBe(before);
  }, 90_000);

  it('loopback flow: Chromium follows the redirect to the listener, which answers and closes', async () => {
    const ctx = home();
    const io = personAt();
    const result = await signIn(ctx, account({ flow: 'loopback' }), io, { timeoutMs: 60_000 });
    expect(result.method).toBe('loopback');
    const prompt = io.prompts[0];
    expect(prompt).toMatchObject({ kind: 'browser', listening: true });
    if (prompt?.kind !== 'browser') throw new Error('no browser prompt');
    const auth = new URL(prompt.url);
    expect(auth.origin + auth.pathname).toBe(provider.authorizationEndpoint);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('prompt')).toBe('consent');
    expect(auth.searchParams.get('redirect_uri')).toBe(prompt.redirectUri);
    expect(prompt.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(await io.page).toMatch(/Signed in — you can close this tab/);
    expect(await introspect(stored(ctx).accessToken)).toMatchObject({ active: true });
    expect((await signInStatus(ctx, account()))?.method).toBe('loopback');
    // The listener is gone.
    await expect(fetch(prompt.redirectUri)).rejects.toThrow();
  }, 90_000);

  it('loopback flow: an answer with another state gets 400 and the listener keeps waiting for its own', async () => {
    const ctx = home();
    const person = personAt();
    let forged: { status: number; text: string } | null = null;
    let strangers: Array<{ status: number; text: string }> = [];
    const io: SignInIO = {
      show(p) {
        if (p.kind !== 'browser') return;
        // A stranger's requests first: a forged state, a forged error without our state (its text
        // must not reach the terminal), a bare GET. None may end the sign-in.
        const answer = async (r: Response) => ({ status: r.status, text: await r.text() });
        void Promise.all([
          fetch(`${p.redirectUri}?code=stolen&state=forged`).then(answer),
          fetch(`${p.redirectUri}?error=server_error&error_description=%1B%5D0%3Bpwned%07`).then(answer),
          fetch(p.redirectUri).then(answer),
        ])
          .then((answers) => {
            strangers = answers;
            forged = answers[0] ?? null;
          })
          .catch((e: Error) => {
            forged = { status: -1, text: String((e.cause as Error | undefined)?.message ?? e.message) };
          })
          .finally(() => person.show(p));
      },
    };
    const result = await signIn(ctx, account({ flow: 'loopback' }), io, { timeoutMs: 60_000 });
    expect(result.method).toBe('loopback');
    expect(forged).toEqual({ status: 400, text: 'This answer belongs to another sign-in; attend is still waiting for its own.\n' });
    for (const a of strangers) expect(a).toEqual({ status: 400, text: 'This answer belongs to another sign-in; attend is still waiting for its own.\n' });
    expect(strangers).toHaveLength(3);
    expect(await person.page).toMatch(/Signed in — you can close this tab/);
    expect(await introspect(stored(ctx).accessToken)).toMatchObject({ active: true });
  }, 90_000);

  it('loopback flow also takes a pasted URL while it listens (the browser is on another machine)', async () => {
    const ctx = home();
    const io = personAt({ capture: true });
    const result = await signIn(ctx, account({ flow: 'loopback' }), io, { timeoutMs: 60_000 });
    expect(result.method).toBe('loopback');
    expect(io.prompts[0]).toMatchObject({ kind: 'browser', listening: true });
    // The harness's capture kept the redirect from the listener: the paste is what signed in.
    expect(await io.page).toBe('Redirect captured.');
    expect(await introspect(stored(ctx).accessToken)).toMatchObject({ active: true });
    // The code went to the provider once: one authorization_code exchange for this sign-in.
    expect(provider.tokenRequests().filter((r) => r.grantType === 'authorization_code' && !r.ok)).toEqual([]);
  }, 90_000);

  it('signing in as another person than the account’s address is refused, and nothing is stored', async () => {
    const ctx = home();
    const acc = { ...account({ flow: 'loopback' }), email: 'other@example.test', user: 'other@example.test' };
    const err = await signIn(ctx, acc, personAt(), { timeoutMs: 60_000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SignInError);
    expect((err as Error).message).toBe('account support: signed in as agent@example.test, but the account is other@example.test; sign in again as other@example.test');
    expect(await signInStatus(ctx, acc)).toBeNull();
    await expect(accessTokenFor(ctx, acc)).rejects.toThrow(/not signed in/);
  }, 90_000);

  it('paste flow: the URL the browser could not load, pasted back, completes the sign-in', async () => {
    const ctx = home();
    const io = personAt({ capture: true });
    // A port nobody listens on (the browser's page fails, as over SSH); without --port the redirect
    // has none (unit-tested), which the harness's capture does not recognize.
    const port = await freePort();
    const result = await signIn(ctx, account({ flow: 'paste' }), io, { timeoutMs: 60_000, port });
    expect(result.method).toBe('paste');
    expect(io.prompts[0]).toMatchObject({ kind: 'browser', listening: false, redirectUri: `http://127.0.0.1:${port}/callback` });
    expect(await introspect(stored(ctx).accessToken)).toMatchObject({ active: true });
    expect((await signInStatus(ctx, account()))?.method).toBe('paste');
  }, 90_000);

  it('paste flow: a URL from another sign-in is refused in one line', async () => {
    const ctx = home();
    const io: SignInIO = {
      show: () => {},
      readPastedUrl: async () => 'http://127.0.0.1/callback?code=abc&state=not-this-one',
    };
    const err = await signIn(ctx, account({ flow: 'paste' }), io, { timeoutMs: 10_000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SignInError);
    expect((err as Error).message).toMatch(/^account support: the URL belongs to another sign-in/);
    // An error answer without our state is another sign-in's too, not "declined".
    const stranger = await signIn(ctx, account({ flow: 'paste' }), { show: () => {}, readPastedUrl: async () => 'http://127.0.0.1/callback?error=access_denied' }).catch((e: Error) => e);
    expect((stranger as Error).message).toMatch(/^account support: the URL belongs to another sign-in/);
    // With our state (the provider's error answers carry it), the person declined.
    let state = '';
    const declined = await signIn(ctx, account({ flow: 'paste' }), {
      show: (p) => {
        if (p.kind === 'browser') state = new URL(p.url).searchParams.get('state') ?? '';
      },
      readPastedUrl: async () => `http://127.0.0.1/callback?error=access_denied&state=${state}`,
    }).catch((e: Error) => e);
    expect(state).not.toBe('');
    expect((declined as Error).message).toBe('account support: sign-in was declined');
  }, 30_000);

  it('refreshes an access token close to expiry and saves the rotated refresh token', async () => {
    const short = await startOAuthProvider({ accessTokenTtlSeconds: 62 });
    try {
      const ctx = home();
      const acc = account({}, short);
      const io = personAt();
      // The person signs in at the short-lived provider.
      await signIn(ctx, acc, io, { flow: 'loopback', timeoutMs: 60_000 });
      const first = stored(ctx);
      // 62 s of life, of which attend uses only what is more than a minute away: after 2 s it refreshes.
      await new Promise((r) => setTimeout(r, 2_200));
      const token = await accessTokenFor(ctx, acc);
      const second = stored(ctx);
      expect(token).not.toBe(first.accessToken);
      expect(second.accessToken).toBe(token);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(refreshes(short).map((r) => r.ok)).toEqual([true]);
      const status = await signInStatus(ctx, acc);
      expect(status?.refreshedAt).toBeGreaterThan(Date.now() - 10_000);
      expect(status?.expired).toBeNull();
    } finally {
      await short.stop();
    }
  }, 90_000);

  it('force refreshes even a fresh token, each time with the newest refresh token', async () => {
    const ctx = home();
    await signedIn(ctx);
    const a = stored(ctx);
    const t1 = await accessTokenFor(ctx, account(), { force: true });
    const b = stored(ctx);
    const t2 = await accessTokenFor(ctx, account(), { force: true });
    const c = stored(ctx);
    expect(new Set([a.accessToken, t1, t2]).size).toBe(3);
    expect(new Set([a.refreshToken, b.refreshToken, c.refreshToken]).size).toBe(3);
    expect(await introspect(t2)).toMatchObject({ active: true });
  }, 90_000);

  it('two processes refreshing at once: both get a working token and the sign-in survives', async () => {
    const ctx = home();
    await signedIn(ctx);
    const acc = account();
    const before = stored(ctx);
    const requestsBefore = refreshes().length;
    const go = path.join(ctx.env.ATTEND_HOME as string, 'go');
    const run = () =>
      new Promise<{ ok: boolean; hash?: string; error?: string; output: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', TSX, REFRESHER], {
          env: { ...ctx.env, ATTEND_TEST_ACCOUNT: JSON.stringify(acc), ATTEND_TEST_GO: go },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.once('error', reject);
        child.once('exit', () => {
          shown.push(out);
          const line = out.trim().split('\n').pop() ?? '';
          try {
            resolve({ ...(JSON.parse(line) as { ok: boolean }), output: out });
          } catch {
            reject(new Error(`refresher printed: ${out}`));
          }
        });
      });
    const both = [run(), run()];
    // The barrier: both processes loaded and waiting, then released together.
    const deadline = Date.now() + 30_000;
    while (readdirSync(path.dirname(go)).filter((f) => f.startsWith('go.ready.')).length < 2) {
      if (Date.now() > deadline) throw new Error('refreshers did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    writeFileSync(go, '');
    const [r1, r2] = await Promise.all(both);
    expect(r1, r1?.output).toMatchObject({ ok: true });
    expect(r2, r2?.output).toMatchObject({ ok: true });
    const after = stored(ctx);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // The one that waited took the token the other got: one refresh at the provider, never a reused refresh token.
    expect(refreshes().slice(requestsBefore).map((r) => r.ok)).toEqual([true]);
    expect(r1?.hash).toBe(hash(after.accessToken));
    expect(r2?.hash).toBe(hash(after.accessToken));
    expect(await introspect(after.accessToken)).toMatchObject({ active: true });
    // The sign-in survives: a third refresh works.
    const third = await accessTokenFor(ctx, acc, { force: true });
    expect(await introspect(third)).toMatchObject({ active: true });
    expect(readdirSync(oauthDir(ctx.env)).filter((f) => f.includes('lock'))).toEqual([]);
  }, 120_000);

  it('a provider that revoked the sign-in: SignInExpiredError with the one line, recorded in the status', async () => {
    const users = { 'agent@example.test': 'secret' };
    const own = await startOAuthProvider({ users });
    try {
      const ctx = home();
      const acc = account({}, own);
      await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
      stored(ctx);
      await own.revokeUser(EMAIL);
      const err = await accessTokenFor(ctx, acc, { force: true }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(SignInExpiredError);
      expect((err as Error).message).toBe('account support: sign-in expired — run `attend account login support`');
      expect((await signInStatus(ctx, acc))?.expired).toBe((err as Error).message);
      // Known refused: no further requests to the provider until the person signs in again.
      const n = own.tokenRequests().length;
      await expect(accessTokenFor(ctx, acc, { force: true })).rejects.toBeInstanceOf(SignInExpiredError);
      expect(own.tokenRequests().length).toBe(n);
      // Signing in again clears it.
      await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
      expect((await signInStatus(ctx, acc))?.expired).toBeNull();
      expect(await accessTokenFor(ctx, acc, { force: true })).toMatch(/./);
      stored(ctx);
    } finally {
      await own.stop();
    }
  }, 120_000);

  it('a provider that is down: ProviderUnavailableError naming the host; the sign-in is intact afterwards', async () => {
    const own = await startOAuthProvider();
    try {
      const ctx = home();
      const acc = account({}, own);
      await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
      const before = stored(ctx);
      await own.kill();
      const err = await accessTokenFor(ctx, acc, { force: true }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(ProviderUnavailableError);
      expect((err as Error).message).toBe(`account support: cannot reach the sign-in provider (127.0.0.1:${own.port}): connection refused`);
      expect(stored(ctx).refreshToken).toBe(before.refreshToken);
      expect((await signInStatus(ctx, acc))?.expired).toBeNull();
      await own.restart();
      const token = await accessTokenFor(ctx, acc, { force: true });
      expect(token).not.toBe(before.accessToken);
    } finally {
      await own.stop();
    }
  }, 120_000);

  it('a sign-in at a provider that is not there, or not safe: one line each', async () => {
    const ctx = home();
    const port = await freePort();
    const down = await signIn(ctx, account({ issuer: `http://127.0.0.1:${port}` }), personAt(), { timeoutMs: 20_000 }).catch((e: Error) => e);
    expect(down).toBeInstanceOf(ProviderUnavailableError);
    expect((down as Error).message).toBe(`account support: cannot reach the sign-in provider (127.0.0.1:${port}): connection refused`);
    const plain = await signIn(ctx, account({ issuer: 'http://login.example.com' }), personAt(), { timeoutMs: 20_000 }).catch((e: Error) => e);
    expect(plain).toBeInstanceOf(SignInError);
    expect((plain as Error).message).toBe('account support: the issuer http://login.example.com is not https: only https, or http on this machine, is accepted');
    const never = await accessTokenFor(ctx, account()).catch((e: Error) => e);
    expect(never).toBeInstanceOf(SignInExpiredError);
    expect((never as Error).message).toBe('account support: not signed in — run `attend account login support`');
  }, 60_000);

  it('a wrong client id: SignInError in one line, for a sign-in and for a refresh', async () => {
    const ctx = home();
    const err = await signIn(ctx, account({ clientId: 'no-such-client' }), personAt(), { timeoutMs: 20_000 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SignInError);
    expect((err as Error).message).toMatch(/^account support: the provider refused the client \(invalid_client.*check the client id/);
    expect((err as Error).message).not.toContain('\n');
    await signedIn(ctx);
    const refresh = await accessTokenFor(ctx, account({ clientId: 'no-such-client' }), { force: true }).catch((e: Error) => e);
    expect(refresh).toBeInstanceOf(SignInError);
    expect((refresh as Error).message).toMatch(/invalid_client/);
    // A wrong client is not an expired sign-in: the right client still refreshes.
    expect(await introspect(await accessTokenFor(ctx, account(), { force: true }))).toMatchObject({ active: true });
    stored(ctx);
  }, 90_000);

  it('a confidential client signs in with its secret from the environment (client_secret_post)', async () => {
    const ctx = home();
    ctx.env.OAUTH_TEST_SECRET = provider.secretClient.clientSecret;
    const acc = account({ clientId: provider.secretClient.clientId, clientSecret: { env: 'OAUTH_TEST_SECRET' } });
    await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
    expect(await introspect(await accessTokenFor(ctx, acc, { force: true }))).toMatchObject({ active: true });
    stored(ctx);
    ctx.env.OAUTH_TEST_SECRET = 'wrong';
    const err = await accessTokenFor(ctx, acc, { force: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SignInError);
    seenTokens.add(provider.secretClient.clientSecret);
  }, 90_000);

  it('with a token command the tokens go to the command; only the status (and no token) is kept in the home', async () => {
    const ctx = home();
    const kept = path.join(ctx.env.ATTEND_HOME as string, 'elsewhere.json');
    const tokenCommand = `if [ "$ATTEND_TOKEN_ACTION" = save ]; then cat > '${kept}'; else cat '${kept}' 2>/dev/null || true; fi`;
    const acc = account({ tokenCommand });
    await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
    const first = JSON.parse(readFileSync(kept, 'utf8')) as { refreshToken: string; accessToken: string };
    seenTokens.add(first.refreshToken);
    const token = await accessTokenFor(ctx, acc, { force: true });
    seenTokens.add(token);
    const second = JSON.parse(readFileSync(kept, 'utf8')) as { refreshToken: string; accessToken: string };
    seenTokens.add(second.refreshToken);
    expect(second.accessToken).toBe(token);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await introspect(token)).toMatchObject({ active: true });
    expect(readdirSync(oauthDir(ctx.env))).toEqual(['support.status.json']);
    expect((await signInStatus(ctx, acc))?.refreshedAt).not.toBeNull();
  }, 90_000);

  it('a rotated refresh token whose first save fails is saved by the retry, and the sign-in goes on', async () => {
    const ctx = home();
    const kept = path.join(ctx.env.ATTEND_HOME as string, 'elsewhere.json');
    const failOnce = path.join(ctx.env.ATTEND_HOME as string, 'fail-once');
    // The user's store refuses one save (a locked password store), then works again.
    const tokenCommand = `if [ "$ATTEND_TOKEN_ACTION" = save ]; then if [ -e '${failOnce}' ]; then rm '${failOnce}'; cat > /dev/null; echo 'store locked' >&2; exit 1; fi; cat > '${kept}'; else cat '${kept}' 2>/dev/null || true; fi`;
    const acc = account({ tokenCommand });
    await signIn(ctx, acc, personAt(), { flow: 'loopback', timeoutMs: 60_000 });
    const first = JSON.parse(readFileSync(kept, 'utf8')) as { refreshToken: string };
    seenTokens.add(first.refreshToken);
    writeFileSync(failOnce, '');
    const token = await accessTokenFor(ctx, acc, { force: true });
    seenTokens.add(token);
    expect(existsSync(failOnce)).toBe(false);
    const second = JSON.parse(readFileSync(kept, 'utf8')) as { refreshToken: string; accessToken: string };
    seenTokens.add(second.refreshToken);
    expect(second.accessToken).toBe(token);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // The kept refresh token is the newest: the next refresh works and the sign-in is intact.
    const next = await accessTokenFor(ctx, acc, { force: true });
    seenTokens.add(next);
    expect(await introspect(next)).toMatchObject({ active: true });
    expect((await signInStatus(ctx, acc))?.expired).toBeNull();
  }, 90_000);

  it('no token or secret appears in any prompt, message, status or child output', () => {
    expect(seenTokens.size).toBeGreaterThan(10);
    const text = shown.join('\n');
    expect(text.length).toBeGreaterThan(100);
    for (const t of seenTokens) expect(text.includes(t)).toBe(false);
    for (const h of homes) {
      const dir = path.join(h, 'oauth');
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.status.json'));
      } catch {}
      for (const f of files) {
        const s = readFileSync(path.join(dir, f), 'utf8');
        for (const t of seenTokens) expect(s.includes(t)).toBe(false);
      }
    }
  });
});
