/**
 * A real OpenID provider for tests: oidc-provider 8.8.1 on 127.0.0.1, in its own process (so the
 * product's CLI and Dovecot can call it while test code awaits, and a test can kill it: "provider
 * down"). Device flow, authorization code + PKCE (S256, required), refresh tokens that rotate on
 * every use, introspection that reports only ACCESS tokens as active (with `email`, Dovecot's
 * username_attribute), revocation. Its sign-in pages are plain local HTML (oauth-browser.ts drives
 * them); nothing is loaded from the internet.
 *
 * Facts the product can rely on (measured here):
 * - Discovery at `${issuer}/.well-known/openid-configuration`; openid-client 6 needs
 *   allowInsecureRequests for this http issuer.
 * - Refresh tokens are issued in both flows to every client allowed to refresh, whatever the
 *   scope (oidc-provider would drop offline_access in the code flow without prompt=consent).
 * - Reusing a rotated (old) refresh token is invalid_grant AND revokes the whole sign-in (grant),
 *   as real providers do: the newest refresh token dies too.
 * - `attend-secret` authenticates with client_secret_post by default: what openid-client 6 sends
 *   when given a client secret (its ClientSecretPost default). opts.secretClientAuthMethod switches.
 * - restart() keeps grants, tokens and signing keys (state file in a temp dir); browser sessions
 *   survive too (stable cookie key). tokenRequests() spans restarts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './net.js';
import type { ChildCommand, ChildConfig, ChildEvent } from './oauth-provider-process.js';

export interface OAuthProviderOptions {
  /** Access token lifetime (default 300 s; expiry tests use a few seconds). */
  accessTokenTtlSeconds?: number;
  /** Refresh token (and grant, session) lifetime (default 30 days). */
  refreshTokenTtlSeconds?: number;
  /** email -> password (default: agent@example.test and customer@example.test, password 'secret'). */
  users?: Record<string, string>;
  /** How `attend-secret` authenticates at the token endpoint (default client_secret_post). */
  secretClientAuthMethod?: 'client_secret_post' | 'client_secret_basic';
}

/** One request to the token endpoint, as the provider saw it. */
export interface TokenRequest {
  /** 'authorization_code' | 'refresh_token' | 'urn:ietf:params:oauth:grant-type:device_code' | … */
  grantType: string;
  clientId?: string;
  ok: boolean;
  /** The OAuth error code when !ok: invalid_grant, authorization_pending, invalid_client, … */
  error?: string;
  /** Date.now() when the parent heard of it. */
  at: number;
}

export interface OAuthProvider {
  /** http://127.0.0.1:PORT (no trailing slash) */
  readonly issuer: string;
  readonly port: number;
  /** Public native client: no secret, PKCE S256 required, loopback redirect on any port. */
  readonly publicClient: { clientId: string };
  /** Confidential native client (same grants and redirect rule). */
  readonly secretClient: { clientId: string; clientSecret: string; authMethod: 'client_secret_post' | 'client_secret_basic' };
  /** What Dovecot and the SMTP sink use to check tokens (client_secret_basic). */
  readonly introspection: { url: string; clientId: string; clientSecret: string; urlWithCredentials: string };
  readonly tokenEndpoint: string;
  readonly deviceAuthorizationEndpoint: string;
  readonly authorizationEndpoint: string;
  readonly revocationEndpoint: string;
  /** email -> password */
  readonly users: Readonly<Record<string, string>>;
  /**
   * Ends every sign-in of `email`: its grants and refresh tokens go (the next refresh is
   * invalid_grant) and its access tokens stop introspecting as active — unless keepAccessTokens,
   * which plays a provider whose access tokens stay good until they expire. Resolves with the
   * number of stored entries removed.
   */
  revokeUser(email: string, opts?: { keepAccessTokens?: boolean }): Promise<number>;
  /**
   * Access tokens issued from now on live `seconds` (tokens already out keep theirs). Lets a test
   * sign in at leisure and then make tokens expire quickly. A restart goes back to the option.
   */
  setAccessTokenTtl(seconds: number): Promise<void>;
  /** Every token-endpoint request so far (across restarts), oldest first: a copy. */
  tokenRequests(): TokenRequest[];
  /** Whether the provider process is up. */
  running(): boolean;
  /** SIGKILL: provider down (connections refused). Keeps the state for restart(). */
  kill(): Promise<void>;
  /** Kills it if running and starts it again on the same port with the same state. */
  restart(): Promise<void>;
  /** Kills it and removes its state dir. */
  stop(): Promise<void>;
  /** What the provider wrote to stderr, across restarts (warnings, server errors). */
  log(): string;
}

