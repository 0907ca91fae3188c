// What attend knows about common mail providers: their servers, and for Google and Microsoft
// their OAuth2 endpoints and scopes. Pure data and lookups; the MX query itself is an adapter's.

export type Security = 'tls' | 'starttls' | 'none';

export interface ServerPreset {
  host: string;
  port: number;
  security: Security;
}

export interface MailServers {
  imap: ServerPreset;
  smtp: ServerPreset;
  /**
   * Where the provider keeps sent mail, when it is not "Sent". Gmail and Exchange also file what
   * goes out through their SMTP there themselves; attend then finds that copy and adds none.
   */
  sentMailbox?: string;
}

/** An OAuth2 preset: everything but the user's own client id (and, for Google, its secret). */
export interface OAuthPreset {
  id: 'google' | 'microsoft';
  label: string;
  /** `{tenant}` in an endpoint is replaced by the account's tenant (Microsoft; default "common"). */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Absent where the provider does not allow the mail scopes in the device flow (Google). */
  deviceAuthorizationEndpoint?: string;
  revocationEndpoint?: string;
  /** The scopes for IMAP and SMTP, plus what yields a refresh token. */
  scopes: string[];
  /** Extra authorization request parameters (Google needs access_type=offline for a refresh token). */
  authorizationParams: Record<string, string>;
  /** The loopback redirect as registered with the provider; the listener's port is added at run time. */
  loopbackRedirect: string;
  /** Google's "Desktop app" clients come with a secret that must be sent (it is not secret in practice). */
  clientSecretRequired: boolean;
  servers: MailServers;
}

export const DEFAULT_MICROSOFT_TENANT = 'common';

export const OAUTH_PRESETS: Readonly<Record<OAuthPreset['id'], OAuthPreset>> = {
  google: {
    id: 'google',
    label: 'Google (Gmail, Google Workspace)',
    authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    // Google's device flow refuses the https://mail.google.com/ scope: sign in with a browser.
    revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
    scopes: ['https://mail.google.com/'],
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    loopbackRedirect: 'http://127.0.0.1/',
    clientSecretRequired: true,
    servers: {
      imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
      sentMailbox: '[Gmail]/Sent Mail',
    },
  },
  microsoft: {
    id: 'microsoft',
    label: 'Microsoft 365 / Outlook.com',
    authorizationEndpoint: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
    tokenEndpoint: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
    deviceAuthorizationEndpoint: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode',
    scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All', 'https://outlook.office.com/SMTP.Send', 'offline_access'],
    authorizationParams: {},
    loopbackRedirect: 'http://localhost/',
    clientSecretRequired: false,
    servers: {
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
      sentMailbox: 'Sent Items',
    },
  },
};

/** A generic OpenID provider's default scopes: the address claim (what IMAP servers check) and a refresh token. */
export const GENERIC_SCOPES: readonly string[] = ['openid', 'email', 'offline_access'];

/** The generic loopback redirect (RFC 8252: any port on 127.0.0.1). */
export const GENERIC_LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

/** An endpoint of a preset for one tenant. */
export function presetEndpoint(template: string, tenant: string | undefined): string {
  return template.replace('{tenant}', encodeURIComponent(tenant ?? DEFAULT_MICROSOFT_TENANT));
}

/** Where a domain's mail most likely lives, and how to sign in there. */
export interface ProviderGuess {
  /** Shown to the person setting up: "Google (Gmail, Google Workspace)". */
  label: string;
  /** OAuth2 preset to use, or null: password sign-in at `servers`. */
  oauth: OAuthPreset['id'] | null;
  servers: MailServers;
  /** How the guess was made: the built-in table, or the domain's MX records. */
  source: 'domain' | 'mx';
}

const PASSWORD_PROVIDERS: Record<string, { label: string; servers: MailServers }> = {
  fastmail: {
    label: 'Fastmail',
    servers: { imap: { host: 'imap.fastmail.com', port: 993, security: 'tls' }, smtp: { host: 'smtp.fastmail.com', port: 465, security: 'tls' } },
  },
  icloud: {
    label: 'iCloud Mail',
    servers: {
      imap: { host: 'imap.mail.me.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.mail.me.com', port: 587, security: 'starttls' },
      sentMailbox: 'Sent Messages',
    },
  },
  yahoo: {
    label: 'Yahoo Mail',
    servers: { imap: { host: 'imap.mail.yahoo.com', port: 993, security: 'tls' }, smtp: { host: 'smtp.mail.yahoo.com', port: 465, security: 'tls' } },
  },
  zoho: {
    label: 'Zoho Mail',
    servers: { imap: { host: 'imap.zoho.com', port: 993, security: 'tls' }, smtp: { host: 'smtp.zoho.com', port: 465, security: 'tls' } },
  },
};

/** Consumer domains whose provider is known without asking DNS. */
const DOMAIN_TABLE: Record<string, OAuthPreset['id'] | keyof typeof PASSWORD_PROVIDERS> = {
  'gmail.com': 'google',
  'googlemail.com': 'google',
  'outlook.com': 'microsoft',
  'hotmail.com': 'microsoft',
  'live.com': 'microsoft',
  'msn.com': 'microsoft',
  'fastmail.com': 'fastmail',
  'fastmail.fm': 'fastmail',
  'icloud.com': 'icloud',
  'me.com': 'icloud',
  'mac.com': 'icloud',
  'yahoo.com': 'yahoo',
  'ymail.com': 'yahoo',
  'zoho.com': 'zoho',
  'zohomail.com': 'zoho',
};

function guessOf(id: string, source: ProviderGuess['source']): ProviderGuess | null {
  if (id === 'google' || id === 'microsoft') {
    const p = OAUTH_PRESETS[id];
    return { label: p.label, oauth: id, servers: p.servers, source };
  }
  const p = PASSWORD_PROVIDERS[id];
  return p ? { label: p.label, oauth: null, servers: p.servers, source } : null;
}

/** The provider of an address's domain from the built-in table, or null (then ask DNS: providerForMx). */
export function providerForDomain(address: string): ProviderGuess | null {
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
  const id = DOMAIN_TABLE[domain];
  return id ? guessOf(id, 'domain') : null;
}

/** A company domain hosted by Google or Microsoft, told by where its MX records point; null otherwise. */
export function providerForMx(mxHosts: readonly string[]): ProviderGuess | null {
  for (const raw of mxHosts) {
    const h = raw.toLowerCase().replace(/\.$/, '');
    if (h.endsWith('.google.com') || h.endsWith('.googlemail.com')) return guessOf('google', 'mx');
    if (h.endsWith('.mail.protection.outlook.com') || h.endsWith('.olc.protection.outlook.com')) return guessOf('microsoft', 'mx');
  }
  return null;
}
