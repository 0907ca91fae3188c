import { readFileSync } from 'node:fs';
import Conf from 'conf';
import { ensureDir } from './paths.js';
import { readStamp, type Settings, settingsDefaults, settingsFiles, stampOf, writeStamp } from './settings-open.js';
import { OPEN_WINDOW_PATTERN } from '../domain/open-window.js';
import { PUBLIC_EVENT_TYPES } from '../domain/public-events.js';
import { type HoursSettings, hoursProblems } from '../policy/business-hours.js';
import type { FocusSettingsInput, PrioritySettingsInput, SlaSettingsInput } from './policy-settings.js';

import type { Security } from '../domain/mail-providers.js';

export type { Security };

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
  /** Password sign-in: where the password comes from. Exactly one of `password` and `oauth2`. */
  password?: SecretSource;
  /** OAuth2 sign-in (XOAUTH2/OAUTHBEARER): the provider and client; the tokens live elsewhere (config/token-vault.ts). */
  oauth2?: OAuth2Settings;
  mailbox: string;
  sentMailbox: string;
  allowInsecure: boolean;
  /**
   * "14d", "36h" or "0": the first sync imports conversations whose customer last wrote before this
   * as history, not into the queue (domain/open-window.ts). Absent: 14 days.
   */
  openWindow?: string;
}

/** How a person signs in: a code shown here and typed in any browser, a browser redirected to a listener on this machine, or pasting the redirected URL. */
export type OAuthFlow = 'device' | 'loopback' | 'paste';

export type OAuthProviderId = 'google' | 'microsoft' | 'generic';

/**
 * An OAuth2 email account's sign-in settings. Never a token: the refresh token and the current
 * access token live in a 0600 file in the attend home, or with `tokenCommand`.
 */
