// `attend account add email` with what it needs missing: on a terminal the interactive set-up asks
// for it (the flags given fill in those answers); without one, a usage error that lists it.
import type { Command } from 'commander';
import type { OAuthFlow, Security } from '../../config/settings.js';
import { providerForDomain } from '../../domain/mail-providers.js';
import type { SetupPrefill } from '../../ui/setup/SetupScreen.js';
import type { SetupAnswers } from '../../ui/setup/setup-flow.js';

/** The flags of `account add email`, as commander hands them over (camelCase). */
export interface AddEmailFlags {
  email?: string;
  name?: string;
  imapHost?: string;
  imapPort?: string;
  imapSecurity?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpSecurity?: string;
  user?: string;
  passwordEnv?: string;
  passwordCommand?: string;
  oauth2?: string;
  oauth2Issuer?: string;
  clientId?: string;
  clientSecretEnv?: string;
  clientSecretCommand?: string;
  scope?: string[];
  tenant?: string;
  flow?: string;
  port?: string;
  tokenCommand?: string;
  mailbox?: string;
  sentMailbox?: string;
  allowInsecure?: boolean;
  openWindow?: string;
  verify?: boolean;
}

const hasPreset = (o: AddEmailFlags) => o.oauth2 === 'google' || o.oauth2 === 'microsoft' || (o.email?.includes('@') && providerForDomain(o.email) !== null);

/** What the flags lack for a flags-only run, as the flags to add; empty when nothing is missing. */
export function missingFlags(name: string | undefined, o: AddEmailFlags): string[] {
  const missing: string[] = [];
  if (!name) missing.push('NAME (a short name for the account)');
  if (!o.email) missing.push('--email ADDRESS');
  const oauth = Boolean(o.oauth2 || o.oauth2Issuer);
  if (!oauth && !o.passwordEnv && !o.passwordCommand) missing.push('--password-env VAR or --password-command CMD (or --oauth2 PROVIDER / --oauth2-issuer URL)');
  if (oauth && !o.clientId) missing.push('--client-id ID');
  if (!hasPreset(o)) {
    if (!o.imapHost) missing.push('--imap-host HOST');
    if (!o.smtpHost) missing.push('--smtp-host HOST');
  }
  return missing;
}

const security = (v: string | undefined): Security | undefined => (v === 'tls' || v === 'starttls' || v === 'none' ? v : undefined);

/**
 * The answers the flags already give. `explicit` tells a flag the person typed from a commander
 * default (--imap-security's "tls" is a default, not an answer).
 */
export function prefillFromFlags(name: string | undefined, o: AddEmailFlags, explicit: (key: keyof AddEmailFlags) => boolean): SetupPrefill {
  const a: SetupAnswers = {};
  const given = (k: keyof AddEmailFlags) => o[k] !== undefined && explicit(k);
  if (name) a.name = name;
  if (o.email) a.email = o.email;
  if (given('imapHost') || given('smtpHost') || given('imapPort') || given('smtpPort')) a.useGuess = 'no';
  if (given('imapHost')) a.imapHost = o.imapHost;
  if (given('imapPort')) a.imapPort = o.imapPort;
  if (given('imapSecurity')) a.imapSecurity = security(o.imapSecurity);
  if (given('smtpHost')) a.smtpHost = o.smtpHost;
  if (given('smtpPort')) a.smtpPort = o.smtpPort;
  if (given('smtpSecurity')) a.smtpSecurity = security(o.smtpSecurity);
  if (o.passwordEnv || o.passwordCommand) {
    a.method = 'password';
    a.passwordFrom = o.passwordEnv ? 'env' : 'command';
    a.password = o.passwordEnv ?? o.passwordCommand;
  }
  if (given('user')) a.user = o.user;
  if (o.oauth2 || o.oauth2Issuer) {
    a.method = 'oauth2';
    a.provider = o.oauth2Issuer ? 'generic' : o.oauth2 === 'google' || o.oauth2 === 'microsoft' ? o.oauth2 : undefined;
    if (o.oauth2Issuer) a.issuer = o.oauth2Issuer;
    if (o.tenant) a.tenant = o.tenant;
    if (o.clientId) a.clientId = o.clientId;
    if (o.clientSecretEnv || o.clientSecretCommand) {
      a.secretFrom = o.clientSecretEnv ? 'env' : 'command';
      a.secret = o.clientSecretEnv ?? o.clientSecretCommand;
    }
  }
  for (const k of Object.keys(a) as Array<keyof SetupAnswers>) if (a[k] === undefined) delete a[k];
  // Flags with no question: they ride along to the account as given.
  const draft: SetupPrefill['draft'] = {
    ...(o.name ? { displayName: o.name } : {}),
    ...(given('mailbox') ? { mailbox: o.mailbox } : {}),
    ...(given('sentMailbox') ? { sentMailbox: o.sentMailbox } : {}),
    ...(o.allowInsecure ? { allowInsecure: true } : {}),
    ...(o.openWindow !== undefined ? { openWindow: o.openWindow } : {}),
  };
  const flow = o.flow as OAuthFlow | undefined;
  if (o.scope?.length || flow || o.tokenCommand) {
    // Merged over what the answers make (draftOf): provider and client id come from the questions.
    draft.oauth2 = {
      provider: 'generic',
      clientId: '',
      ...(o.scope?.length ? { scopes: o.scope } : {}),
      ...(flow ? { flow } : {}),
      ...(o.tokenCommand ? { tokenCommand: o.tokenCommand } : {}),
    };
  }
  return { answers: a, draft, signIn: { ...(flow ? { flow } : {}), ...(o.port ? { port: Number(o.port) } : {}) } };
}

/** Hands over to the interactive set-up; resolves with the exit code. */
export async function addEmailInteractively(name: string | undefined, o: AddEmailFlags, cmd: Command): Promise<number> {
  const prefill = prefillFromFlags(name, o, (k) => cmd.getOptionValueSource(k) !== 'default');
  const [{ withContext }, { runEmailSetup }] = await Promise.all([import('../run.js'), import('../../ui/setup/run-setup.js')]);
  return withContext((ctx) => runEmailSetup(ctx, prefill, { verify: o.verify !== false }), { validateSettings: true });
}

