// The pure parts of a browser sign-in: the redirect URI with the listener's port, reading the
// redirected URL a person pastes, and which flow to use. No network, no Node modules.
import { OAuthFailure } from './errors.js';

export type SignInFlow = 'device' | 'loopback' | 'paste';

/** The flow to run: the one asked for, else the account's, else the device flow where the provider has one, else the browser. */
export function chooseFlow(requested: SignInFlow | undefined, configured: SignInFlow | undefined, hasDeviceFlow: boolean): SignInFlow {
  return requested ?? configured ?? (hasDeviceFlow ? 'device' : 'loopback');
}

/** The registered loopback redirect (`http://127.0.0.1/callback`) with the listener's port in it (RFC 8252 §7.3). */
export function redirectWithPort(template: string, port: number): string {
  const u = new URL(template);
  u.port = String(port);
  return u.href;
}

export interface RedirectAnswer {
  /** The redirect URI as registered plus the answer's parameters: what the token exchange is given. */
  url: URL;
  code: string;
  state: string | null;
}

/**
 * Reads the URL a person pasted from the browser's address bar after the redirect failed to load
 * (or the listener's request). The answer's parameters are put on `redirectUri` itself, so a
 * browser that rewrote the host (localhost ↔ 127.0.0.1) does not break the code exchange.
 * Throws OAuthFailure: wrong_state when the state is not `expectedState` (checked before anything
 * else), declined when the person said no, refused for anything else.
 */
export function parseRedirectAnswer(pasted: string, redirectUri: string, expectedState: string): RedirectAnswer {
  const text = pasted.trim().replace(/^["'<]+|["'>]+$/g, '');
  let given: URL;
  try {
    given = new URL(text);
  } catch {
    throw new OAuthFailure('refused', 'that is not a URL: paste the whole address from the browser’s address bar');
  }
  // Some providers answer in the fragment; the query wins when both are there.
  const params = new URLSearchParams(given.search || given.hash.replace(/^#/, ''));
  // State first: anything on this machine can request the loopback listener, so an answer that is
  // not this sign-in's (no state, another state) must not end it, nor put its own error text on the
  // terminal. The provider's error answers carry the state too (RFC 6749 §4.1.2.1).
  const state = params.get('state');
  if (state !== expectedState) throw new OAuthFailure('wrong_state', 'the URL belongs to another sign-in (its state does not match): run the sign-in again and paste the newest URL');
  const error = params.get('error');
  if (error === 'access_denied') throw new OAuthFailure('declined', 'sign-in was declined');
  if (error) {
    const d = params.get('error_description');
    throw new OAuthFailure('refused', `the provider refused the sign-in: ${error}${d ? ` (${d})` : ''}`);
  }
  const code = params.get('code');
  if (!code) throw new OAuthFailure('refused', 'the pasted URL has no code in it: paste the address the browser was sent to after signing in');
  const url = new URL(redirectUri);
  url.search = '';
  url.hash = '';
  for (const [k, v] of params) url.searchParams.append(k, v);
  return { url, code, state };
}
