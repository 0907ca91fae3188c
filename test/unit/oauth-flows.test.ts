// The sign-in flows' endings that a real provider makes slow to reach: a device code that
// expires, a person who never comes back, a cancelled sign-in, a grant without a refresh token.
import { describe, expect, it } from 'vitest';
import * as adapter from '../../src/adapters/oauth2/index.js';
import type { DeviceStart, OAuthClient, TokenGrant } from '../../src/adapters/oauth2/index.js';
import { deviceFlow, type FlowInput } from '../../src/app/email/oauth-flows.js';
import { signInErrorOf } from '../../src/app/email/oauth-plan.js';
import { NotSignedInError, ProviderUnavailableError, SignInError, SignInExpiredError } from '../../src/app/email/sign-in-errors.js';
import type { SignInPrompt } from '../../src/app/email/oauth-session.js';

function fakeClient(expiresInSeconds: number, grant: TokenGrant | null): OAuthClient {
  return {
    host: 'idp.example',
    hasDeviceFlow: true,
    startDevice: async (): Promise<DeviceStart> => ({ verificationUri: 'https://idp.example/device', userCode: 'ABCD-EFGH', expiresInSeconds, raw: {} }),
    pollDevice: (_s, signal) =>
      new Promise((resolve, reject) => {
        if (grant) resolve(grant);
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    authorizationUrl: () => 'https://idp.example/auth',
    exchangeCode: async () => Promise.reject(new Error('unused')),
    refresh: async () => Promise.reject(new Error('unused')),
  };
}

function input(client: OAuthClient, shown: SignInPrompt[], signal = new AbortController().signal): FlowInput {
  return {
    a: adapter,
    client,
    io: { show: (p) => shown.push(p) },
    scope: 's',
    authorizationParams: {},
    loopbackRedirect: 'http://127.0.0.1/callback',
    port: undefined,
    now: () => 1_000_000,
    signal,
  };
}

describe('device flow', () => {
  it('shows the URL, the code and when it expires', async () => {
    const shown: SignInPrompt[] = [];
    const grant = { accessToken: 'a', refreshToken: 'r', expiresInSeconds: 60, email: null };
    expect(await deviceFlow(input(fakeClient(600, grant), shown))).toBe(grant);
    expect(shown).toEqual([{ kind: 'device', verificationUri: 'https://idp.example/device', verificationUriComplete: undefined, userCode: 'ABCD-EFGH', expiresAt: 1_600_000 }]);
  });

  it('a code nobody entered in time: "the code expired; run … again"', async () => {
    const err = await deviceFlow(input(fakeClient(0.2, null), [])).catch((e: unknown) => e);
    expect((err as adapter.OAuthFailure).kind).toBe('code_expired');
    expect(signInErrorOf('support', err).message).toBe('account support: the code expired; run `attend account login support` again');
    expect(signInErrorOf('support', err)).toBeInstanceOf(SignInError);
  });

  it('a cancelled sign-in ends with the caller’s reason, not as an expired code', async () => {
    const ac = new AbortController();
    const running = deviceFlow(input(fakeClient(600, null), [], ac.signal)).catch((e: unknown) => e);
    ac.abort(new Error('stop'));
    expect(((await running) as Error).message).toBe('stop');
  });
});

describe('signInErrorOf', () => {
  it('maps each kind of failure to the error the rest of attend handles', () => {
    const f = (kind: adapter.OAuthFailureKind, msg = 'm') => signInErrorOf('support', new adapter.OAuthFailure(kind, msg));
    expect(f('unavailable', 'cannot reach the sign-in provider (h): connection refused')).toBeInstanceOf(ProviderUnavailableError);
    expect(f('unavailable', 'cannot reach the sign-in provider (h): connection refused').message).toBe('account support: cannot reach the sign-in provider (h): connection refused');
    expect(f('invalid_grant')).toBeInstanceOf(SignInExpiredError);
    expect(f('invalid_client', 'the provider refused the client')).toBeInstanceOf(SignInError);
    expect(f('declined', 'sign-in was declined').message).toBe('account support: sign-in was declined');
    expect(f('insecure')).toBeInstanceOf(SignInError);
  });
  it('a never signed-in account is a kind of expired sign-in, with its own words', () => {
    const e = new NotSignedInError('support');
    expect(e).toBeInstanceOf(SignInExpiredError);
    expect(e.message).toBe('account support: not signed in — run `attend account login support`');
  });
});
