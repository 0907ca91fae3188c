// What went wrong talking to an OAuth2 provider, sorted into the few kinds a user must tell apart:
// come back later (unavailable), sign in again (invalid_grant), fix the settings (invalid_client),
// and the sign-in's own endings (declined, code expired). Messages are one line and never carry a
// token: only the provider's error code and description, or the network error's code.
import { safeLine } from '../../domain/sanitize.js';

export type OAuthFailureKind =
  | 'unavailable'
  | 'invalid_grant'
  | 'invalid_client'
  | 'declined'
  | 'code_expired'
  | 'timed_out'
  | 'insecure'
  /** A redirect answer whose state is not this sign-in's (another tab, an old URL, or forged). */
  | 'wrong_state'
  | 'refused';

export class OAuthFailure extends Error {
  /** Recognized across module copies and bundling, where instanceof and class names may not hold. */
  readonly isOAuthFailure = true;
  constructor(
    readonly kind: OAuthFailureKind,
    message: string,
  ) {
    super(oneLine(message));
  }
}

/** One terminal-safe line: the provider's (or a forged redirect's) text may carry escape sequences. */
export function oneLine(text: string): string {
  const line = safeLine(text);
  return line.length > 300 ? `${line.slice(0, 297)}…` : line;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  error?: unknown;
  error_description?: unknown;
  status?: unknown;
  cause?: unknown;
}

/** The OAuth error code and description in openid-client's ResponseBodyError, AuthorizationResponseError or WWWAuthenticateChallengeError. */
function oauthError(e: ErrorLike): { error: string; description: string | null; status: number | null } | null {
  const status = typeof e.status === 'number' ? e.status : null;
  if (typeof e.error === 'string') {
    return { error: e.error, description: typeof e.error_description === 'string' ? e.error_description : null, status };
  }
  if (e.name === 'WWWAuthenticateChallengeError' && Array.isArray(e.cause)) {
    const params = (e.cause[0] as { parameters?: Record<string, string> } | undefined)?.parameters ?? {};
    if (params.error) return { error: params.error, description: params.error_description ?? null, status };
  }
  return null;
}

/** The network error code (ECONNREFUSED, ENOTFOUND, …) under a fetch failure, if any. */
function networkCode(e: ErrorLike): string | null {
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as ErrorLike).cause, depth++) {
    const code = (c as ErrorLike).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return null;
}

/** Sorts whatever a call to the provider threw; `host` names the provider in "cannot reach" lines. */
export function classifyOAuthError(err: unknown, host: string): OAuthFailure {
  if (err instanceof OAuthFailure) return err;
  const e = (err ?? {}) as ErrorLike;
  const unreachable = (why: string) => new OAuthFailure('unavailable', `cannot reach the sign-in provider (${host}): ${why}`);
  const o = oauthError(e);
  if (o) {
    const detail = o.description ? ` (${o.description})` : '';
    // Microsoft answers a refresh that needs the person again (MFA, consent, a changed password)
    // with these instead of invalid_grant; to the user it is the same: sign in again.
    if (o.error === 'invalid_grant' || o.error === 'interaction_required' || o.error === 'consent_required' || o.error === 'login_required') {
      return new OAuthFailure('invalid_grant', `the provider refused the refresh token: ${o.error}${detail}`);
    }
    if (o.error === 'invalid_client' || o.error === 'unauthorized_client') {
      return new OAuthFailure('invalid_client', `the provider refused the client (${o.error}${detail}): check the client id and client secret`);
    }
    if (o.error === 'access_denied') return new OAuthFailure('declined', 'sign-in was declined');
    if (o.error === 'expired_token') return new OAuthFailure('code_expired', 'the code expired');
    if ((o.status !== null && o.status >= 500) || o.error === 'server_error' || o.error === 'temporarily_unavailable') {
      return unreachable(`it answered ${o.status ?? ''} ${o.error}`.replace(/\s+/g, ' '));
    }
    return new OAuthFailure('refused', `the provider refused: ${o.error}${detail}`);
  }
  if (e.code === 'OAUTH_TIMEOUT' || e.name === 'TimeoutError') return unreachable('no answer in time');
  if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    // The cause is the HTTP response: a 5xx page from a proxy is "try later", anything else is a misconfigured endpoint.
    const status = (e.cause as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 500) return unreachable(`it answered HTTP ${status}`);
    return new OAuthFailure('refused', `unexpected answer from the sign-in provider (${host})${typeof status === 'number' ? `: HTTP ${status}` : ''}`);
  }
  const net = networkCode(e);
  if (net) return unreachable(net === 'ECONNREFUSED' ? 'connection refused' : net);
  if (err instanceof TypeError && /fetch failed/i.test(String(e.message))) return unreachable('the request failed');
  return new OAuthFailure('refused', `sign-in provider (${host}): ${typeof e.message === 'string' ? e.message : String(err)}`);
}
