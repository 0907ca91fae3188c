// Adding an email account, shared by `attend account add email` (flags) and the interactive set-up.
// CONTRACT (issue 15): signatures fixed here; the "cli" helper implements them, the "setup" helper uses them.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { EmailAccount, OAuth2Settings, OAuthFlow, SecretSource, ServerSettings } from '../../config/settings.js';
import { findAccount } from '../../config/accounts.js';
import { normalizeOpenWindow, parseOpenWindow } from '../../domain/open-window.js';
import { type MailServers, OAUTH_PRESETS, providerForDomain, type ServerPreset } from '../../domain/mail-providers.js';
import { DEFAULT_PORTS, isLoopbackHost, isSecurity } from '../../domain/mail-servers.js';
import type { AppContext } from '../context.js';
import type { SignInIO, SignInOptions } from './oauth-session.js';

/** A problem with what the person gave (a bad port, no way to sign in): one line; the CLI exits 2 with it. */
export class SetupError extends Error {}

/** The name is in use: saving would replace another account (checked before signing in and again before saving). */
export class AccountExistsError extends SetupError {
  constructor(readonly account: string) {
    super(`account ${account} exists already (remove it first, or choose another name)`);
  }
}

/** What a person gives; everything else comes from the provider preset and the defaults. */
export interface EmailAccountDraft {
  name: string;
  email: string;
  displayName?: string;
  user?: string;
  imap?: Partial<ServerSettings>;
  smtp?: Partial<ServerSettings>;
  password?: SecretSource;
  oauth2?: OAuth2Settings;
  mailbox?: string;
  sentMailbox?: string;
  allowInsecure?: boolean;
  openWindow?: string;
}

export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The servers a draft starts from: the OAuth2 preset's (google, microsoft), else the built-in
 * domain table's (gmail.com, fastmail.com, …), else none. Which one, so a message can say.
 */
export function presetServers(draft: Pick<EmailAccountDraft, 'email' | 'oauth2'>): { servers: MailServers; label: string } | null {
  const provider = draft.oauth2?.provider;
  if (provider === 'google' || provider === 'microsoft') return { servers: OAUTH_PRESETS[provider].servers, label: OAUTH_PRESETS[provider].label };
  const guess = draft.email.includes('@') ? providerForDomain(draft.email) : null;
  return guess ? { servers: guess.servers, label: guess.label } : null;
}

/** Fills in the preset's servers (google, microsoft) and the defaults, and checks the result. Throws SetupError. */
export function completeEmailAccount(draft: EmailAccountDraft): EmailAccount {
  if (!ACCOUNT_NAME_PATTERN.test(draft.name)) throw new SetupError('account name: use letters, digits, ".", "_" or "-" (at most 64)');
  const email = draft.email.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new SetupError(`the email address must look like name@example.com (got "${draft.email}")`);
  if (Boolean(draft.password) === Boolean(draft.oauth2)) {
    throw new SetupError(draft.password ? 'choose one way to sign in: a password or OAuth2, not both' : 'no way to sign in: give a password source or OAuth2');
  }
  if (draft.password) checkSecretSource(draft.password, 'the password');
  const oauth2 = draft.oauth2 ? checkOAuth2(draft.oauth2) : undefined;
  const preset = presetServers({ email, oauth2 })?.servers;
  const imap = server('IMAP', 'imap', draft.imap, preset?.imap);
  const smtp = server('SMTP', 'smtp', draft.smtp, preset?.smtp);
  const allowInsecure = Boolean(draft.allowInsecure);
  const what = oauth2 ? 'the sign-in token' : 'the password';
  for (const [label, s] of [['IMAP', imap], ['SMTP', smtp]] as const) {
    if (s.security === 'none' && !isLoopbackHost(s.host) && !allowInsecure) {
      throw new SetupError(`${label} security "none" to ${s.host} would send ${what} in clear text; use tls or starttls, or allow it explicitly (--allow-insecure)`);
    }
  }
  let openWindow: string | undefined;
  if (draft.openWindow !== undefined) {
    if (parseOpenWindow(draft.openWindow) === null) {
      throw new SetupError(`the open window must be days or hours like 14d, 36h, or 0 for everything open (got "${draft.openWindow}")`);
    }
    openWindow = normalizeOpenWindow(draft.openWindow);
  }
  const user = draft.user?.trim() || email;
  const mailbox = draft.mailbox?.trim() || 'INBOX';
  // The provider's Sent folder only while its IMAP server is the one used.
  const presetSent = preset && imap.host.toLowerCase() === preset.imap.host ? preset.sentMailbox : undefined;
  const sentMailbox = draft.sentMailbox?.trim() || presetSent || 'Sent';
  const displayName = draft.displayName?.trim();
  return {
    type: 'email',
    name: draft.name,
    email,
    ...(displayName ? { displayName } : {}),
    user,
    imap,
    smtp,
    ...(draft.password ? { password: draft.password } : {}),
    ...(oauth2 ? { oauth2 } : {}),
    mailbox,
    sentMailbox,
    allowInsecure,
    ...(openWindow !== undefined ? { openWindow } : {}),
  };
}

