/**
 * The child process behind oauth-provider.ts: a real oidc-provider 8.8.1 on 127.0.0.1, with its own
 * plain HTML sign-in pages (the built-in ones load web fonts from the internet) and a state file,
 * so a restart on the same port keeps grants and tokens. Configured by the ATTEND_TEST_OIDC
 * environment variable (JSON, see ChildConfig); talks to its parent over IPC: `ready`, one `token`
 * event per token-endpoint request, and answers to `revokeUser`.
 * Run it through oauth-provider.ts, not by hand.
 */
import Provider, { type AdapterPayload, type InteractionDetails, type KoaContextWithOIDC } from 'oidc-provider';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface ChildConfig {
  port: number;
  /** Holds store.json (grants, tokens, sessions) and keys.json across restarts. */
  stateDir: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** email -> password */
  users: Record<string, string>;
  publicClientId: string;
  secretClient: { clientId: string; clientSecret: string; authMethod: 'client_secret_post' | 'client_secret_basic' };
  introspectionClient: { clientId: string; clientSecret: string };
}

/** Messages to the parent. */
export type ChildEvent =
  | { type: 'ready' }
  | { type: 'token'; grantType: string; clientId?: string; ok: boolean; error?: string }
  | { type: 'reply'; id: number; ok: boolean; revoked?: number; error?: string };

/** Messages from the parent. */
export type ChildCommand =
  | { type: 'revokeUser'; id: number; email: string; keepAccessTokens: boolean }
  | { type: 'setAccessTokenTtl'; id: number; seconds: number };

const config = JSON.parse(process.env.ATTEND_TEST_OIDC ?? '') as ChildConfig;
const issuer = `http://127.0.0.1:${config.port}`;
const send = (m: ChildEvent) => process.send?.(m);
/** Changeable while running (setAccessTokenTtl); a restart goes back to the configured value. */
let accessTokenTtl = config.accessTokenTtlSeconds;

// ------------------------------------------------------------------ state that survives restarts

interface Entry {
  payload: AdapterPayload;
  /** epoch ms; undefined: no expiry */
  expiresAt?: number;
}

const storeFile = path.join(config.stateDir, 'store.json');
const store: Record<string, Entry> = fs.existsSync(storeFile) ? JSON.parse(fs.readFileSync(storeFile, 'utf8')) : {};

function persist(): void {
  const tmp = `${storeFile}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(store));
  fs.renameSync(tmp, storeFile);
}

function live(key: string): AdapterPayload | undefined {
  const e = store[key];
  if (!e) return undefined;
  if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
    delete store[key];
    return undefined;
  }
  return e.payload;
}

/** oidc-provider's adapter interface over `store`, one instance per model (AccessToken, Grant, ...). */
class FileAdapter {
  constructor(private readonly model: string) {}

  private key(id: string) {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    store[this.key(id)] = { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined };
    persist();
  }

  async find(id: string) {
    return live(this.key(id));
  }

  private findBy(field: 'userCode' | 'uid', value: string) {
    const prefix = `${this.model}:`;
    const key = Object.keys(store).find((k) => k.startsWith(prefix) && store[k]?.payload[field] === value);
    return key ? live(key) : undefined;
  }

  async findByUserCode(userCode: string) {
    return this.findBy('userCode', userCode);
  }

  async findByUid(uid: string) {
    return this.findBy('uid', uid);
  }

  async consume(id: string) {
    const e = store[this.key(id)];
    if (e) {
      e.payload.consumed = Math.floor(Date.now() / 1000);
      persist();
    }
  }

  async destroy(id: string) {
    delete store[this.key(id)];
    persist();
  }

  async revokeByGrantId(grantId: string) {
    for (const [k, e] of Object.entries(store)) if (e.payload.grantId === grantId) delete store[k];
    persist();
  }
}

/**
 * "The provider revokes the sign-in": every grant of `email` goes, and with it its refresh tokens
 * (the next refresh is invalid_grant) and, unless keepAccessTokens, its access tokens (introspection
 * says inactive). keepAccessTokens plays a provider whose access tokens stay good until they expire
 * (Microsoft's JWTs): only the refresh tokens are deleted. Returns how many entries went.
 */
function revokeUser(email: string, keepAccessTokens: boolean): number {
  let n = 0;
  const grants = new Set<string>();
  for (const [k, e] of Object.entries(store)) {
    if (k.startsWith('Grant:') && e.payload.accountId === email) grants.add(k.slice('Grant:'.length));
  }
  for (const [k, e] of Object.entries(store)) {
    const ofUser = e.payload.accountId === email || (e.payload.grantId !== undefined && grants.has(e.payload.grantId));
    if (!ofUser) continue;
    const kind = k.slice(0, k.indexOf(':'));
    if (keepAccessTokens ? kind === 'RefreshToken' : kind !== 'Session' && kind !== 'Interaction') {
      delete store[k];
      n++;
    }
  }
  persist();
  return n;
}

function keys(): { jwk: crypto.JsonWebKey; cookie: string } {
  const file = path.join(config.stateDir, 'keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const k = { jwk: { ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }, cookie: crypto.randomBytes(32).toString('hex') };
  fs.writeFileSync(file, JSON.stringify(k), { mode: 0o600 });
  return k;
}

// ------------------------------------------------------------------------------- plain HTML pages

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function loginPage(uid: string, clientId: string, error?: string, email = ''): string {
  return page(
    'Sign in',
    `<p>Sign in to continue to <strong>${esc(clientId)}</strong>.</p>
${error ? `<p id="error" role="alert">${esc(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${esc(uid)}/login">
  <label>Email <input type="email" name="email" id="email" value="${esc(email)}" autofocus></label>
  <label>Password <input type="password" name="password" id="password"></label>
  <button type="submit" id="sign-in">Sign in</button>
</form>`,
  );
}