export interface OAuth2Settings {
  /** A preset (domain/mail-providers.ts: endpoints, scopes, hosts) or `generic` with `issuer`. */
  provider: OAuthProviderId;
  /** `generic`: the issuer URL; its endpoints come from OpenID discovery (ISSUER/.well-known/openid-configuration). */
  issuer?: string;
  /** `microsoft`: the directory (tenant id or domain); default "common". */
  tenant?: string;
  /** The client id the user registered with the provider. Not a secret. */
  clientId: string;
  /** Some providers (Google) want the installed app's client secret too: from an env var or command, never stored. */
  clientSecret?: SecretSource;
  /** Scopes asked for; the preset's when absent. */
  scopes?: string[];
  /** The flow `account login` uses unless told otherwise; absent: chosen automatically. */
  flow?: OAuthFlow;
  /**
   * Keep the tokens with this command instead of the 0600 file: run with ATTEND_TOKEN_ACTION=load it
   * prints the stored JSON (nothing when there is none); with ATTEND_TOKEN_ACTION=save it reads the
   * JSON to store on stdin. ATTEND_ACCOUNT names the account.
   */
  tokenCommand?: string;
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
  /** Response targets per channel / priority, VIP customers. Merged over the defaults (policy-settings.ts). */
  sla?: SlaSettingsInput;
  /** Priority rules (from, domain, subject words, channel → priority). */
  priority?: PrioritySettingsInput;
  /** Focus mode: channel ranks, holding channels back, breakthroughs, queue notice. */
  focus?: FocusSettingsInput;
  /** Business hours: targets count only open time; the widget says when chat is closed. None: 24/7. */
  hours?: HoursSettings;
  /** Canned replies: a folder of NAME.md files (default: templates/ beside config.json). */
  templates?: { dir?: string };
  /** Local hooks: public event type (or "*") → shell command, run with the event as JSON on stdin (app/hooks.ts). */
  hooks?: Record<string, string | { command: string; timeoutSeconds?: number }>;
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

const oauth2Schema = {
  type: 'object',
  required: ['provider', 'clientId'],
  properties: {
    provider: { enum: ['google', 'microsoft', 'generic'] },
    issuer: { type: 'string', pattern: '^https?://' },
    tenant: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,100}$' },
    clientId: { type: 'string', minLength: 1 },
    clientSecret: secretSchema,
    scopes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^\\S+$' } },
    flow: { enum: ['device', 'loopback', 'paste'] },
    tokenCommand: { type: 'string', minLength: 1 },
  },
  additionalProperties: false,
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

// Policy keys are strict (no unknown keys, enums, positive minutes) so a typo is an error, not a
// silently ignored setting.
const priorityEnum = { enum: ['urgent', 'high', 'normal', 'low'] } as const;
const channelEnum = { enum: ['email', 'chat'] } as const;
const positiveMinutes = { type: 'number', exclusiveMinimum: 0 } as const;
const channelList = { type: 'array', minItems: 1, uniqueItems: true, items: channelEnum } as const;

const targetSchema = {
  type: 'object',
  properties: { firstMinutes: positiveMinutes, nextMinutes: positiveMinutes },
  additionalProperties: false,
} as const;

const perChannelTarget = {
  type: 'object',
  properties: { chat: targetSchema, email: targetSchema },
  additionalProperties: false,
} as const;

const slaSchema = {
  type: 'object',
  properties: {
    chat: targetSchema,
    email: targetSchema,
    priorities: {
      type: 'object',
      properties: { urgent: perChannelTarget, high: perChannelTarget, normal: perChannelTarget, low: perChannelTarget },
      additionalProperties: false,
    },
    vip: {
      type: 'object',
      required: ['match'],
      properties: {
        // An exact address or "@domain".
        match: { type: 'array', items: { type: 'string', pattern: '^(@[^@\\s]+|[^@\\s]+@[^@\\s]+)$' } },
        factor: { type: 'number', exclusiveMinimum: 0 },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const prioritySchema = {
  type: 'object',
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['priority'],
        properties: {
          name: { type: 'string', minLength: 1 },
          from: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' } },
          domain: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^@?[^@\\s]+$' } },
          subjectWords: { type: 'array', minItems: 1, items: { type: 'string', pattern: '\\S' } },
          channel: channelList,
          priority: priorityEnum,
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const focusSchema = {
  type: 'object',
  properties: {
    channelRank: { type: 'object', properties: { chat: { type: 'number' }, email: { type: 'number' } }, additionalProperties: false },
    waitsFor: { type: 'object', properties: { chat: channelList, email: channelList }, additionalProperties: false },
    breakthrough: {
      type: 'object',
      properties: {
        // 0 is allowed: only breached conversations break through.
        leadMinutes: {
          type: 'object',
          properties: { chat: { type: 'number', minimum: 0 }, email: { type: 'number', minimum: 0 } },
          additionalProperties: false,
        },
        vip: { type: 'boolean' },
        bell: { type: 'boolean' },
        notify: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    queueNotice: {
      type: 'object',
      properties: { enabled: { type: 'boolean' }, text: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

// Business hours. The shape is checked here; what a schema cannot say clearly (a real time zone,
// an interval that ends after it starts, no overlaps, real dates, some open time) is checked by
// hoursProblems (policy/business-hours.ts) with one sentence per problem, before this runs.
const openIntervals = {
  type: 'array',
  items: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' },
} as const;
const weeklySchema = {
  type: 'object',
  properties: { mon: openIntervals, tue: openIntervals, wed: openIntervals, thu: openIntervals, fri: openIntervals, sat: openIntervals, sun: openIntervals },
  additionalProperties: false,
} as const;
const holidaysSchema = { type: 'array', items: { type: 'string', pattern: '^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$' } } as const;
const channelHoursSchema = { type: 'object', properties: { weekly: weeklySchema, holidays: holidaysSchema }, additionalProperties: false } as const;
const hoursSchema = {
  type: 'object',
  required: ['timeZone'],
  properties: { timeZone: { type: 'string', minLength: 1 }, weekly: weeklySchema, holidays: holidaysSchema, email: channelHoursSchema, chat: channelHoursSchema },
  additionalProperties: false,
} as const;

// A typo in an event name would be a hook that silently never runs: names are checked.
const hooksSchema = {
  type: 'object',
  propertyNames: { enum: ['*', ...PUBLIC_EVENT_TYPES] },
  additionalProperties: {
    oneOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        required: ['command'],
        properties: { command: { type: 'string', minLength: 1 }, timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 } },
        additionalProperties: false,
      },
    ],
  },
} as const;

/** The JSON schema of the settings file (conf's `schema` option: one entry per top-level key). */
export const settingsSchema = {
  accounts: {
    type: 'array',
    items: {
      type: 'object',
      if: { type: 'object', required: ['type'], properties: { type: { const: 'chat' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
      then: chatAccountSchema,
      else: {
      type: 'object',
      required: ['type', 'name', 'email', 'user', 'imap', 'smtp', 'mailbox', 'sentMailbox'],
      // Exactly one way to sign in.
      oneOf: [{ required: ['password'], not: { required: ['oauth2'] } }, { required: ['oauth2'], not: { required: ['password'] } }],
      properties: {
        type: { const: 'email' },
        name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
        email: { type: 'string', minLength: 3 },
        displayName: { type: 'string' },
        user: { type: 'string', minLength: 1 },
        imap: serverSchema,
        smtp: serverSchema,
        password: secretSchema,
        oauth2: oauth2Schema,
        mailbox: { type: 'string', minLength: 1 },
        sentMailbox: { type: 'string', minLength: 1 },
        allowInsecure: { type: 'boolean' },
        openWindow: { type: 'string', pattern: OPEN_WINDOW_PATTERN },
      },
      },
    },
  },
  agent: {
    type: 'object',
    properties: { name: { type: 'string' } },
  },
  sla: slaSchema,
  priority: prioritySchema,
  focus: focusSchema,
  templates: { type: 'object', properties: { dir: { type: 'string', minLength: 1 } }, additionalProperties: false },
  hooks: hooksSchema,
  hours: hoursSchema,
} as const;

export type { Settings };

/**
 * Checked before conf, whose messages say less: a file that is not JSON ("Unexpected end of JSON
 * input", without a name) and business hours ("must match pattern …").
 */
function checkHours(file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no settings yet: the defaults
    throw new Error(`cannot read the settings file ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`the settings file ${file} is not valid JSON (${(err as Error).message}): fix it, or move it aside to start again — attend never rewrites it`);
  }
  const hours = typeof data === 'object' && data !== null ? (data as { hours?: unknown }).hours : undefined;
  const problems = hoursProblems(hours);
  if (problems.length > 0) throw new Error(`invalid settings in ${file}: ${problems.join('; ')} (see README "Business hours")`);
}

/**
 * Opens the settings file, schema-validated: an invalid file is an error, never silently cleared.
 * Compiling the schema costs ~0.1 s at every start, so a file is validated once per change: a
 * stamp beside it records the size and mtime that passed (also after this process's own
 * validated writes). `validate: true` forces it (commands that write settings use it, so what
 * they write is checked too).
 */
export function openSettings(env: NodeJS.ProcessEnv = process.env, opts: { validate?: boolean } = {}): Settings {
  const { dir, file, stampFile } = settingsFiles(env);
  ensureDir(dir);
  const trusted = !opts.validate && readStamp(stampFile) === stampOf(file);
  if (!trusted) checkHours(file);
  const settings = new Conf<SettingsShape>({
    cwd: dir,
    configName: 'config',
    projectName: 'attend',
    // biome-ignore lint/suspicious/noExplicitAny: conf's schema typing is stricter than JSON Schema needs here
    ...(trusted ? {} : { schema: settingsSchema as any }),
    defaults: settingsDefaults(env),
    clearInvalidConfig: false,
    configFileMode: 0o600,
  });
  if (!trusted) {
    writeStamp(stampFile, stampOf(file));
    // This instance validates every write against the schema, so what it writes is valid too:
    // the next start (say `attend sync` after `attend account add`) need not compile it again.
    settings.onDidAnyChange(() => writeStamp(stampFile, stampOf(file)));
  }
  return settings;
}
