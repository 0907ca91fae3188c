// How `account list|add|set|login` show an account: where each secret comes from and, for
// OAuth2, how and when it last signed in — never a secret or a token (schemas/defs.schema.json).
import type { Account, ChatAccount, EmailAccount, SecretSource } from '../../config/settings.js';
import type { SignInStatus } from '../../config/token-vault.js';
import type { AppContext } from '../../app/context.js';
import { DEFAULT_OPEN_WINDOW } from '../../domain/open-window.js';
import { GENERIC_SCOPES, OAUTH_PRESETS } from '../../domain/mail-providers.js';

export const secretFrom = (s: SecretSource) => ('env' in s ? `env ${s.env}` : 'command' in s ? `command ${s.command}` : `file ${s.file}`);

export function describeChatAccount(a: ChatAccount) {
  return { name: a.name, type: a.type, url: a.url, agentName: a.agentName ?? null, tokenFrom: secretFrom(a.token) };
}

export interface OAuth2Description {
  provider: 'google' | 'microsoft' | 'generic';
  issuer: string | null;
  tenant: string | null;
  clientId: string;
  clientSecretFrom: string | null;
  scopes: string[];
  flow: 'device' | 'loopback' | 'paste' | null;
  tokensIn: string;
  signedIn: boolean;
  method: 'device' | 'loopback' | 'paste' | null;
  signedInAt: string | null;
  refreshedAt: string | null;
  expired: string | null;
}

/** The status, or why it could not be read (a broken status file must not break `account list`). */
export type StatusLookup = { status: SignInStatus | null } | { error: string };

export async function lookUpStatus(ctx: AppContext, account: EmailAccount): Promise<StatusLookup> {
  try {
    // Loaded on demand: only OAuth2 accounts need the sign-in module.
    const { signInStatus } = await import('../../app/email/oauth-session.js');
    return { status: await signInStatus(ctx, account) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export async function describeEmailAccount(ctx: AppContext, a: EmailAccount) {
  return describeEmail(a, a.oauth2 ? await lookUpStatus(ctx, a) : null, ctx.now());
}

export function describeEmail(a: EmailAccount, lookup: StatusLookup | null, now: number) {
  let oauth2: OAuth2Description | null = null;
  if (a.oauth2) {
    const o = a.oauth2;
    const status = lookup && 'status' in lookup ? lookup.status : null;
    const iso = (t: number | null | undefined) => (typeof t === 'number' ? new Date(t).toISOString() : null);
    oauth2 = {
      provider: o.provider,
      issuer: o.issuer ?? null,
      tenant: o.tenant ?? null,
      clientId: o.clientId,
      clientSecretFrom: o.clientSecret ? secretFrom(o.clientSecret) : null,
      scopes: o.scopes ?? (o.provider === 'generic' ? [...GENERIC_SCOPES] : [...OAUTH_PRESETS[o.provider].scopes]),
      flow: o.flow ?? null,
      tokensIn: o.tokenCommand ? `command ${o.tokenCommand}` : 'file',
      signedIn: status !== null,
      method: status?.method ?? null,
      signedInAt: iso(status?.signedInAt),
      refreshedAt: iso(status?.refreshedAt),
      expired: status?.expired ?? null,
    };
  }
  return {
    name: a.name,
    type: a.type,
    email: a.email,
    displayName: a.displayName ?? null,
    user: a.user,
    imap: `${a.imap.host}:${a.imap.port} ${a.imap.security}`,
    smtp: `${a.smtp.host}:${a.smtp.port} ${a.smtp.security}`,
    mailbox: a.mailbox,
    sentMailbox: a.sentMailbox,
    openWindow: a.openWindow ?? DEFAULT_OPEN_WINDOW,
    passwordFrom: a.password ? secretFrom(a.password) : null,
    oauth2,
    signIn: signInLine(a, lookup, now),
  };
}

/** "password from env X" · "oauth2 microsoft, device, last refreshed 3 min ago" · "oauth2 google: sign-in expired — …". */
export function signInLine(a: EmailAccount, lookup: StatusLookup | null, now: number): string {
  if (!a.oauth2) return a.password ? `password from ${secretFrom(a.password)}` : 'no sign-in configured';
  const o = a.oauth2;
  const who = o.provider === 'generic' ? `oauth2 ${o.issuer ?? 'generic'}` : `oauth2 ${o.provider}${o.tenant ? ` (${o.tenant})` : ''}`;
  const kept = o.tokenCommand ? ', tokens kept by a command' : '';
  if (!lookup) return `${who}${kept}`;
  if ('error' in lookup) return `${who}${kept}: sign-in status unreadable (${lookup.error})`;
  const s = lookup.status;
  if (!s) return `${who}${kept}: not signed in — run \`attend account login ${a.name}\``;
  if (s.expired) return `${who}${kept}: sign-in expired — run \`attend account login ${a.name}\``;
  const refreshed = s.refreshedAt === null ? `signed in ${ago(now - s.signedInAt)}` : `last refreshed ${ago(now - s.refreshedAt)}`;
  return `${who}, ${s.method}${kept}, ${refreshed}`;
}

/** "just now", "3 min ago", "5 h ago", "2 days ago". */
export function ago(ms: number): string {
  const m = Math.floor(Math.max(0, ms) / 60_000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

export async function describeAccounts(ctx: AppContext, accounts: Account[]) {
  return Promise.all(accounts.map((a) => (a.type === 'chat' ? describeChatAccount(a) : describeEmailAccount(ctx, a))));
}
