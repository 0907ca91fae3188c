// OAuth2 for email accounts: signing in, and a valid access token for IMAP and SMTP.
// openid-client (through adapters/oauth2) is loaded on demand: signInStatus and every command
// that never touches an OAuth2 account run without it.
import type { TokenGrant } from '../../adapters/oauth2/index.js';
import type { EmailAccount, OAuthFlow } from '../../config/settings.js';
import { withRefreshLock } from '../../config/token-lock.js';
import { loadSignInStatus, type SignInStatus, type StoredTokens, saveSignInStatus, type TokenVault, tokenVaultFor } from '../../config/token-vault.js';
import { safeLine } from '../../domain/sanitize.js';
import type { AppContext } from '../context.js';
import { browserFlow, deviceFlow, type FlowInput } from './oauth-flows.js';
import { oauthSettings, providerPlan, signInErrorOf } from './oauth-plan.js';
import { NotSignedInError, SignInError, SignInExpiredError } from './sign-in-errors.js';

/** How a sign-in talks to the person: the CLI writes to stderr and reads the terminal; the setup screen renders it. */
export interface SignInIO {
  /**
   * Instructions to show, never a token: the device flow's URL and code, or the URL to open for a
   * browser sign-in (and, for paste, what to copy back).
   */
  show(prompt: SignInPrompt): void;
  /** Reads the redirected URL the person pastes (paste flow; also accepted while a loopback listener waits). Absent: not interactive. */
  readPastedUrl?(signal: AbortSignal): Promise<string>;
  /** Opens a browser on this machine if there is one; false when there is none. */
  openBrowser?(url: string): Promise<boolean>;
}

export type SignInPrompt =
  | { kind: 'device'; verificationUri: string; verificationUriComplete?: string; userCode: string; expiresAt: number }
  | { kind: 'browser'; url: string; listening: boolean; redirectUri: string };

export interface SignInOptions {
  /** Overrides the account's flow; absent and unset: device where the provider allows it, else loopback (pasting accepted too). */
  flow?: OAuthFlow;
  /** The loopback listener's port (for an SSH forward `ssh -L PORT:127.0.0.1:PORT`); default: any free port. */
  port?: number;
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SignInResult {
  method: OAuthFlow;
  /** The address the provider says was signed in, when it says (checked against the account's). */
  email: string | null;
}

/** An access token is used only while it has this much life left: a slow IMAP login must not carry an expired one. */
const MIN_TOKEN_LIFE_MS = 60_000;
/** When the provider does not say how long an access token lives (RFC 6749 makes expires_in optional). */
const DEFAULT_TOKEN_LIFE_S = 3600;

const adapter = () => import('../../adapters/oauth2/index.js');

async function loadTokens(name: string, vault: TokenVault): Promise<StoredTokens | null> {
  try {
    return await vault.load();
  } catch (err) {
    throw signInErrorOf(name, err);
  }
}

function freshToken(t: StoredTokens, now: number): string | null {
  return t.accessToken && t.accessExpiresAt !== undefined && t.accessExpiresAt - now > MIN_TOKEN_LIFE_MS ? t.accessToken : null;
}

/**
 * Runs a sign-in and stores the tokens (vault) and the status. Throws SignInError (one line) on
 * failure, ProviderUnavailableError when the provider cannot be reached.
 */
export async function signIn(ctx: AppContext, account: EmailAccount, io: SignInIO, opts: SignInOptions = {}): Promise<SignInResult> {
  const name = account.name;
  const o = oauthSettings(account);
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const a = await adapter();
    const plan = await providerPlan(account, ctx.env);
    const client = await a.openClient(plan.spec);
    const method = a.chooseFlow(opts.flow, o.flow, client.hasDeviceFlow);
    if (method === 'device' && !client.hasDeviceFlow) {
      throw new SignInError(`account ${name}: ${plan.label} offers no device sign-in; use the browser (flow loopback or paste)`);
    }
    const input: FlowInput = {
      a,
      client,
      io,
      scope: plan.scopes.join(' '),
      authorizationParams: plan.authorizationParams,
      loopbackRedirect: plan.loopbackRedirect,
      port: opts.port,
      now: ctx.now,
      signal,
    };
    const grant = method === 'device' ? await deviceFlow(input) : await browserFlow(input, method === 'loopback');
    if (!grant.refreshToken) {
      throw new SignInError(
        `account ${name}: the provider gave no refresh token, so the sign-in would end within the hour — allow the client offline access (scope offline_access, or Google's access_type=offline) and consent`,
      );
    }
    // The address comes from the provider's ID token: terminal-safe before it is shown anywhere.
    const email = grant.email == null ? null : safeLine(grant.email);
    const signedInAs = grant.email?.toLowerCase();
    if (signedInAs && signedInAs !== account.email.toLowerCase() && signedInAs !== account.user.toLowerCase()) {
      throw new SignInError(`account ${name}: signed in as ${email}, but the account is ${account.email}; sign in again as ${account.email}`);
    }
    const now = ctx.now();
    const tokens: StoredTokens = {
      refreshToken: grant.refreshToken,
      accessToken: grant.accessToken,
      accessExpiresAt: now + (grant.expiresInSeconds ?? DEFAULT_TOKEN_LIFE_S) * 1000,
    };
    // Under the refresh lock: a process refreshing the previous sign-in's token must not save over these.
    await withRefreshLock(name, ctx.env, async () => {
      await tokenVaultFor(account, ctx.env).save(tokens);
      await saveSignInStatus(name, { method, signedInAt: now, refreshedAt: null, expired: null }, ctx.env);
    });
    return { method, email };
  } catch (err) {
    if (signal.aborted && !(err instanceof SignInError)) {
      if (timeout.aborted) throw new SignInError(`account ${name}: nobody signed in within ${Math.round(timeoutMs / 60_000) || 1} min; run \`attend account login ${name}\` again`);
      throw new SignInError(`account ${name}: sign-in cancelled`);
    }
    throw signInErrorOf(name, err);
  }
}

