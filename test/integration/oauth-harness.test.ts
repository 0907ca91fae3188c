/**
 * Proves the OAuth2 test harness with raw HTTP only (no product code): the OpenID provider
 * (oauth-provider.ts), Dovecot and the SMTP sink checking tokens by introspection, and Chromium
 * completing the device and browser sign-ins (oauth-browser.ts) without leaving loopback.
 */
import { ImapFlow } from 'imapflow';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { type DovecotInstance, dovecotAvailable, startDovecot } from '../helpers/dovecot.js';
import { gate } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { freePort } from '../helpers/net.js';
import { completeBrowserSignIn, completeDeviceSignIn } from '../helpers/oauth-browser.js';
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeOAuth = gate(
  'Dovecot (dovecot-imapd) or Chromium',
  dovecotAvailable() && chromiumAvailable(),
  'Install them: apt-get install -y dovecot-imapd chromium',
);

// Access tokens live long enough for a loaded machine here, except in the expiry test.
const TTL = 60;
const SHORT_TTL = 3;
const AGENT = 'agent@example.test';
const CUSTOMER = 'customer@example.test';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  error?: string;
}

describeOAuth('OAuth2 test harness', () => {
  let provider: OAuthProvider;
  let dovecot: DovecotInstance;
  let sink: SmtpSink;
  let browser: Browser;

  beforeAll(async () => {
    let t = performance.now();
    provider = await startOAuthProvider({ accessTokenTtlSeconds: TTL });
    const providerMs = performance.now() - t;
    t = performance.now();
    dovecot = await startDovecot({ oauth2: { introspectionUrl: provider.introspection.urlWithCredentials } });
    const dovecotMs = performance.now() - t;
    sink = await startSmtpSink(dovecot, {
      oauth2: { introspectionUrl: provider.introspection.url, clientId: provider.introspection.clientId, clientSecret: provider.introspection.clientSecret },
    });
    t = performance.now();
    browser = await launchChromium();
    const browserMs = performance.now() - t;
    console.log(`[oauth harness] start: provider ${providerMs.toFixed(0)} ms, Dovecot with oauth2 ${dovecotMs.toFixed(0)} ms, Chromium ${browserMs.toFixed(0)} ms`);
  });
  afterAll(async () => {
    await browser?.close();
    await sink?.stop();
    await dovecot?.stop();
    await provider?.stop();
  });

  const form = (params: Record<string, string>) => new URLSearchParams(params);
  async function token(params: Record<string, string>): Promise<Tokens> {
    const res = await fetch(provider.tokenEndpoint, { method: 'POST', body: form(params) });
    return (await res.json()) as Tokens;
  }
  const refresh = (refreshToken: string) => token({ client_id: provider.publicClient.clientId, grant_type: 'refresh_token', refresh_token: refreshToken });

  /** A full device-flow sign-in of `email`, the code typed in Chromium: its tokens. */
  async function deviceSignIn(email = AGENT): Promise<Tokens> {
    const res = await fetch(provider.deviceAuthorizationEndpoint, {
      method: 'POST',
      body: form({ client_id: provider.publicClient.clientId, scope: 'openid email offline_access' }),
    });
    const da = (await res.json()) as Record<string, string>;
    expect(da.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    const page = await completeDeviceSignIn({ verificationUri: da.verification_uri, userCode: da.user_code, email, password: 'secret', browser });
    expect(page.blocked).toEqual([]);
    expect(page.pageText).toContain('You are signed in');
    const tokens = await token({ client_id: provider.publicClient.clientId, grant_type: DEVICE_GRANT, device_code: da.device_code ?? '' });
    expect(tokens.error).toBeUndefined();
    return tokens;
  }

  /** IMAP login with a token: 'ok', or the server's response code (AUTHENTICATIONFAILED, UNAVAILABLE, …). */
  async function imapLogin(user: string, accessToken: string): Promise<string> {
    const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, logger: false, auth: { user, accessToken } });
    c.on('error', () => {});
    try {
      await c.connect();
      const box = await c.mailboxOpen('INBOX');
      expect(box.path).toBe('INBOX');
      await c.logout();
      return 'ok';
    } catch (e) {
      const err = e as { authenticationFailed?: boolean; serverResponseCode?: string; message: string };
      c.close();
      if (!err.authenticationFailed) throw e;
      return err.serverResponseCode ?? `no code: ${err.message}`;
    }
  }

  /** Sends one message with nodemailer's OAuth2 login: 'ok', or the error's code and SMTP response code. */
  async function smtpSend(user: string, accessToken: string, subject: string): Promise<string> {
    const mailer = nodemailer.createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true, auth: { type: 'OAuth2', user, accessToken } });
    try {
      await mailer.sendMail({ envelope: { from: user, to: [CUSTOMER] }, raw: makeEmail({ from: user, to: CUSTOMER, subject }) });
      return 'ok';
    } catch (e) {
      const err = e as { code?: string; responseCode?: number };
      return `${err.code} ${err.responseCode}`;
    } finally {
      mailer.close();
    }
  }

  const requestsOf = (grantType: string) => provider.tokenRequests().filter((r) => r.grantType === grantType);

  it('publishes discovery with the device flow, PKCE S256, refresh, introspection and revocation', async () => {
    const res = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(provider.issuer);
    expect(d.device_authorization_endpoint).toBe(provider.deviceAuthorizationEndpoint);
    expect(d.token_endpoint).toBe(provider.tokenEndpoint);
    expect(d.authorization_endpoint).toBe(provider.authorizationEndpoint);
    expect(d.introspection_endpoint).toBe(provider.introspection.url);
    expect(d.revocation_endpoint).toBe(provider.revocationEndpoint);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', DEVICE_GRANT]));
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));
  });

  it('device flow in Chromium: the access token logs in to IMAP and sends through SMTP; the refresh token does not log in', async () => {
    const before = requestsOf(DEVICE_GRANT).length;
    const t = await deviceSignIn();
    expect(t.access_token).toBeTruthy();
    expect(t.refresh_token).toBeTruthy();
    expect(t.expires_in).toBe(TTL);
    expect(requestsOf(DEVICE_GRANT).slice(before)).toEqual([expect.objectContaining({ ok: true, clientId: provider.publicClient.clientId })]);

    // Who signed in: sub is the address, and userinfo has `email` (the ID token carries sub only).
    const idClaims = JSON.parse(Buffer.from(t.id_token?.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(idClaims.sub).toBe(AGENT);
    const me = await fetch(`${provider.issuer}/me`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(await me.json()).toMatchObject({ sub: AGENT, email: AGENT });

    expect(await imapLogin(AGENT, t.access_token)).toBe('ok');
    expect(await smtpSend(AGENT, t.access_token, 'sent with a token')).toBe('ok');
    const sent = sink.received.at(-1);
    expect(sent?.authMethod).toBe('XOAUTH2');
    expect(sent?.authUser).toBe('agent');
    expect(sent?.to).toEqual([CUSTOMER]);

    // A refresh token is no password, and a token is good only for its own address.
    expect(await imapLogin(AGENT, t.refresh_token ?? '')).toBe('AUTHENTICATIONFAILED');
    expect(await imapLogin(CUSTOMER, t.access_token)).toBe('AUTHENTICATIONFAILED');
    const attempts = sink.authAttempts.length;
    expect(await smtpSend(AGENT, t.refresh_token ?? '', 'refresh token as password')).toBe('EAUTH 535');
    expect(await smtpSend(CUSTOMER, t.access_token, 'someone else’s token')).toBe('EAUTH 535');
    expect(sink.authAttempts.slice(attempts).every((a) => a.method === 'XOAUTH2' && !a.ok && a.code === 535)).toBe(true);
  });

  it('an expired access token is refused; refresh rotates, and reusing the old refresh token ends the sign-in', async () => {
    await provider.setAccessTokenTtl(SHORT_TTL);
    const t = await deviceSignIn().finally(() => provider.setAccessTokenTtl(TTL));
    expect(t.expires_in).toBe(SHORT_TTL);
    const refreshesBefore = requestsOf('refresh_token').length;
    await new Promise((r) => setTimeout(r, (SHORT_TTL + 1) * 1000));
    expect(await imapLogin(AGENT, t.access_token)).toBe('AUTHENTICATIONFAILED');
    expect(await smtpSend(AGENT, t.access_token, 'expired')).toBe('EAUTH 535');

    const next = await refresh(t.refresh_token ?? '');
    expect(next.error).toBeUndefined();
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(t.refresh_token);
    expect(next.access_token).not.toBe(t.access_token);
    expect(await imapLogin(AGENT, next.access_token)).toBe('ok');
    expect(requestsOf('refresh_token').slice(refreshesBefore)).toEqual([expect.objectContaining({ ok: true })]);

    // The old one is dead, and presenting it revokes the whole grant: the new one dies too.
    expect((await refresh(t.refresh_token ?? '')).error).toBe('invalid_grant');
    expect((await refresh(next.refresh_token ?? '')).error).toBe('invalid_grant');
    expect(await imapLogin(AGENT, next.access_token)).toBe('AUTHENTICATIONFAILED');
  });

  it('revokeUser: the next refresh is invalid_grant and the access token stops working (or, keepAccessTokens, lives on)', async () => {
    const a = await deviceSignIn();
    expect(await provider.revokeUser(AGENT)).toBeGreaterThan(0);
    expect((await refresh(a.refresh_token ?? '')).error).toBe('invalid_grant');
    expect(await imapLogin(AGENT, a.access_token)).toBe('AUTHENTICATIONFAILED');

    const b = await deviceSignIn();
    await provider.revokeUser(AGENT, { keepAccessTokens: true });
    expect(await imapLogin(AGENT, b.access_token)).toBe('ok');
    expect((await refresh(b.refresh_token ?? '')).error).toBe('invalid_grant');
  });

  it('provider down: IMAP says UNAVAILABLE, SMTP 454; after restart (same port, same state) the same tokens work', async () => {
    const t = await deviceSignIn();
    await provider.kill();
    expect(provider.running()).toBe(false);
    // Dovecot: "NO [UNAVAILABLE] Temporary authentication failure." (auth log: introspection
    // failed: connect(...) refused): unlike a bad token's AUTHENTICATIONFAILED.
    expect(await imapLogin(AGENT, t.access_token)).toBe('UNAVAILABLE');
    expect(await smtpSend(AGENT, t.access_token, 'provider down')).toBe('EAUTH 454');
    await expect(fetch(provider.tokenEndpoint, { method: 'POST' })).rejects.toThrow();

    await provider.restart();
    expect(await imapLogin(AGENT, t.access_token)).toBe('ok');
    const next = await refresh(t.refresh_token ?? '');
    expect(next.error).toBeUndefined();
    expect(await smtpSend(AGENT, next.access_token, 'provider back')).toBe('ok');
  });

  /** S256 PKCE pair. */
  function pkce() {
    const verifier = crypto.randomBytes(32).toString('base64url');
    return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
  }

  function authorizeUrl(clientId: string, redirectUri: string, challenge: string | undefined, state: string): string {
    const u = new URL(provider.authorizationEndpoint);
    const p: Record<string, string> = { client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid email offline_access', prompt: 'consent', state };
    if (challenge) Object.assign(p, { code_challenge: challenge, code_challenge_method: 'S256' });
    for (const [k, v] of Object.entries(p)) u.searchParams.set(k, v);
    return u.href;
  }

  it('code flow with PKCE: Chromium logs in and is redirected to a loopback listener on an arbitrary port', async () => {
    const received: string[] = [];
    const listener = http.createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in. You can close this window.');
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    try {
      const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
      const { verifier, challenge } = pkce();
      const state = crypto.randomBytes(8).toString('hex');
      const page = await completeBrowserSignIn(authorizeUrl(provider.publicClient.clientId, redirectUri, challenge, state), {
        email: AGENT,
        password: 'secret',
        wrongPasswordFirst: true,
        browser,
      });
      expect(page.blocked).toEqual([]);
      expect(page.pageText).toContain('Signed in. You can close this window.');
      expect(received).toHaveLength(1);
      const cb = new URL(received[0] ?? '', redirectUri);
      expect(cb.searchParams.get('state')).toBe(state);
      expect(cb.searchParams.get('iss')).toBe(provider.issuer);
      const code = cb.searchParams.get('code') ?? '';
      const t = await token({ client_id: provider.publicClient.clientId, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
      expect(t.error).toBeUndefined();
      expect(t.refresh_token).toBeTruthy();
      expect(await imapLogin(AGENT, t.access_token)).toBe('ok');
      // A code is good once.
      expect((await token({ client_id: provider.publicClient.clientId, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).error).toBe('invalid_grant');
    } finally {
      listener.close();
    }
  });

  it('code flow, capture: the redirect URL is handed back undelivered (paste flow); the secret client uses client_secret_post', async () => {
    // A listener is up (as the app's could be), and the captured redirect never reaches it.
    const hits: string[] = [];
    const listener = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('reached');
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
    const { verifier, challenge } = pkce();
    const page = await completeBrowserSignIn(authorizeUrl(provider.secretClient.clientId, redirectUri, challenge, 'st'), { email: CUSTOMER, password: 'secret', capture: true, browser }).finally(() =>
      listener.close(),
    );
    expect(hits).toEqual([]);
    expect(page.blocked).toEqual([]);
    const cb = new URL(page.redirectUrl ?? '');
    expect(`${cb.origin}${cb.pathname}`).toBe(redirectUri);
    expect(cb.searchParams.get('state')).toBe('st');
    const t = await token({
      client_id: provider.secretClient.clientId,
      client_secret: provider.secretClient.clientSecret,
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(t.error).toBeUndefined();
    expect(await imapLogin(CUSTOMER, t.access_token)).toBe('ok');
    expect(provider.secretClient.authMethod).toBe('client_secret_post');
    const wrongSecret = await token({ client_id: provider.secretClient.clientId, client_secret: 'nope', grant_type: 'refresh_token', refresh_token: t.refresh_token ?? '' });
    expect(wrongSecret.error).toBe('invalid_client');
  });

  it('the public client must use PKCE: an authorize request without it is sent back with invalid_request', async () => {
    const url = authorizeUrl(provider.publicClient.clientId, `http://127.0.0.1:${await freePort()}/callback`, undefined, 'x');
    const page = await completeBrowserSignIn(url, { email: AGENT, password: 'secret', capture: true, browser });
    const cb = new URL(page.redirectUrl ?? '');
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(cb.searchParams.get('code')).toBeNull();
  });
});
