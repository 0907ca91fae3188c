// The pure parts of OAuth2 sign-in: which flow, the loopback redirect, reading a pasted URL, and
// sorting provider errors into what a person must do.
import { describe, expect, it } from 'vitest';
import { openClient } from '../../src/adapters/oauth2/client.js';
import { classifyOAuthError, OAuthFailure } from '../../src/adapters/oauth2/errors.js';
import { chooseFlow, parseRedirectAnswer, redirectWithPort } from '../../src/adapters/oauth2/redirect.js';
import { isLoopbackHost } from '../../src/domain/mail-servers.js';

describe('chooseFlow', () => {
  it('takes the flow asked for, then the account’s, then device where there is one, else the browser', () => {
    expect(chooseFlow('paste', 'device', true)).toBe('paste');
    expect(chooseFlow(undefined, 'loopback', true)).toBe('loopback');
    expect(chooseFlow(undefined, undefined, true)).toBe('device');
    expect(chooseFlow(undefined, undefined, false)).toBe('loopback');
  });
});

describe('redirectWithPort', () => {
  it('puts the listener’s port into the registered loopback redirect', () => {
    expect(redirectWithPort('http://127.0.0.1/callback', 53123)).toBe('http://127.0.0.1:53123/callback');
    expect(redirectWithPort('http://localhost/', 8765)).toBe('http://localhost:8765/');
    expect(redirectWithPort('http://127.0.0.1/', 9000)).toBe('http://127.0.0.1:9000/');
  });
});