/**
 * One server: what the person gave, else the preset, else the defaults. A host the person gave
 * that is not the preset's drops the preset entirely (its port and security were for its host).
 */
function server(label: 'IMAP' | 'SMTP', proto: 'imap' | 'smtp', given: Partial<ServerSettings> | undefined, preset: ServerPreset | undefined): ServerSettings {
  const g = given ?? {};
  const host = g.host?.trim() || preset?.host;
  if (!host) throw new SetupError(`no ${label} server: give its host (no preset is known for this address)`);
  if (/\s|\//.test(host)) throw new SetupError(`${label} host must be a host name or address, like mail.example.com (got "${host}")`);
  const base = preset && host.toLowerCase() === preset.host ? preset : undefined;
  const security = g.security ?? base?.security ?? 'tls';
  if (!isSecurity(security)) throw new SetupError(`${label} security must be tls, starttls or none (got "${String(security)}")`);
  const port = g.port ?? (base && base.security === security ? base.port : DEFAULT_PORTS[proto][security]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SetupError(`${label} port must be a number from 1 to 65535 (got ${String(port)})`);
  return { host, port, security };
}

function checkSecretSource(s: SecretSource, what: string): void {
  if ('env' in s && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.env)) throw new SetupError(`${what}: "${s.env}" is not an environment variable name`);
  if ('command' in s && s.command.trim() === '') throw new SetupError(`${what}: the command is empty`);
  if ('file' in s) throw new SetupError(`${what}: give an environment variable or a command`);
}

const FLOWS: readonly OAuthFlow[] = ['device', 'loopback', 'paste'];

/** The OAuth2 settings, checked: what a preset needs, a usable issuer, scopes that yield a refresh token. */
function checkOAuth2(o: OAuth2Settings): OAuth2Settings {
  const clientId = o.clientId?.trim();
  if (!clientId) throw new SetupError('OAuth2 needs the client id you registered with the provider');
  if (/\s/.test(clientId)) throw new SetupError(`the client id has a space in it (got "${clientId}")`);
  if (o.flow !== undefined && !FLOWS.includes(o.flow)) throw new SetupError(`the sign-in flow must be device, loopback or paste (got "${String(o.flow)}")`);
  if (o.clientSecret) checkSecretSource(o.clientSecret, 'the client secret');
  if (o.tokenCommand !== undefined && o.tokenCommand.trim() === '') throw new SetupError('the token command is empty');
  const scopes = o.scopes === undefined ? undefined : [...new Set(o.scopes.map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes !== undefined) {
    if (scopes.length === 0) throw new SetupError('no scopes: leave them out for the defaults');
    const bad = scopes.find((s) => /\s/.test(s));
    if (bad) throw new SetupError(`a scope has a space in it: "${bad}" (give each scope on its own)`);
  }
  let issuer: string | undefined;
  let tenant: string | undefined;
  switch (o.provider) {
    case 'generic': {
      if (!o.issuer) throw new SetupError('a generic OAuth2 provider needs its issuer URL (OpenID discovery starts there)');
      issuer = checkIssuer(o.issuer);
      if (o.tenant !== undefined) throw new SetupError('a tenant is for Microsoft only');
      break;
    }
    case 'google': {
      if (o.issuer !== undefined) throw new SetupError('the google preset has its own endpoints: no issuer');
      if (o.tenant !== undefined) throw new SetupError('a tenant is for Microsoft only');
      if (!o.clientSecret) {
        throw new SetupError("Google wants the Desktop app client's secret too: give where it comes from: --client-secret-env VAR or --client-secret-command CMD");
      }
      if (o.flow === 'device') throw new SetupError('Google does not allow the device flow for mail: sign in with a browser (loopback) or paste the redirected URL');
      break;
    }
    case 'microsoft': {
      if (o.issuer !== undefined) throw new SetupError('the microsoft preset has its own endpoints: no issuer');
      if (o.tenant !== undefined) {
        tenant = o.tenant.trim();
        if (!/^[A-Za-z0-9._-]{1,100}$/.test(tenant)) throw new SetupError(`the tenant must be a directory id or domain like contoso.onmicrosoft.com (got "${o.tenant}")`);
      }
      // Without offline_access Microsoft gives no refresh token: the sign-in would end after an hour.
      if (scopes && !scopes.includes('offline_access')) throw new SetupError('Microsoft gives no refresh token without the offline_access scope: add it');
      break;
    }
    default:
      throw new SetupError(`OAuth2 provider must be google, microsoft or generic (got "${String(o.provider)}")`);
  }
  return {
    provider: o.provider,
    ...(issuer ? { issuer } : {}),
    ...(tenant ? { tenant } : {}),
    clientId,
    ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}),
    ...(scopes ? { scopes } : {}),
    ...(o.flow ? { flow: o.flow } : {}),
    ...(o.tokenCommand ? { tokenCommand: o.tokenCommand } : {}),
  };
}