// ------------------------------------------------------------------------------- the provider

const SCOPES = ['openid', 'email', 'offline_access'];
const GRANTS = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'];
const { jwk, cookie } = keys();

const provider = new Provider(issuer, {
  adapter: FileAdapter,
  jwks: { keys: [jwk] },
  cookies: { keys: [cookie] },
  clients: [
    {
      client_id: config.publicClientId,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: GRANTS,
      response_types: ['code'],
      // Native + http loopback: any port is accepted (RFC 8252; oidc-provider's redirectUriAllowed).
      redirect_uris: ['http://127.0.0.1/callback'],
    },
    {
      client_id: config.secretClient.clientId,
      client_secret: config.secretClient.clientSecret,
      application_type: 'native',
      token_endpoint_auth_method: config.secretClient.authMethod,
      grant_types: GRANTS,
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
    {
      client_id: config.introspectionClient.clientId,
      client_secret: config.introspectionClient.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ],
  scopes: SCOPES,
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  async findAccount(_ctx: unknown, sub: string) {
    if (!(sub in config.users)) return undefined;
    return { accountId: sub, claims: async () => ({ sub, email: sub, email_verified: true }) };
  },
  // Introspection answers `email` only if the token carries it: Dovecot's username_attribute.
  async extraTokenClaims(_ctx: unknown, token: { accountId?: string; kind: string }) {
    return token.kind === 'AccessToken' && token.accountId ? { email: token.accountId } : undefined;
  },
  // Every sign-in of a client allowed to refresh gets a refresh token, in both flows: in the code
  // flow oidc-provider drops offline_access unless prompt=consent, real providers differ (Google:
  // access_type=offline), and the product should not depend on that detail here.
  async issueRefreshToken(_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) {
    return client.grantTypeAllowed('refresh_token');
  },
  // Rotate on every use, for confidential clients too (the default rotates those only near expiry).
  rotateRefreshToken: true,
  pkce: { methods: ['S256'], required: () => true },
  ttl: {
    AccessToken: () => accessTokenTtl,
    RefreshToken: config.refreshTokenTtlSeconds,
    Grant: config.refreshTokenTtlSeconds,
    Session: config.refreshTokenTtlSeconds,
    AuthorizationCode: 120,
    DeviceCode: 600,
    Interaction: 600,
    IdToken: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: {
      enabled: true,
      // Only access tokens log in: without this a refresh token introspects as active and Dovecot
      // would take it as a password (TESTBED).
      async allowedPolicy(ctx: KoaContextWithOIDC & { oidc: { client: { clientAuthMethod: string } } }, _client: unknown, token: { kind: string }) {
        return ctx.oidc.client.clientAuthMethod !== 'none' && token.kind === 'AccessToken';
      },
    },
    deviceFlow: {
      enabled: true,
      async userCodeInputSource(ctx: { body: string }, form: string, _out: unknown, err?: { userCode?: string; name?: string }) {
        const msg = err ? `<p id="error" role="alert">${err.userCode || err.name === 'NoCodeError' ? 'That code is not right. Try again.' : 'Something went wrong. Try again.'}</p>` : '<p>Enter the code shown on your device.</p>';
        ctx.body = page('Device sign-in', `${msg}${form}<button type="submit" id="continue" form="op.deviceInputForm">Continue</button>`);
      },
      async userCodeConfirmSource(ctx: { body: string }, form: string, client: { clientId: string }, _info: unknown, userCode: string) {
        ctx.body = page(
          'Confirm device',
          `<p><strong>${esc(client.clientId)}</strong> wants to sign in. Code: <code id="user-code">${esc(userCode)}</code></p>${form}
<button type="submit" id="confirm" form="op.deviceConfirmForm">Continue</button>
<button type="submit" id="abort" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
        );
      },
      async successSource(ctx: { body: string }) {
        ctx.body = page('Signed in', '<p id="success">You are signed in. You can close this page.</p>');
      },
    },
  },
  async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre id="oauth-error">${esc(JSON.stringify(out))}</pre>`);
  },
});

provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
  send({ type: 'token', grantType: String(ctx.oidc.params?.grant_type ?? ''), clientId: ctx.oidc.client?.clientId, ok: true });
});
provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string; message: string }) => {
  send({ type: 'token', grantType: String(ctx.oidc.params?.grant_type ?? ''), clientId: ctx.oidc.client?.clientId, ok: false, error: err.error ?? err.message });
});
// Keep stderr for real faults; expected OAuth errors are reported to the parent above.
provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider server_error:', err));

