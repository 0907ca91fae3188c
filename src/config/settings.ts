import Conf from 'conf';
import { ensureDir, resolvePaths } from './paths.js';

export type Security = 'tls' | 'starttls' | 'none';

export interface ServerSettings {
  host: string;
  port: number;
  security: Security;
}

/** How to obtain a secret at run time. Never the secret itself. (`file` is internal: the built-in relay's 0600 token file.) */
export type SecretSource = { env: string } | { command: string } | { file: string };

export interface EmailAccount {
  type: 'email';
  name: string;
  email: string;
  displayName?: string;
  user: string;
  imap: ServerSettings;
  smtp: ServerSettings;
  password: SecretSource;
  mailbox: string;
  sentMailbox: string;
  allowInsecure: boolean;
}

export interface ChatAccount {
  type: 'chat';
  name: string;
  /** ws:// or wss:// base URL of the relay; the agent endpoint is /ws/agent. */
  url: string;
  token: SecretSource;
  /** Shown to visitors as the author of replies. */
  agentName?: string;
}

export type Account = EmailAccount | ChatAccount;

export interface SettingsShape {
  accounts: Account[];
  agent: { name: string };
}

const serverSchema = {
  type: 'object',
  required: ['host', 'port', 'security'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    security: { enum: ['tls', 'starttls', 'none'] },
  },
} as const;

const secretSchema = {
  oneOf: [
    { type: 'object', required: ['env'], properties: { env: { type: 'string', minLength: 1 } }, additionalProperties: false },
    { type: 'object', required: ['command'], properties: { command: { type: 'string', minLength: 1 } }, additionalProperties: false },
  ],
} as const;

const chatAccountSchema = {
  type: 'object',
  required: ['type', 'name', 'url', 'token'],
  properties: {
    type: { const: 'chat' },
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    url: { type: 'string', pattern: '^wss?://' },
    token: secretSchema,
    agentName: { type: 'string' },
  },
} as const;

const schema = {
  accounts: {
    type: 'array',
    items: {
      type: 'object',
      if: { type: 'object', required: ['type'], properties: { type: { const: 'chat' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
      then: chatAccountSchema,
      else: {
      type: 'object',
      required: ['type', 'name', 'email', 'user', 'imap', 'smtp', 'password', 'mailbox', 'sentMailbox'],
      properties: {
        type: { const: 'email' },
        name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
        email: { type: 'string', minLength: 3 },
        displayName: { type: 'string' },
        user: { type: 'string', minLength: 1 },
        imap: serverSchema,
        smtp: serverSchema,
        password: secretSchema,
        mailbox: { type: 'string', minLength: 1 },
        sentMailbox: { type: 'string', minLength: 1 },
        allowInsecure: { type: 'boolean' },
      },
      },
    },
  },
  agent: {
    type: 'object',
    properties: { name: { type: 'string' } },
  },
} as const;

export type Settings = Conf<SettingsShape>;

/** Opens the settings file (schema-validated; an invalid file is an error, never silently cleared). */
export function openSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const dir = ensureDir(resolvePaths(env).config);
  return new Conf<SettingsShape>({
    cwd: dir,
    configName: 'config',
    projectName: 'attend',
    // biome-ignore lint/suspicious/noExplicitAny: conf's schema typing is stricter than JSON Schema needs here
    schema: schema as any,
    defaults: { accounts: [], agent: { name: env.USER ?? 'agent' } },
    clearInvalidConfig: false,
    configFileMode: 0o600,
  });
}