/**
 * A valid access token for the account's IMAP and SMTP login. Refreshes first when it expires
 * within a minute, or always with `force` (a server just refused it). Refreshes are serialized
 * across this home's processes, and a process that waited uses the token the other one got.
 * Throws SignInExpiredError when the provider refuses the refresh token (NotSignedInError, a
 * kind of it, when there are no tokens), ProviderUnavailableError when it cannot be reached,
 * SignInError for a wrong client or a failing token store.
 */
export async function accessTokenFor(ctx: AppContext, account: EmailAccount, opts: { force?: boolean } = {}): Promise<string> {
  const name = account.name;
  oauthSettings(account);
  const vault = tokenVaultFor(account, ctx.env);
  const seen = await loadTokens(name, vault);
  if (!seen) throw new NotSignedInError(name);
  const early = opts.force ? null : freshToken(seen, ctx.now());
  if (early) return early;
  return withRefreshLock(name, ctx.env, async (lock) => {
    // Another process may have refreshed while this one waited: its token is the one to use, even
    // under `force` when that was asked about the token read before waiting.
    const current = await loadTokens(name, vault);
    if (!current) throw new NotSignedInError(name);
    const fresh = freshToken(current, ctx.now());
    if (fresh && (!opts.force || fresh !== seen.accessToken)) return fresh;
    const status = await loadSignInStatus(name, ctx.env).catch(() => null);
    // The provider already refused this sign-in: asking again would only repeat the refusal.
    if (status?.expired) throw new SignInExpiredError(name);
    let grant: TokenGrant;
    try {
      const a = await adapter();
      const client = await a.openClient((await providerPlan(account, ctx.env)).spec);
      // Last moment to find the lock displaced (a breaker racing a third process): refreshing
      // then could use the same refresh token as that process. Not checked before the save: once
      // refreshed, the new token must be kept whatever happened to the lock.
      await lock.assertHeld();
      grant = await client.refresh(current.refreshToken);
    } catch (err) {
      const e = signInErrorOf(name, err);
      if (e instanceof SignInExpiredError) {
        const base = status ?? { method: account.oauth2?.flow ?? 'device', signedInAt: ctx.now(), refreshedAt: null };
        await saveSignInStatus(name, { ...base, expired: e.message }, ctx.env).catch(() => {});
      }
      throw e;
    }
    const now = ctx.now();
    const next: StoredTokens = {
      refreshToken: grant.refreshToken ?? current.refreshToken,
      accessToken: grant.accessToken,
      accessExpiresAt: now + (grant.expiresInSeconds ?? DEFAULT_TOKEN_LIFE_S) * 1000,
    };
    try {
      // Refresh tokens rotate: the new one replaces the old before anything else can fail. The
      // provider has already retired the old one, so a failed save is retried once (a token command
      // hitting a locked store, a full disk for a moment). When the retry fails too, the error goes
      // up and the new refresh token is lost with this call; the store keeps the retired one, which
      // the provider refuses at the next refresh (ending the sign-in), so the account then shows
      // "sign-in expired — run `attend account login`" and the person signs in again.
      await vault.save(next).catch(() => vault.save(next));
      const base = status ?? { method: account.oauth2?.flow ?? 'device', signedInAt: now };
      await saveSignInStatus(name, { ...base, refreshedAt: now, expired: null }, ctx.env);
    } catch (err) {
      throw signInErrorOf(name, err);
    }
    return grant.accessToken;
  });
}

/** How and when the account last signed in and refreshed; null when it never signed in. No network. */
export async function signInStatus(ctx: AppContext, account: EmailAccount): Promise<SignInStatus | null> {
  return loadSignInStatus(account.name, ctx.env).catch(() => null);
}