// ------------------------------------------------------------------------------- interactions

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

/** Consent is given at once: a grant with every requested scope, and offline_access. */
async function grantFor(details: InteractionDetails, accountId: string): Promise<string> {
  const clientId = details.params.client_id ?? '';
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const requested = (details.params.scope ?? '').split(' ').filter((s) => SCOPES.includes(s));
  grant.addOIDCScope([...new Set([...requested, 'openid', 'offline_access'])].join(' '));
  return grant.save();
}

function html(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

async function interaction(req: http.IncomingMessage, res: http.ServerResponse, uid: string, action?: string) {
  const details = await provider.interactionDetails(req, res);
  const clientId = details.params.client_id ?? '';
  if (details.prompt.name === 'login') {
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const email = (form.get('email') ?? '').trim().toLowerCase();
      if (config.users[email] === undefined || config.users[email] !== form.get('password')) {
        return html(res, 200, loginPage(uid, clientId, 'Wrong email or password.', email));
      }
      const grantId = await grantFor(details, email);
      return provider.interactionFinished(req, res, { login: { accountId: email }, consent: { grantId } }, { mergeWithLastSubmission: false });
    }
    return html(res, 200, loginPage(uid, clientId));
  }
  // consent (e.g. a second sign-in in the same browser session): granted without a page.
  const accountId = details.session?.accountId ?? '';
  const grantId = await grantFor(details, accountId);
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const m = /^\/interaction\/([^/?]+)(?:\/([a-z]+))?/.exec(req.url ?? '');
  if (!m?.[1]) return handle(req, res);
  interaction(req, res, m[1], m[2]).catch((e: Error) => {
    if (!res.headersSent) html(res, 400, page('Error', `<pre id="oauth-error">${esc(e.message)}</pre>`));
    else res.end();
  });
});

process.on('message', (m: ChildCommand) => {
  if (m.type === 'setAccessTokenTtl') {
    accessTokenTtl = m.seconds;
    send({ type: 'reply', id: m.id, ok: true });
  } else if (m.type === 'revokeUser') {
    try {
      send({ type: 'reply', id: m.id, ok: true, revoked: revokeUser(m.email.toLowerCase(), m.keepAccessTokens) });
    } catch (e) {
      send({ type: 'reply', id: m.id, ok: false, error: (e as Error).message });
    }
  }
});
// The parent gone (crashed test run): do not linger.
process.on('disconnect', () => process.exit(0));

server.listen(config.port, '127.0.0.1', () => send({ type: 'ready' }));
