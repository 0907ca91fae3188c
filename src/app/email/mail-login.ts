// Logging in to IMAP and SMTP with what the account has: a password, or an OAuth2 access token.
// A token is asked for at every IMAP connect and every SMTP send, never kept from a loop's start
// (a console runs for days; tokens live an hour): accessTokenFor is cheap while the stored one is
// fresh. When a server refuses a token, it is refreshed (force) and the login tried once more.
import { ImapError, type ImapLogin, ImapSession } from '../../adapters/email/imap-session.js';
import type { SmtpLogin } from '../../adapters/email/smtp-send.js';
import { resolveSecret } from '../../config/secrets.js';
import type { EmailAccount } from '../../config/settings.js';
import type { AppContext } from '../context.js';
import { ProviderUnavailableError, SignInExpiredError } from './sign-in-errors.js';

/** A valid access token; with `force`, a freshly refreshed one (a server just refused the last). */
export type TokenSource = (opts: { force?: boolean }) => Promise<string>;

export interface MailLogins {
  /** Connects to IMAP, with a token asked for now (and refreshed once if the server refuses it). */
  connectImap(opts?: { timeoutMs?: number }): Promise<ImapSession>;
  /** For sendRaw / verifySmtp: OAuth2 logins carry a token source that each send asks. */
  smtp: SmtpLogin;
  oauth2: boolean;
}

/**
 * Resolves the account's password (once, as before OAuth2) or loads its token source (no network
 * yet). Throws ImapError 'auth' when the password cannot be had.
 */
export async function mailLogins(ctx: AppContext, account: EmailAccount, source?: TokenSource): Promise<MailLogins> {
  const base = { account: account.name, user: account.user };
  const given = source ?? (account.oauth2 ? await accountTokenSource(ctx, account) : null);
  const tokens: TokenSource | null = given
    ? (opts) =>
        given(opts).catch((err: unknown) => {
          if (err && typeof err === 'object') fromTokenSource.add(err);
          throw err;
        })
    : null;
  if (tokens) {
    return {
      oauth2: true,
      connectImap: (opts = {}) => withTokenRetry(tokens, (accessToken) => ImapSession.connect({ ...base, server: account.imap, accessToken }, opts), tokenRefused),
      smtp: { ...base, server: account.smtp, tokenSource: (force) => tokens({ force }) },
    };
  }
  const password = await passwordOf(ctx, account);
  const imap: ImapLogin = { ...base, server: account.imap, password };
  return {
    oauth2: false,
    connectImap: (opts = {}) => ImapSession.connect(imap, opts),
    smtp: { ...base, server: account.smtp, password },
  };
}

async function accountTokenSource(ctx: AppContext, account: EmailAccount): Promise<TokenSource> {
  // Loaded on demand: openid-client is only for OAuth2 accounts.
  const { accessTokenFor } = await import('./oauth-session.js');
  return (opts) => accessTokenFor(ctx, account, opts);
}

async function passwordOf(ctx: AppContext, account: EmailAccount): Promise<string> {
  if (!account.password) throw new ImapError(`account ${account.name}: no password source and no OAuth2 sign-in in the settings`, 'auth');
  try {
    return await resolveSecret(account.password, ctx.env);
  } catch (err) {
    throw new ImapError(`account ${account.name}: ${(err as Error).message}`, 'auth');
  }
}

/**
 * Runs `use` with a token; when the server refuses it, once more with a token refreshed for the
 * purpose. Errors of the source itself (sign-in expired, provider down) pass through untouched.
 */
export async function withTokenRetry<T>(source: TokenSource, use: (token: string) => Promise<T>, refused: (err: unknown) => boolean): Promise<T> {
  const token = await source({});
  try {
    return await use(token);
  } catch (err) {
    if (!refused(err)) throw err;
  }
  return use(await source({ force: true }));
}

/**
 * The server refused the token itself (expired, revoked: AUTHENTICATIONFAILED). Not when it could
 * not check it (UNAVAILABLE: its provider is down) — a refresh would not help, nor is the sign-in
 * at fault.
 */
export function tokenRefused(err: unknown): boolean {
  return err instanceof ImapError && err.kind === 'auth' && err.responseCode !== 'UNAVAILABLE';
}

/** The expired sign-in behind an error (also one wrapped by the SMTP adapter), if that is what it is. */
export function signInExpired(err: unknown): SignInExpiredError | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e instanceof SignInExpiredError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** Errors the token source threw (accessTokenFor: expired, provider down, wrong client, token store failing). */
const fromTokenSource = new WeakSet<object>();

/**
 * The token could not be had or checked: the sign-in expired, the provider is down, the token
 * source failed otherwise, or the mail server cannot reach the provider (UNAVAILABLE). SMTP
 * would fail the same way: a reply waits, with this one line.
 */
export function tokenUnavailable(err: unknown): boolean {
  if (signInExpired(err)) return true;
  if (err && typeof err === 'object' && fromTokenSource.has(err)) return true;
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e instanceof ProviderUnavailableError) return true;
    if (e instanceof ImapError && e.responseCode === 'UNAVAILABLE') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
