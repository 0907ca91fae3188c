// The one place that talks OAuth2 to a provider, through openid-client 6: configuration (preset
// endpoints, or OpenID discovery for a generic issuer), the device flow, the authorization code
// flow with PKCE, and refreshing. Every failure comes out as an OAuthFailure (errors.ts).
import * as oc from 'openid-client';
import { classifyOAuthError, OAuthFailure } from './errors.js';
// The same rule as the settings check (account-setup.ts), so an issuer saved as loopback is one the client accepts.
import { isLoopbackHost } from '../../domain/mail-servers.js';

/** A provider known in advance: configured without discovery (Microsoft's discovery document names a template issuer). */
export interface PresetMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  deviceAuthorizationEndpoint?: string;
  revocationEndpoint?: string;
}

export interface ClientSpec {
  provider: { preset: PresetMetadata } | { issuer: string };
  clientId: string;
  /** Sent with client_secret_post (or basic, when that is all a discovered provider takes). */
  clientSecret?: string;
  /** Per HTTP request; default 15 s. */
  timeoutSeconds?: number;
}

/** What a token endpoint handed out. Holds tokens: never log it. */
export interface TokenGrant {
  accessToken: string;
  /** Absent when the provider did not issue (or rotate) one. */
  refreshToken: string | null;
  expiresInSeconds: number | null;
  /** The id token's email claim, when there was an id token. */
  email: string | null;
}

export interface DeviceStart {
  verificationUri: string;
  verificationUriComplete?: string;
  userCode: string;
  expiresInSeconds: number;
  /** openid-client's response, for polling. */
  readonly raw: unknown;
}

export interface OAuthClient {
  /** The provider's host, for "cannot reach" lines. */
  host: string;
  hasDeviceFlow: boolean;
  startDevice(scope: string): Promise<DeviceStart>;
  /** Polls at the provider's interval (slower on slow_down) until the person signs in; rejects with `signal.reason` when it aborts. */
  pollDevice(start: DeviceStart, signal: AbortSignal): Promise<TokenGrant>;
  authorizationUrl(params: Record<string, string>): string;
  exchangeCode(redirected: URL, pkceVerifier: string, state: string): Promise<TokenGrant>;
  refresh(refreshToken: string): Promise<TokenGrant>;
}

export interface PkceState {
  verifier: string;
  challenge: string;
  state: string;
}

export async function newPkce(): Promise<PkceState> {
  const verifier = oc.randomPKCECodeVerifier();
  return { verifier, challenge: await oc.calculatePKCECodeChallenge(verifier), state: oc.randomState() };
}

/** Plain http only for a provider on this machine (tests, a local bridge); a one-line refusal otherwise. */
function checkTransport(url: URL): boolean {
  if (url.protocol === 'https:') return false;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return true;
  throw new OAuthFailure('insecure', `the issuer ${url.origin} is not https: only https, or http on this machine, is accepted`);
}

const discovered = new Map<string, Promise<oc.ServerMetadata>>();

/** Discovery once per issuer and process: the console refreshes many times a day. */
async function discover(issuer: URL, insecure: boolean, timeout: number): Promise<oc.ServerMetadata> {
  let p = discovered.get(issuer.href);
  if (!p) {
    p = oc
      .discovery(issuer, 'discovery', undefined, oc.None(), { execute: insecure ? [oc.allowInsecureRequests] : [], timeout })
      .then((c) => ({ ...c.serverMetadata() }));
    discovered.set(issuer.href, p);
    p.catch(() => discovered.delete(issuer.href));
  }
  return p;
}

function grantOf(r: oc.TokenEndpointResponse & oc.TokenEndpointResponseHelpers): TokenGrant {
  const email = r.id_token ? r.claims()?.email : undefined;
  return {
    accessToken: r.access_token,
    refreshToken: r.refresh_token ?? null,
    expiresInSeconds: r.expiresIn() ?? null,
    email: typeof email === 'string' ? email : null,
  };
}

/**
 * The signed-in address for a sign-in's grant: the id token's email claim, else (many providers
 * keep scope claims out of the id token) userinfo's, for the subject the id token names. Best
 * effort: without an id token, or when userinfo fails, null.
 */
async function withEmail(config: oc.Configuration, r: oc.TokenEndpointResponse & oc.TokenEndpointResponseHelpers): Promise<TokenGrant> {
  const grant = grantOf(r);
  const sub = r.id_token ? r.claims()?.sub : undefined;
  if (grant.email || !sub || !config.serverMetadata().userinfo_endpoint) return grant;
  try {
    const info = await oc.fetchUserInfo(config, r.access_token, sub);
    return { ...grant, email: typeof info.email === 'string' ? info.email : null };
  } catch {
    return grant;
  }
}

export async function openClient(spec: ClientSpec): Promise<OAuthClient> {
  const timeout = spec.timeoutSeconds ?? 15;
  const issuerUrl = new URL('preset' in spec.provider ? spec.provider.preset.tokenEndpoint : spec.provider.issuer);
  const host = issuerUrl.host;
  const fail = (err: unknown): never => {
    throw classifyOAuthError(err, host);
  };
  const insecure = checkTransport(issuerUrl);
  let server: oc.ServerMetadata;
  if ('preset' in spec.provider) {
    const p = spec.provider.preset;
    server = {
      issuer: p.issuer,
      authorization_endpoint: p.authorizationEndpoint,
      token_endpoint: p.tokenEndpoint,
      device_authorization_endpoint: p.deviceAuthorizationEndpoint,
      revocation_endpoint: p.revocationEndpoint,
    };
  } else {
    server = await discover(issuerUrl, insecure, timeout).catch(fail);
  }
  let auth = oc.None();
  if (spec.clientSecret !== undefined) {
    const methods = server.token_endpoint_auth_methods_supported;
    const basicOnly = methods && !methods.includes('client_secret_post') && methods.includes('client_secret_basic');
    auth = basicOnly ? oc.ClientSecretBasic(spec.clientSecret) : oc.ClientSecretPost(spec.clientSecret);
  }
  const config = new oc.Configuration(server, spec.clientId, undefined, auth);
  config.timeout = timeout;
  if (insecure) oc.allowInsecureRequests(config);

  return {
    host,
    hasDeviceFlow: typeof server.device_authorization_endpoint === 'string',
    async startDevice(scope) {
      const r = await oc.initiateDeviceAuthorization(config, { scope }).catch(fail);
      return {
        verificationUri: r.verification_uri,
        verificationUriComplete: r.verification_uri_complete,
        userCode: r.user_code,
        expiresInSeconds: r.expires_in,
        raw: r,
      };
    },
    async pollDevice(start, signal) {
      try {
        return await withEmail(config, await oc.pollDeviceAuthorizationGrant(config, start.raw as oc.DeviceAuthorizationResponse, undefined, { signal }));
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        return fail(err);
      }
    },
    authorizationUrl(params) {
      return oc.buildAuthorizationUrl(config, params).href;
    },
    async exchangeCode(redirected, pkceVerifier, state) {
      const r = await oc.authorizationCodeGrant(config, redirected, { pkceCodeVerifier: pkceVerifier, expectedState: state }).catch(fail);
      return withEmail(config, r);
    },
    async refresh(refreshToken) {
      return grantOf(await oc.refreshTokenGrant(config, refreshToken).catch(fail));
    },
  };
}