export const OAUTH_DEFAULT_USERS: Readonly<Record<string, string>> = {
  'agent@example.test': 'secret',
  'customer@example.test': 'secret',
};

const CHILD = fileURLToPath(new URL('./oauth-provider-process.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const live = new Set<ChildProcess>();
let exitHook = false;

export async function startOAuthProvider(opts: OAuthProviderOptions = {}): Promise<OAuthProvider> {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attend-oidc-'));
  const secret = () => crypto.randomBytes(18).toString('base64url');
  const config: ChildConfig = {
    port,
    stateDir,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 300,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
    users: { ...(opts.users ?? OAUTH_DEFAULT_USERS) },
    publicClientId: 'attend-test',
    secretClient: { clientId: 'attend-secret', clientSecret: secret(), authMethod: opts.secretClientAuthMethod ?? 'client_secret_post' },
    introspectionClient: { clientId: 'introspector', clientSecret: secret() },
  };
  const issuer = `http://127.0.0.1:${port}`;
  const requests: TokenRequest[] = [];
  const pending = new Map<number, (m: Extract<ChildEvent, { type: 'reply' }>) => void>();
  let nextId = 1;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }

  const start = async () => {
    // fork: node with tsx's loader, this file's sibling as a child with an IPC channel. The
    // config (with the client secrets) goes by environment, never on the command line.
    const c = fork(CHILD, [], {
      execArgv: ['--import', TSX],
      env: { ...process.env, ATTEND_TEST_OIDC: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child = c;
    live.add(c);
    c.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve())).then(() => {
      live.delete(c);
    });
    const ready = new Promise<void>((resolve, reject) => {
      c.on('message', (m: ChildEvent) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'token') requests.push({ grantType: m.grantType, clientId: m.clientId, ok: m.ok, error: m.error, at: Date.now() });
        else if (m.type === 'reply') pending.get(m.id)?.(m);
      });
      c.once('exit', (code, sig) => reject(new Error(`OpenID provider exited while starting (${code ?? sig}):\n${stderr.slice(-3000)}`)));
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`OpenID provider did not start within 20 s:\n${stderr.slice(-3000)}`)), 20_000).unref(),
    );
    try {
      await Promise.race([ready, timeout]);
    } catch (e) {
      await kill();
      throw e;
    }
  };

  /** Sends a command to the provider process; resolves with its reply. */
  const command = (cmd: ChildCommand) => {
    const c = child;
    if (!c || !isRunning()) return Promise.reject(new Error(`${cmd.type}: the provider is not running`));
    return new Promise<Extract<ChildEvent, { type: 'reply' }>>((resolve, reject) => {
      pending.set(cmd.id, (m) => {
        pending.delete(cmd.id);
        if (m.ok) resolve(m);
        else reject(new Error(`${cmd.type} failed: ${m.error}`));
      });
      c.send(cmd);
    });
  };

  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (isRunning()) child?.kill('SIGKILL');
    await exited;
    for (const [id, reply] of pending) reply({ type: 'reply', id, ok: false, error: 'provider stopped' });
    pending.clear();
  };

  const provider: OAuthProvider = {
    issuer,
    port,
    publicClient: { clientId: config.publicClientId },
    secretClient: { ...config.secretClient },
    introspection: {
      url: `${issuer}/token/introspection`,
      clientId: config.introspectionClient.clientId,
      clientSecret: config.introspectionClient.clientSecret,
      urlWithCredentials: `http://${config.introspectionClient.clientId}:${config.introspectionClient.clientSecret}@127.0.0.1:${port}/token/introspection`,
    },
    tokenEndpoint: `${issuer}/token`,
    deviceAuthorizationEndpoint: `${issuer}/device/auth`,
    authorizationEndpoint: `${issuer}/auth`,
    revocationEndpoint: `${issuer}/token/revocation`,
    users: config.users,
    async revokeUser(email, o = {}) {
      const m = await command({ type: 'revokeUser', id: nextId++, email, keepAccessTokens: o.keepAccessTokens ?? false });
      return m.revoked ?? 0;
    },
    async setAccessTokenTtl(seconds) {
      await command({ type: 'setAccessTokenTtl', id: nextId++, seconds });
    },
    tokenRequests: () => requests.map((r) => ({ ...r })),
    running: isRunning,
    kill,
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      await kill();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
    log: () => stderr,
  };
  await start();
  return provider;
}
