// `attend account add email` with what it needs missing, on a terminal: the interactive set-up asks
// for it, and the flags given are its answers (account-email.ts tells what is missing).
import type { Command } from 'commander';
import type { OAuthFlow, Security } from '../../config/settings.js';
import type { AddEmailOptions as AddEmailFlags } from './account-email.js';
import { isSecurity } from '../../domain/mail-servers.js';
import type { SetupPrefill } from '../../ui/setup/SetupScreen.js';
import type { SetupAnswers } from '../../ui/setup/setup-flow.js';

const security = (v: string | undefined): Security | undefined => (v !== undefined && isSecurity(v) ? v : undefined);

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
  }
  // OAuth2's own flags are answers too, with or without --oauth2: the provider may come from the
  // address (gmail.com → Google), and a client id alone says the sign-in is OAuth2.
  if (o.clientId && !a.method) a.method = 'oauth2';
  if (o.tenant) a.tenant = o.tenant;
  if (o.clientId) a.clientId = o.clientId;
  if (o.clientSecretEnv || o.clientSecretCommand) {
    a.secretFrom = o.clientSecretEnv ? 'env' : 'command';
    a.secret = o.clientSecretEnv ?? o.clientSecretCommand;
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
  return withContext((ctx) => runEmailSetup(ctx, prefill, { verify: o.verify !== false, signIn: o.signIn !== false }), { validateSettings: true });
}

