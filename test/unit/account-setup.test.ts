// completeEmailAccount: what a person gives → the account attend saves (presets, defaults, the
// safety rules), and the CLI's flags → draft step in front of it.
import { describe, expect, it } from 'vitest';
import { completeEmailAccount, type EmailAccountDraft, SetupError } from '../../src/app/email/account-setup.js';
import { DEFAULT_PORTS, isLoopbackHost } from '../../src/domain/mail-servers.js';
import { draftFromFlags, missingForAddEmail, type AddEmailOptions } from '../../src/cli/commands/account-email.js';
import { canPaste, browserCommand, promptLines } from '../../src/cli/commands/sign-in-io.js';
import { ago, describeEmail, signInLine } from '../../src/cli/commands/account-describe.js';
import { settingsSchema } from '../../src/config/settings.js';
import { Ajv } from 'ajv';

const base = { name: 'support', email: 'support@contoso.com' } as const;
const ms = (clientId = 'client-1') => ({ provider: 'microsoft' as const, clientId });

function setupError(draft: EmailAccountDraft): string {
  try {
    completeEmailAccount(draft);
  } catch (err) {
    expect(err).toBeInstanceOf(SetupError);
    return (err as Error).message;
  }
  throw new Error('expected a SetupError');
}

describe('completeEmailAccount', () => {
  it("microsoft: the preset servers, the address as user, INBOX and Exchange's Sent Items, and no scopes stored (the preset decides at sign-in)", () => {
    expect(completeEmailAccount({ ...base, oauth2: ms() })).toEqual({
      type: 'email',
      name: 'support',
      email: 'support@contoso.com',
      user: 'support@contoso.com',
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
      oauth2: { provider: 'microsoft', clientId: 'client-1' },
      mailbox: 'INBOX',
      sentMailbox: 'Sent Items',
      allowInsecure: false,
    });
  });

  it("the provider's Sent folder while its IMAP server is used: Gmail's for a gmail.com password account too; a given one or another server wins", () => {
    const google = { provider: 'google' as const, clientId: 'x.apps.googleusercontent.com', clientSecret: { env: 'GOOGLE_SECRET' } };
    expect(completeEmailAccount({ ...base, email: 'a@gmail.com', oauth2: google }).sentMailbox).toBe('[Gmail]/Sent Mail');
    expect(completeEmailAccount({ name: 'g', email: 'a@gmail.com', password: { env: 'P' } }).sentMailbox).toBe('[Gmail]/Sent Mail');
    expect(completeEmailAccount({ ...base, oauth2: ms(), sentMailbox: 'Gesendete Elemente' }).sentMailbox).toBe('Gesendete Elemente');
    expect(completeEmailAccount({ ...base, oauth2: ms(), imap: { host: 'imap.contoso.com' } }).sentMailbox).toBe('Sent');
  });

  it('google: the preset servers; a client secret source is required; the device flow is refused for mail', () => {
    const acc = completeEmailAccount({ ...base, email: 'a@gmail.com', oauth2: { provider: 'google', clientId: 'x.apps.googleusercontent.com', clientSecret: { env: 'GOOGLE_SECRET' } } });
    expect(acc.imap).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls' });
    expect(acc.smtp).toEqual({ host: 'smtp.gmail.com', port: 465, security: 'tls' });
    expect(acc.oauth2?.clientSecret).toEqual({ env: 'GOOGLE_SECRET' });
    expect(setupError({ ...base, oauth2: { provider: 'google', clientId: 'x' } })).toMatch(/--client-secret-env VAR or --client-secret-command CMD/);
    expect(setupError({ ...base, oauth2: { provider: 'google', clientId: 'x', clientSecret: { env: 'S' }, flow: 'device' } })).toMatch(/device flow/);
  });

  it('given servers win over the preset; a different host drops the preset port and takes the default for its security', () => {
    const acc = completeEmailAccount({ ...base, oauth2: ms(), imap: { host: 'imap.contoso.com' }, smtp: { port: 2525 } });
    expect(acc.imap).toEqual({ host: 'imap.contoso.com', port: 993, security: 'tls' });
    expect(acc.smtp).toEqual({ host: 'smtp.office365.com', port: 2525, security: 'starttls' });
    const other = completeEmailAccount({ ...base, oauth2: ms(), smtp: { security: 'tls' } });
    expect(other.smtp).toEqual({ host: 'smtp.office365.com', port: DEFAULT_PORTS.smtp.tls, security: 'tls' });
  });

  it('password accounts: servers from the flags, default ports per security, or the built-in domain table', () => {
    const acc = completeEmailAccount({ ...base, password: { env: 'P' }, imap: { host: 'mail.example.com', security: 'starttls' }, smtp: { host: 'mail.example.com', security: 'none' }, allowInsecure: true });
    expect(acc.imap.port).toBe(143);
    expect(acc.smtp.port).toBe(25);
    expect(acc.password).toEqual({ env: 'P' });
    expect(acc.oauth2).toBeUndefined();
    const fm = completeEmailAccount({ name: 'f', email: 'me@fastmail.com', password: { command: 'pass show fm' } });
    expect(fm.imap.host).toBe('imap.fastmail.com');
    expect(setupError({ ...base, password: { env: 'P' } })).toMatch(/no IMAP server/);
    expect(setupError({ ...base, password: { env: 'P' }, imap: { host: 'mail.example.com' } })).toMatch(/no SMTP server/);
  });

  it('exactly one way to sign in', () => {
    expect(setupError({ ...base, imap: { host: 'h' }, smtp: { host: 'h' } })).toMatch(/no way to sign in/);
    expect(setupError({ ...base, password: { env: 'P' }, oauth2: ms() })).toMatch(/not both/);
  });

  it('"none" security to a host that is not loopback needs allowInsecure, and says what would leak', () => {
    const draft: EmailAccountDraft = { ...base, oauth2: ms(), imap: { host: 'mail.contoso.com', security: 'none' } };
    expect(setupError(draft)).toMatch(/IMAP security "none" to mail\.contoso\.com would send the sign-in token in clear text/);
    expect(completeEmailAccount({ ...draft, allowInsecure: true }).imap).toEqual({ host: 'mail.contoso.com', port: 143, security: 'none' });
    expect(completeEmailAccount({ ...draft, imap: { host: '127.0.0.1', security: 'none', port: 1143 } }).imap.port).toBe(1143);
    expect(setupError({ ...base, password: { env: 'P' }, imap: { host: 'h.example', security: 'none' }, smtp: { host: '::1' } })).toMatch(/password in clear text/);
  });

  it('generic: needs an issuer, https or loopback http, no query', () => {
    const g = (issuer?: string) => ({ ...base, imap: { host: '127.0.0.1' }, smtp: { host: '127.0.0.1' }, oauth2: { provider: 'generic' as const, clientId: 'c', ...(issuer ? { issuer } : {}) } });
    expect(setupError(g())).toMatch(/issuer/);
    expect(setupError(g('http://idp.example.com'))).toMatch(/https/);
    expect(setupError(g('ftp://idp.example.com'))).toMatch(/https/);
    expect(setupError(g('https://idp.example.com/?x=1'))).toMatch(/query/);
    expect(setupError(g('not a url'))).toMatch(/URL/);
    expect(completeEmailAccount(g('http://127.0.0.1:4567')).oauth2?.issuer).toBe('http://127.0.0.1:4567');
    expect(completeEmailAccount(g('https://login.example.com/realms/x')).oauth2).toEqual({ provider: 'generic', issuer: 'https://login.example.com/realms/x', clientId: 'c' });
    // A generic provider has no servers to fill in.
    expect(setupError({ ...base, oauth2: { provider: 'generic', clientId: 'c', issuer: 'https://idp.example.com' } })).toMatch(/no IMAP server/);
  });

  it('scopes: trimmed and de-duplicated; Microsoft without offline_access is refused (no refresh token)', () => {
    expect(completeEmailAccount({ ...base, oauth2: { ...ms(), scopes: [' a ', 'offline_access', 'a'] } }).oauth2?.scopes).toEqual(['a', 'offline_access']);
    expect(setupError({ ...base, oauth2: { ...ms(), scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All'] } })).toMatch(/offline_access/);
    expect(setupError({ ...base, oauth2: { ...ms(), scopes: ['  '] } })).toMatch(/no scopes/);
    expect(setupError({ ...base, oauth2: { ...ms(), tenant: 'bad tenant!' } })).toMatch(/tenant/);
    expect(completeEmailAccount({ ...base, oauth2: { ...ms(), tenant: 'contoso.onmicrosoft.com' } }).oauth2?.tenant).toBe('contoso.onmicrosoft.com');
    expect(setupError({ ...base, email: 'a@gmail.com', oauth2: { provider: 'google', clientId: 'c', clientSecret: { env: 'S' }, tenant: 't' } })).toMatch(/Microsoft only/);
  });

  it('bad names, addresses, ports, windows and secret sources are one line each', () => {
    expect(setupError({ ...base, name: 'has space', oauth2: ms() })).toMatch(/account name/);
    expect(setupError({ ...base, email: 'nobody', oauth2: ms() })).toMatch(/name@example\.com/);
    expect(setupError({ ...base, oauth2: ms(), imap: { port: 70000 } })).toMatch(/IMAP port/);
    expect(setupError({ ...base, oauth2: ms(), openWindow: 'soon' })).toMatch(/open window/);
    expect(completeEmailAccount({ ...base, oauth2: ms(), openWindow: '30D' }).openWindow).toBe('30d');
    expect(setupError({ ...base, oauth2: { ...ms(), clientSecret: { env: 'NOT-A-VAR' } } })).toMatch(/environment variable/);
    expect(setupError({ ...base, oauth2: ms('') })).toMatch(/client id/);
    for (const draft of [{ ...base, oauth2: ms(), imap: { port: 70000 } }, { ...base, name: '' }]) expect(setupError(draft as EmailAccountDraft)).not.toMatch(/\n/);
  });

  it('what it returns passes the settings schema (exactly one of password and oauth2)', () => {
    const ajv = new Ajv({ allowUnionTypes: true, strict: false });
    const validate = ajv.compile(settingsSchema.accounts);
    const accounts = [
      completeEmailAccount({ ...base, oauth2: { ...ms(), tenant: 't', flow: 'paste', tokenCommand: 'my-vault', scopes: ['x', 'offline_access'] } }),
      completeEmailAccount({ name: 'g', email: 'a@gmail.com', oauth2: { provider: 'google', clientId: 'c', clientSecret: { command: 'pass show g' } } }),
      completeEmailAccount({ name: 'p', email: 'me@fastmail.com', password: { env: 'P' }, displayName: 'Acme' }),
    ];
    expect(validate(accounts), JSON.stringify(validate.errors)).toBe(true);
    expect(validate([{ ...accounts[0], password: { env: 'P' } }])).toBe(false); // the check can fail
  });
});

describe('isLoopbackHost', () => {
  it('only this machine', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'a.localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['127.0.0.1.evil.com', '10.0.0.1', 'example.com', '128.0.0.1', '::2', '127.0.0.256']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

const flags = (o: Partial<AddEmailOptions>): AddEmailOptions => ({ signIn: true, verify: true, ...o });

describe('account add email flags', () => {
  it('lists what is missing; hosts only when no preset or domain gives them', () => {
    expect(missingForAddEmail(undefined, flags({}))).toEqual([
      'NAME',
      '--email ADDR',
      'a sign-in: --password-env VAR | --password-command CMD | --oauth2 google|microsoft | --oauth2-issuer URL',
      '--imap-host HOST',
      '--smtp-host HOST',
    ]);
    expect(missingForAddEmail('s', flags({ email: 'a@contoso.com', oauth2: 'microsoft', clientId: 'c' }))).toEqual([]);
    expect(missingForAddEmail('s', flags({ email: 'a@contoso.com', oauth2: 'microsoft' }))).toEqual(['--client-id ID']);
    expect(missingForAddEmail('s', flags({ email: 'a@gmail.com', passwordEnv: 'P' }))).toEqual([]);
    expect(missingForAddEmail('s', flags({ email: 'a@contoso.com', oauth2Issuer: 'https://x', clientId: 'c' }))).toEqual(['--imap-host HOST', '--smtp-host HOST']);
  });

  it('turns the OAuth2 flags into the draft; contradictions are usage errors', () => {
    const d = draftFromFlags('s', flags({ email: 'a@x.com', oauth2Issuer: 'https://idp', clientId: 'c', clientSecretCommand: 'pass x', scope: ['openid email', 'offline_access'], flow: 'paste', tokenCommand: 'vault' }));
    expect(d.oauth2).toEqual({ provider: 'generic', issuer: 'https://idp', clientId: 'c', clientSecret: { command: 'pass x' }, scopes: ['openid', 'email', 'offline_access'], flow: 'paste', tokenCommand: 'vault' });
    expect(d.password).toBeUndefined();
    expect(() => draftFromFlags('s', flags({ email: 'a@x.com', oauth2: 'microsoft', clientId: 'c', passwordEnv: 'P' }))).toThrow(/not both/);
    expect(() => draftFromFlags('s', flags({ email: 'a@x.com', oauth2: 'microsoft', oauth2Issuer: 'https://i', clientId: 'c' }))).toThrow(/not both/);
    expect(() => draftFromFlags('s', flags({ email: 'a@x.com', passwordEnv: 'P', clientId: 'c', tenant: 't' }))).toThrow(/--client-id, --tenant: only with --oauth2/);
    expect(() => draftFromFlags('s', flags({ email: 'a@x.com', passwordEnv: 'P', imapPort: '99999' }))).toThrow(/not a port/);
    expect(() => draftFromFlags('s', flags({ email: 'a@x.com', passwordEnv: 'P', imapSecurity: 'ssl' }))).toThrow(/tls, starttls or none/);
  });
});

describe('the terminal sign-in', () => {
  it('pastes from a terminal always, from a pipe only for the paste flow', () => {
    expect(canPaste(undefined, true)).toBe(true);
    expect(canPaste('loopback', false)).toBe(false);
    expect(canPaste('device', false)).toBe(false);
    expect(canPaste('paste', false)).toBe(true);
  });

  it('opens a browser only where one can appear', () => {
    expect(browserCommand({}, 'linux')).toBeNull();
    expect(browserCommand({ SSH_CONNECTION: '1 2 3 4' }, 'linux')).toBeNull();
    expect(browserCommand({ DISPLAY: ':0' }, 'linux')).toBe('xdg-open');
    expect(browserCommand({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe('xdg-open');
    expect(browserCommand({ BROWSER: 'firefox --new-window', DISPLAY: ':0' }, 'linux')).toBe('firefox --new-window');
    expect(browserCommand({ BROWSER: 'none', DISPLAY: ':0' }, 'linux')).toBeNull();
    expect(browserCommand({}, 'darwin')).toBe('open');
    expect(browserCommand({ SSH_TTY: '/dev/pts/1' }, 'darwin')).toBeNull();
  });

  it('says what to do in words, terminal-safe', () => {
    const device = promptLines({ kind: 'device', verificationUri: 'https://microsoft.com/devicelogin', userCode: 'ABCD-EFGH', expiresAt: Date.now() + 15 * 60_000 }, false);
    expect(device[0]).toBe('To sign in, open https://microsoft.com/devicelogin and enter the code ABCD-EFGH');
    expect(device.join('\n')).toMatch(/within 15 min/);
    const paste = promptLines({ kind: 'browser', url: 'https://idp/auth?x=1\u001b[2J', listening: false, redirectUri: 'http://127.0.0.1/callback' }, true);
    expect(paste[0]).toBe('Open this URL in a browser: https://idp/auth?x=1'); // the escape sequence is gone
    expect(paste[1]).toBe("After signing in your browser will fail to open a 127.0.0.1 page; copy that page's address and paste it here:");
    const loop = promptLines({ kind: 'browser', url: 'https://idp/auth', listening: true, redirectUri: 'http://127.0.0.1:8765/callback' }, false);
    expect(loop.join('\n')).not.toMatch(/paste/);
  });
});

describe('account list', () => {
  const acc = completeEmailAccount({ ...base, oauth2: ms() });
  const now = Date.parse('2030-01-01T12:00:00Z');
  it('shows the sign-in method and the last refresh, never a token', () => {
    const status = { method: 'device' as const, signedInAt: now - 3_600_000, refreshedAt: now - 3 * 60_000, expired: null };
    expect(signInLine(acc, { status }, now)).toBe('oauth2 microsoft, device, last refreshed 3 min ago');
    expect(signInLine(acc, { status: { ...status, refreshedAt: null } }, now)).toBe('oauth2 microsoft, device, signed in 1 h ago');
    expect(signInLine(acc, { status: { ...status, expired: 'account support: sign-in expired' } }, now)).toBe(
      'oauth2 microsoft: sign-in expired — run `attend account login support`',
    );
    expect(signInLine(acc, { status: null }, now)).toMatch(/not signed in — run `attend account login support`/);
    const d = describeEmail(acc, { status }, now);
    expect(d.oauth2).toMatchObject({ provider: 'microsoft', signedIn: true, method: 'device', refreshedAt: '2030-01-01T11:57:00.000Z' });
    expect(ago(30_000)).toBe('just now');
    expect(ago(3 * 86_400_000)).toBe('3 days ago');
  });
});