/** https://, or http:// to this machine only (a provider the tests or the user run locally). */
function checkIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SetupError(`the issuer must be a URL like https://login.example.com (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SetupError(`the issuer must be an https:// URL (got "${raw}")`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new SetupError(`the issuer must be https:// (http:// only to this machine), or the sign-in would cross the network in clear text (got "${raw}")`);
  }
  if (url.search || url.hash || url.username || url.password) throw new SetupError(`the issuer is a plain URL without query, fragment or credentials (got "${raw}")`);
  return raw.trim();
}

/** Progress lines for a person watching ("signing in…", "IMAP ok", "SMTP ok"). */
export interface SetupProgress {
  step(line: string): void;
}

/**
 * Signs in (OAuth2 accounts), tests IMAP and SMTP unless `verify` is false, then saves the account.
 * Nothing is saved when a step fails; the error says which step, in one line.
 * `signIn: false` saves an OAuth2 account without signing in (`account login` later; no verify then).
 */
export async function setUpEmailAccount(
  ctx: AppContext,
  account: EmailAccount,
  io: SignInIO & SetupProgress,
  opts: { verify: boolean; signIn?: SignInOptions | false },
): Promise<void> {
  if (findAccount(ctx.settings, account.name)) throw new AccountExistsError(account.name);
  let signedIn = false;
  try {
    if (account.oauth2 && opts.signIn !== false) {
      // Loaded on demand: openid-client is only for OAuth2 accounts.
      const { signIn } = await import('./oauth-session.js');
      io.step(`signing in to ${providerLabel(account.oauth2)} as ${account.email}…`);
      signedIn = true; // from here on tokens may be stored, even if signIn then fails halfway
      const result = await signIn(ctx, account, io, opts.signIn ?? {}).catch((err: unknown) => {
        // The sign-in's lines say "run `attend account login NAME`": not yet, there is no such account.
        if (err instanceof Error) err.message = err.message.replace(/ ?[—;,]? ?run `attend account login [^`]*`( again)?/, '; try again');
        throw err;
      });
      io.step(`signed in (${result.method}${result.email ? `, as ${result.email}` : ''})`);
    }
    if (opts.verify && !(account.oauth2 && opts.signIn === false)) {
      io.step(`checking IMAP ${account.imap.host}:${account.imap.port} and SMTP ${account.smtp.host}:${account.smtp.port}…`);
      // Loaded on demand: the network libraries are heavy and most commands never need them.
      const { verifyEmail } = await import('./email-account.js');
      await verifyEmail(ctx, account);
      io.step('IMAP and SMTP ok');
    }
    // Signing in can take minutes: another process may have taken the name meanwhile.
    if (findAccount(ctx.settings, account.name)) throw new AccountExistsError(account.name);
    ctx.settings.set('accounts', [...ctx.settings.get('accounts'), account]);
  } catch (err) {
    if (signedIn && !(err instanceof AccountExistsError)) await forgetTokens(ctx, account, 'the sign-in that was not saved');
    throw err;
  }
}

function providerLabel(o: OAuth2Settings): string {
  if (o.provider === 'generic') return o.issuer ?? 'the provider';
  return OAUTH_PRESETS[o.provider].label;
}

/**
 * Removes an account's stored tokens and sign-in status: after a set-up that was not saved (not on
 * AccountExistsError: the tokens under that name then belong to the account that has it), and
 * after `account remove`. Under the refresh lock, so a refresh running elsewhere does not write
 * them back halfway. Tokens kept by the user's own command are theirs: the token command has no
 * "delete" (the next sign-in under that name replaces them).
 */
export async function forgetTokens(ctx: AppContext, account: EmailAccount, what: string): Promise<void> {
  try {
    const { withRefreshLock } = await import('../../config/token-lock.js');
    const { accountFileBase, oauthDir, signInStatusFile } = await import('../../config/token-vault.js');
    const files = [signInStatusFile(account.name, ctx.env)];
    // The file vault's name for the account (config/token-vault.ts fileTokenVault).
    if (!account.oauth2?.tokenCommand) files.push(path.join(oauthDir(ctx.env), `${accountFileBase(account.name)}.json`));
    await withRefreshLock(account.name, ctx.env, async () => {
      for (const f of files) await rm(f, { force: true });
    });
  } catch (err) {
    ctx.log(`account ${account.name}: could not remove the tokens of ${what}: ${(err as Error).message}`);
  }
}
