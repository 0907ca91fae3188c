// The interactive set-up's questions, as data: which ones apply given the answers so far, their
// defaults (from the provider guess, else from the address), how each answer is checked, and the
// account draft the answers make. Pure: the screen (SetupScreen.tsx) only walks this list.
import type { EmailAccountDraft } from '../../app/email/account-setup.js';
import type { ProviderGuessResult } from '../../app/setup/provider-guess.js';
import type { OAuthProviderId, Security } from '../../config/settings.js';
import { OAUTH_PRESETS } from '../../domain/mail-providers.js';
import { DEFAULT_PORTS, isLoopbackHost } from '../../domain/mail-servers.js';

export interface SetupAnswers {
  email?: string;
  /** "yes": take the guessed provider's servers and sign-in as they are. */
  useGuess?: 'yes' | 'no';
  imapHost?: string;
  imapSecurity?: Security;
  imapPort?: string;
  smtpHost?: string;
  smtpSecurity?: Security;
  smtpPort?: string;
  method?: 'oauth2' | 'password';
  provider?: OAuthProviderId;
  issuer?: string;
  tenant?: string;
  clientId?: string;
  secretFrom?: 'env' | 'command';
  secret?: string;
  passwordFrom?: 'env' | 'command';
  password?: string;
  user?: string;
  name?: string;
}

export type QuestionId = keyof SetupAnswers;

export interface Option {
  value: string;
  label: string;
}

/** What a question may look at besides the answers. */
export interface FlowContext {
  guess: ProviderGuessResult | null;
  /** Account names in use: a new one must differ. */
  taken: readonly string[];
}

interface QuestionBase {
  id: QuestionId;
  /** The question, short: it is one line at 80 columns. */
  label: (a: SetupAnswers, c: FlowContext) => string;
  /** One line under it, when it needs explaining. */
  help?: (a: SetupAnswers, c: FlowContext) => string | null;
  applies: (a: SetupAnswers, c: FlowContext) => boolean;
  defaultValue: (a: SetupAnswers, c: FlowContext) => string;
}

export interface TextQuestion extends QuestionBase {
  kind: 'text';
  /** A problem with the answer in one line, or null. */
  check: (value: string, a: SetupAnswers, c: FlowContext) => string | null;
}

export interface ChoiceQuestion extends QuestionBase {
  kind: 'choice';
  options: (a: SetupAnswers, c: FlowContext) => Option[];
  check?: (value: string, a: SetupAnswers, c: FlowContext) => string | null;
}

export type Question = TextQuestion | ChoiceQuestion;

export const domainOf = (email: string | undefined) => (email ?? '').slice((email ?? '').lastIndexOf('@') + 1).trim().toLowerCase();

