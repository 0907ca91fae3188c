// From an account's OAuth2 settings to what the provider adapter needs: the endpoints (a preset's,
// or the generic issuer's), the client, the scopes and the authorization parameters. Also turns
// the adapter's failures into the sign-in errors the rest of attend knows.
import type { ClientSpec, OAuthFailure } from '../../adapters/oauth2/index.js';
import { resolveSecret } from '../../config/secrets.js';
import type { EmailAccount, OAuth2Settings } from '../../config/settings.js';
import { TokenVaultError } from '../../config/token-vault.js';
import { GENERIC_LOOPBACK_REDIRECT, GENERIC_SCOPES, OAUTH_PRESETS, presetEndpoint } from '../../domain/mail-providers.js';
import { ProviderUnavailableError, SignInError, SignInExpiredError } from './sign-in-errors.js';

export interface ProviderPlan {
  spec: ClientSpec;
  scopes: string[];
  /** Added to the authorization URL (Google: access_type=offline; always prompt=consent so a refresh token comes). */
  authorizationParams: Record<string, string>;
  /** The registered loopback redirect, port added at run time. */
  loopbackRedirect: string;
  /** Shown in messages: "Google (Gmail, Google Workspace)", or the issuer's host. */
  label: string;
}

export function oauthSettings(account: EmailAccount): OAuth2Settings {
  if (!account.oauth2) throw new SignInError(`account ${account.name}: it signs in with a password, not OAuth2`);
  return account.oauth2;
}

export async function providerPlan(account: EmailAccount, env: NodeJS.ProcessEnv): Promise<ProviderPlan> {
  const o = oauthSettings(account);
  let clientSecret: string | undefined;
  if (o.clientSecret) {
    try {
      clientSecret = await resolveSecret(o.clientSecret, env);
    } catch (err) {
      throw new SignInError(`account ${account.name}: client secret: ${(err as Error).message}`);
    }
  }
  if (o.provider === 'generic') {
    if (!o.issuer) throw new SignInError(`account ${account.name}: a generic OAuth2 provider needs its issuer URL`);
    let host: string;
    try {
      host = new URL(o.issuer).host;
    } catch {
      throw new SignInError(`account ${account.name}: the issuer ${o.issuer} is not a URL`);
    }
    return {
      spec: { provider: { issuer: o.issuer }, clientId: o.clientId, clientSecret },
      scopes: o.scopes ?? [...GENERIC_SCOPES],
      // Without consent oidc-provider (and others) drop offline_access in the code flow: no refresh token.
      authorizationParams: { prompt: 'consent' },
      loopbackRedirect: GENERIC_LOOPBACK_REDIRECT,
      label: host,
    };
  }
  const p = OAUTH_PRESETS[o.provider];
  if (p.clientSecretRequired && clientSecret === undefined) {
    throw new SignInError(`account ${account.name}: ${p.label} also needs the client's secret (from an environment variable or a command)`);
  }
  const authorizationEndpoint = presetEndpoint(p.authorizationEndpoint, o.tenant);
  return {
    spec: {
      provider: {
        preset: {
          // Neither preset sends RFC 9207's iss with a different value; the origin is what Google sends.
          issuer: new URL(authorizationEndpoint).origin,
          authorizationEndpoint,
          tokenEndpoint: presetEndpoint(p.tokenEndpoint, o.tenant),
          deviceAuthorizationEndpoint: p.deviceAuthorizationEndpoint && presetEndpoint(p.deviceAuthorizationEndpoint, o.tenant),
          revocationEndpoint: p.revocationEndpoint,
        },
      },
      clientId: o.clientId,
      clientSecret,
    },
    scopes: o.scopes ?? [...p.scopes],
    authorizationParams: { ...p.authorizationParams },
    loopbackRedirect: p.loopbackRedirect,
    label: p.label,
  };
}

function isFailure(err: unknown): err is OAuthFailure {
  return err instanceof Error && (err as { isOAuthFailure?: unknown }).isOAuthFailure === true;
}

/** The sign-in error for whatever a flow or a refresh threw: one line, prefixed with the account. */
export function signInErrorOf(account: string, err: unknown): Error {
  if (err instanceof SignInError || err instanceof SignInExpiredError || err instanceof ProviderUnavailableError) return err;
  if (err instanceof TokenVaultError) return new SignInError(`account ${account}: ${err.message}`);
  if (isFailure(err)) {
    switch (err.kind) {
      case 'unavailable':
        return new ProviderUnavailableError(`account ${account}: ${err.message}`);
      case 'invalid_grant':
        return new SignInExpiredError(account);
      case 'code_expired':
        return new SignInError(`account ${account}: the code expired; run \`attend account login ${account}\` again`);
      default:
        return new SignInError(`account ${account}: ${err.message}`);
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new SignInError(`account ${account}: ${msg.replace(/\s+/g, ' ').slice(0, 300)}`);
}