describe('isLoopbackHost', () => {
  it('accepts only this machine', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', 'example.com', '127.0.0.1.example.com', 'localhost.evil']) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('parseRedirectAnswer', () => {
  const redirect = 'http://127.0.0.1/callback';
  it('reads code and state, and rebuilds the URL on the registered redirect', () => {
    const a = parseRedirectAnswer('  "http://localhost:80/callback?code=C0DE&state=S1&iss=http%3A%2F%2F127.0.0.1%3A4000"  ', redirect, 'S1');
    expect(a.code).toBe('C0DE');
    expect(a.state).toBe('S1');
    expect(a.url.href).toBe('http://127.0.0.1/callback?code=C0DE&state=S1&iss=http%3A%2F%2F127.0.0.1%3A4000');
  });
  it('reads an answer in the fragment', () => {
    expect(parseRedirectAnswer('http://127.0.0.1/callback#code=X&state=S', redirect, 'S').code).toBe('X');
  });
  const failure = (text: string, state = 'S') => {
    try {
      parseRedirectAnswer(text, redirect, state);
    } catch (err) {
      return err as OAuthFailure;
    }
    throw new Error('accepted');
  };
  it('refuses another sign-in’s answer (state mismatch or missing)', () => {
    expect(failure('http://127.0.0.1/callback?code=X&state=OTHER').kind).toBe('wrong_state');
    expect(failure('http://127.0.0.1/callback?code=X').kind).toBe('wrong_state');
  });
  it('checks the state before an error or a missing code: a stranger’s request cannot end the sign-in', () => {
    // Any local page can request the listener; the presets' redirect path is "/".
    for (const text of [
      'http://127.0.0.1/callback?error=access_denied',
      'http://127.0.0.1/callback?error=x&error_description=%1B%5D0%3Bpwned%07',
      'http://127.0.0.1/callback?error=x&state=OTHER',
      'http://127.0.0.1/',
      'http://127.0.0.1/callback?state=OTHER',
    ]) {
      const f = failure(text);
      expect(f.kind, text).toBe('wrong_state');
      expect(f.message).not.toMatch(/pwned|\x1b/);
    }
  });
  it('keeps provider messages free of escape sequences', () => {
    const f = failure('http://127.0.0.1/callback?error=x&error_description=%1B%5D0%3Bpwned%07%1B%5B2J%C2%9B31mred&state=S');
    expect(f.message).toBe('the provider refused the sign-in: x (red)');
    expect(new OAuthFailure('refused', 'a\x1b]52;c;ZXZpbA==\x07b\x07\u009b2Jc').message).toBe('abc');
  });
  it('says the person declined', () => {
    const f = failure('http://127.0.0.1/callback?error=access_denied&state=S');
    expect(f.kind).toBe('declined');
    expect(f.message).toBe('sign-in was declined');
  });
  it('passes on another provider error, and refuses what is not an answer', () => {
    expect(failure('http://127.0.0.1/callback?error=invalid_scope&error_description=bad+scope&state=S').message).toBe(
      'the provider refused the sign-in: invalid_scope (bad scope)',
    );
    expect(failure('not a url').message).toMatch(/^that is not a URL/);
    expect(failure('http://127.0.0.1/callback?state=S').message).toMatch(/no code/);
  });
});

describe('classifyOAuthError', () => {
  const body = (error: string, status = 400, error_description?: string) => Object.assign(new Error('server responded with an error'), { error, status, error_description });
  it('sorts provider answers', () => {
    expect(classifyOAuthError(body('invalid_grant'), 'h').kind).toBe('invalid_grant');
    expect(classifyOAuthError(body('invalid_client', 401), 'h').kind).toBe('invalid_client');
    expect(classifyOAuthError(body('unauthorized_client'), 'h').kind).toBe('invalid_client');
    expect(classifyOAuthError(body('access_denied'), 'h').kind).toBe('declined');
    expect(classifyOAuthError(body('expired_token'), 'h').kind).toBe('code_expired');
    expect(classifyOAuthError(body('invalid_scope'), 'h').kind).toBe('refused');
    // Microsoft's answers to a refresh that needs the person again (MFA, consent, password change).
    for (const e of ['interaction_required', 'consent_required', 'login_required']) {
      const f = classifyOAuthError(body(e, 400, 'AADSTS50076: MFA'), 'h');
      expect(f.kind, e).toBe('invalid_grant');
      expect(f.message).toBe(`the provider refused the refresh token: ${e} (AADSTS50076: MFA)`);
    }
    const down = classifyOAuthError(body('server_error', 500), 'login.example.com');
    expect(down.kind).toBe('unavailable');
    expect(down.message).toBe('cannot reach the sign-in provider (login.example.com): it answered 500 server_error');
  });
  it('reads a WWW-Authenticate challenge', () => {
    const e = Object.assign(new Error('challenge'), { name: 'WWWAuthenticateChallengeError', status: 401, cause: [{ scheme: 'basic', parameters: { error: 'invalid_client' } }] });
    expect(classifyOAuthError(e, 'h').kind).toBe('invalid_client');
  });
  it('sorts network failures and timeouts as unavailable', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(classifyOAuthError(refused, '127.0.0.1:9').message).toBe('cannot reach the sign-in provider (127.0.0.1:9): connection refused');
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) });
    expect(classifyOAuthError(dns, 'x').kind).toBe('unavailable');
    expect(classifyOAuthError(Object.assign(new Error('operation timed out'), { code: 'OAUTH_TIMEOUT' }), 'x').kind).toBe('unavailable');
    const html502 = Object.assign(new Error('unexpected HTTP response status code'), { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', cause: { status: 502 } });
    expect(classifyOAuthError(html502, 'x').kind).toBe('unavailable');
    const html404 = Object.assign(new Error('unexpected HTTP response status code'), { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', cause: { status: 404 } });
    expect(classifyOAuthError(html404, 'x').kind).toBe('refused');
  });
  it('keeps messages to one line', () => {
    expect(classifyOAuthError(new Error('a\nb\n c'), 'h').message).not.toContain('\n');
  });
});

describe('openClient', () => {
  it('refuses a plain-http issuer that is not on this machine, before any request', async () => {
    const err = await openClient({ provider: { issuer: 'http://login.example.com' }, clientId: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthFailure);
    expect((err as OAuthFailure).kind).toBe('insecure');
    expect((err as OAuthFailure).message).toBe('the issuer http://login.example.com is not https: only https, or http on this machine, is accepted');
  });
  it('configures a preset without discovery (no request is made)', async () => {
    const c = await openClient({
      provider: {
        preset: {
          issuer: 'https://login.microsoftonline.com',
          authorizationEndpoint: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize',
          tokenEndpoint: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token',
          deviceAuthorizationEndpoint: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/devicecode',
        },
      },
      clientId: 'cid',
    });
    expect(c.hasDeviceFlow).toBe(true);
    expect(c.host).toBe('login.microsoftonline.com');
    const url = new URL(c.authorizationUrl({ redirect_uri: 'http://localhost:5000/', scope: 'a b', state: 's' }));
    expect(url.origin + url.pathname).toBe('https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize');
    expect(url.searchParams.get('client_id')).toBe('cid');
    expect(url.searchParams.get('response_type')).toBe('code');
  });
});