/** "Support@Acme.com" → "support"; what the account name defaults to. */
export function nameFromAddress(email: string | undefined, taken: readonly string[] = []): string {
  const local = (email ?? '').split('@')[0] ?? '';
  const base = local.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'mail';
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

const usesGuess = (a: SetupAnswers, c: FlowContext) => c.guess?.guess != null && a.useGuess === 'yes';
const asksServers = (a: SetupAnswers, c: FlowContext) => !usesGuess(a, c);
const guessed = (c: FlowContext) => c.guess?.guess ?? null;

const SECURITY: Option[] = [
  { value: 'tls', label: 'tls — encrypted from the start (usual: IMAP 993, SMTP 465)' },
  { value: 'starttls', label: 'starttls — plain, then encrypted (usual: IMAP 143, SMTP 587)' },
  { value: 'none', label: 'none — clear text (only to this machine)' },
];

function serverQuestions(proto: 'imap' | 'smtp'): Question[] {
  const P = proto.toUpperCase();
  const host = `${proto}Host` as const;
  const sec = `${proto}Security` as const;
  const port = `${proto}Port` as const;
  return [
    {
      id: host,
      kind: 'text',
      label: () => `${P} server`,
      // No provider guessed: why, above the first server question.
      help: (_a, c) => (proto === 'imap' && !guessed(c) ? (c.guess?.note ?? null) : null),
      applies: asksServers,
      defaultValue: (a, c) => guessed(c)?.servers[proto].host ?? `${proto}.${domainOf(a.email)}`,
      check: (v) => (v === '' ? `the ${P} server's name, like ${proto}.example.com` : /[\s/]/.test(v) ? `a host name or address, like ${proto}.example.com` : null),
    },
    {
      id: sec,
      kind: 'choice',
      label: (a) => `${P} security (${a[host]})`,
      applies: asksServers,
      defaultValue: (_a, c) => guessed(c)?.servers[proto].security ?? 'tls',
      options: () => SECURITY,
      check: (v, a) =>
        v === 'none' && !isLoopbackHost(a[host] ?? '') ? `"none" to ${a[host]} would send the password or token in clear text: choose tls or starttls` : null,
    },
    {
      id: port,
      kind: 'text',
      label: (a) => `${P} port (${a[sec]})`,
      applies: asksServers,
      defaultValue: (a, c) => {
        const g = guessed(c)?.servers[proto];
        const s = (a[sec] ?? 'tls') as Security;
        return String(g && g.host === a[host] && g.security === s ? g.port : DEFAULT_PORTS[proto][s]);
      },
      check: (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? null : 'a port is a number from 1 to 65535'),
    },
  ];
}

const PROVIDERS: Option[] = [
  { value: 'microsoft', label: OAUTH_PRESETS.microsoft.label },
  { value: 'google', label: OAUTH_PRESETS.google.label },
  { value: 'generic', label: 'another OpenID provider (its issuer URL)' },
];

const SOURCES: Option[] = [
  { value: 'env', label: 'an environment variable' },
  { value: 'command', label: 'a command that prints it (e.g. pass show mail/support)' },
];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkSource(from: 'env' | 'command' | undefined, v: string): string | null {
  if (from === 'env') return ENV_NAME.test(v) ? null : 'an environment variable name: letters, digits and _, like SUPPORT_PASSWORD';
  return v.trim() === '' ? 'the command to run, like pass show mail/support' : null;
}

const oauthProvider = (a: SetupAnswers, c: FlowContext): OAuthProviderId | undefined =>
  usesGuess(a, c) ? (guessed(c)?.oauth ?? undefined) : a.method === 'oauth2' ? a.provider : undefined;
const method = (a: SetupAnswers, c: FlowContext): 'oauth2' | 'password' | undefined =>
  usesGuess(a, c) ? (guessed(c)?.oauth ? 'oauth2' : 'password') : a.method;

/** The questions, in the order they are asked. */
export const QUESTIONS: readonly Question[] = [
  {
    id: 'email',
    kind: 'text',
    label: () => 'Email address (the one customers write to)',
    applies: () => true,
    defaultValue: () => '',
    check: (v) => (/^[^@\s]+@[^@\s.]+(\.[^@\s.]+)*$/.test(v) ? null : 'an address like support@example.com'),
  },
  {
    id: 'useGuess',
    kind: 'choice',
    label: (_a, c) => c.guess?.note ?? '',
    help: (_a, c) => {
      const g = guessed(c);
      if (!g) return null;
      const s = g.servers;
      const how = g.oauth ? `sign in with OAuth2 (${OAUTH_PRESETS[g.oauth].label})` : 'password';
      return `IMAP ${s.imap.host}:${s.imap.port} ${s.imap.security} · SMTP ${s.smtp.host}:${s.smtp.port} ${s.smtp.security} · ${how}`;
    },
    applies: (_a, c) => guessed(c) !== null,
    defaultValue: () => 'yes',
    options: () => [
      { value: 'yes', label: 'use these settings' },
      { value: 'no', label: 'change them' },
    ],
  },
  ...serverQuestions('imap'),
  ...serverQuestions('smtp'),
  {
    id: 'method',
    kind: 'choice',
    label: () => 'How do you sign in?',
    applies: asksServers,
    defaultValue: (_a, c) => (guessed(c)?.oauth ? 'oauth2' : 'password'),
    options: () => [
      { value: 'oauth2', label: 'OAuth2 — sign in with a browser (Microsoft 365, Gmail, …)' },
      { value: 'password', label: 'password — read from an environment variable or a command' },
    ],
  },
  {
    id: 'provider',
    kind: 'choice',
    label: () => 'Which OAuth2 provider?',
    applies: (a, c) => !usesGuess(a, c) && a.method === 'oauth2',
    defaultValue: (_a, c) => guessed(c)?.oauth ?? 'generic',
    options: () => PROVIDERS,
  },
  {
    id: 'issuer',
    kind: 'text',
    label: () => 'Issuer URL',
    help: () => 'Where the provider publishes /.well-known/openid-configuration, like https://login.example.com',
    applies: (a, c) => oauthProvider(a, c) === 'generic',
    defaultValue: () => '',
    check: (v) => {
      try {
        const u = new URL(v);
        if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return null;
        return 'the issuer must be https:// (http:// only to this machine)';
      } catch {
        return 'a URL like https://login.example.com';
      }
    },
  },
  {
    id: 'tenant',
    kind: 'text',
    label: () => 'Microsoft directory (tenant)',
    help: () => '"common" works for most; else your tenant id or domain, like contoso.onmicrosoft.com',
    applies: (a, c) => oauthProvider(a, c) === 'microsoft',
    defaultValue: () => 'common',
    check: (v) => (/^[A-Za-z0-9._-]{1,100}$/.test(v) ? null : 'a tenant id or a domain like contoso.onmicrosoft.com'),
  },
  {
    id: 'clientId',
    kind: 'text',
    label: () => 'Client id',
    help: (a, c) =>
      oauthProvider(a, c) === 'microsoft'
        ? 'The Application (client) ID of the app you registered in Entra ID (README: Microsoft 365)'
        : oauthProvider(a, c) === 'google'
          ? 'The client ID of your "Desktop app" OAuth client in Google Cloud (README: Gmail)'
          : 'The client id you registered with the provider',
    applies: (a, c) => method(a, c) === 'oauth2',
    defaultValue: () => '',
    check: (v) => (v.trim() === '' ? 'the client id is needed (it is not a secret)' : /\s/.test(v.trim()) ? 'a client id has no spaces' : null),
  },
  {
    id: 'secretFrom',
    kind: 'choice',
    label: () => "Google's client secret comes from",
    help: () => 'Desktop app clients come with a secret Google wants too; attend never stores it.',
    applies: (a, c) => oauthProvider(a, c) === 'google',
    defaultValue: () => 'env',
    options: () => SOURCES,
  },
  {
    id: 'secret',
    kind: 'text',
    label: (a) => (a.secretFrom === 'command' ? 'Command that prints the client secret' : 'Environment variable with the client secret'),
    applies: (a, c) => oauthProvider(a, c) === 'google',
    defaultValue: (a) => (a.secretFrom === 'command' ? '' : 'ATTEND_GOOGLE_CLIENT_SECRET'),
    check: (v, a) => checkSource(a.secretFrom, v),
  },
  {
    id: 'passwordFrom',
    kind: 'choice',
    label: () => 'The password comes from',
    help: () => 'attend never asks for your password and never stores it: it reads it from here at each login.',
    applies: (a, c) => method(a, c) === 'password',
    defaultValue: () => 'env',
    options: () => SOURCES,
  },
  {
    id: 'password',
    kind: 'text',
    label: (a) => (a.passwordFrom === 'command' ? 'Command that prints the password' : 'Environment variable with the password'),
    applies: (a, c) => method(a, c) === 'password',
    defaultValue: (a, c) => (a.passwordFrom === 'command' ? '' : `${nameFromAddress(a.email, c.taken).toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`),
    check: (v, a) => checkSource(a.passwordFrom, v),
  },
  {
    id: 'user',
    kind: 'text',
    label: () => 'Login name',
    applies: (a, c) => method(a, c) === 'password',
    defaultValue: (a) => a.email ?? '',
    check: (v) => (v.trim() === '' ? 'the name you log in with (often the address)' : null),
  },
  {
    id: 'name',
    kind: 'text',
    label: () => 'A short name for this account',
    help: () => 'Used in commands like `attend account login NAME`',
    applies: () => true,
    defaultValue: (a, c) => nameFromAddress(a.email, c.taken),
    check: (v, _a, c) =>
      !/^[A-Za-z0-9._-]{1,64}$/.test(v) ? 'letters, digits, ".", "_" or "-" (at most 64)' : c.taken.includes(v) ? `an account named ${v} exists already` : null,
  },
];

export const questionById = (id: QuestionId): Question => QUESTIONS.find((q) => q.id === id) as Question;

/**
 * Answers that no longer hold once one changes: a new domain guesses anew, and a port that was the
 * old security's usual one follows the new security.
 */
export function withAnswer(a: SetupAnswers, id: QuestionId, value: string): SetupAnswers {
  const next: SetupAnswers = { ...a, [id]: value };
  if (id === 'email' && a.email !== undefined && domainOf(a.email) !== domainOf(value)) {
    return { email: value, ...(a.name !== undefined && a.name !== nameFromAddress(a.email) ? { name: a.name } : {}) };
  }
  if (id === 'email' && a.name === nameFromAddress(a.email)) delete next.name;
  for (const proto of ['imap', 'smtp'] as const) {
    if (id === `${proto}Security` && a[`${proto}Security`] !== value) {
      const old = a[`${proto}Security`];
      if (old && a[`${proto}Port`] === String(DEFAULT_PORTS[proto][old])) delete next[`${proto}Port`];
    }
  }
  if ((id === 'secretFrom' && a.secretFrom !== value) || (id === 'passwordFrom' && a.passwordFrom !== value)) delete next[id === 'secretFrom' ? 'secret' : 'password'];
  return next;
}

/** The account the answers describe (completeEmailAccount checks it and fills the rest). */
export function draftOf(a: SetupAnswers, c: FlowContext, extra: Partial<EmailAccountDraft> = {}): EmailAccountDraft {
  const email = a.email ?? '';
  const g = usesGuess(a, c) ? guessed(c) : null;
  const servers = g
    ? { imap: { ...g.servers.imap }, smtp: { ...g.servers.smtp } }
    : {
        imap: { host: a.imapHost, port: Number(a.imapPort), security: a.imapSecurity },
        smtp: { host: a.smtpHost, port: Number(a.smtpPort), security: a.smtpSecurity },
      };
  const draft: EmailAccountDraft = { ...extra, name: a.name ?? nameFromAddress(email, c.taken), email, imap: servers.imap, smtp: servers.smtp };
  if (method(a, c) === 'oauth2') {
    const provider = oauthProvider(a, c) ?? 'generic';
    draft.user = email;
    draft.oauth2 = {
      ...extra.oauth2,
      provider,
      clientId: (a.clientId ?? '').trim(),
      ...(provider === 'generic' ? { issuer: a.issuer } : {}),
      ...(provider === 'microsoft' && a.tenant && a.tenant !== 'common' ? { tenant: a.tenant } : {}),
      ...(provider === 'google' && a.secret ? { clientSecret: a.secretFrom === 'command' ? { command: a.secret } : { env: a.secret } } : {}),
    };
    delete draft.password;
  } else {
    draft.user = a.user ?? email;
    draft.password = a.passwordFrom === 'command' ? { command: a.password ?? '' } : { env: a.password ?? '' };
    delete draft.oauth2;
  }
  return draft;
}

/** A summary of the answers, one line each, for the last look before signing in. */
export function summaryOf(a: SetupAnswers, c: FlowContext, extra: Partial<EmailAccountDraft> = {}): string[] {
  const d = draftOf(a, c, extra);
  const server = (s: EmailAccountDraft['imap']) => `${s?.host}:${s?.port} ${s?.security}`;
  const how = d.oauth2
    ? `OAuth2 ${d.oauth2.provider === 'generic' ? d.oauth2.issuer : OAUTH_PRESETS[d.oauth2.provider].label}, client ${d.oauth2.clientId}`
    : `password from ${d.password && 'env' in d.password ? `$${d.password.env}` : `\`${d.password && 'command' in d.password ? d.password.command : ''}\``}, login ${d.user}`;
  return [`account ${d.name}: ${d.email}`, `IMAP ${server(d.imap)} · SMTP ${server(d.smtp)}`, how];
}

/**
 * Which answer most likely caused a failure, so the person changes that one and retries: the
 * server the message names, the sign-in, or the password source.
 */
export function culpritOf(message: string, a: SetupAnswers, c: FlowContext): QuestionId | null {
  const m = message.toLowerCase();
  const oauth = method(a, c) === 'oauth2';
  const explicit = !usesGuess(a, c);
  // Nothing the person answered: a server or the provider could not be reached. Trying again is the fix.
  if (/cannot reach|could not reach|unreachable|no answer in time|timed out|temporar|try again later/.test(m)) return null;
  if (/exists already|account name/.test(m)) return 'name';
  // "client secret: environment variable X is not set" (its source), not "check the client id and client secret".
  if (/client secret: /.test(m) && oauth) return 'secret';
  if (/issuer|discovery|openid/.test(m) && oauthProvider(a, c) === 'generic') return 'issuer';
  if (/tenant/.test(m) && oauthProvider(a, c) === 'microsoft') return 'tenant';
  if (/client|sign-in|sign in|signed in|oauth|consent|denied/.test(m) && oauth) return 'clientId';
  if (/password|environment variable|command/.test(m) && !oauth) return 'password';
  if (/auth|login|log in|credentials/.test(m)) return oauth ? 'clientId' : 'password';
  for (const proto of ['smtp', 'imap'] as const) {
    if (!m.includes(proto)) continue;
    if (!explicit) return 'useGuess';
    return /security|clear text|tls/.test(m) ? `${proto}Security` : /\bport\b/.test(m) ? `${proto}Port` : `${proto}Host`;
  }
  return explicit ? 'imapHost' : 'useGuess';
}
