// `attend account add email` and `attend account login`: flags → a draft → the checked account
// (app/email/account-setup.ts) → sign-in, check, save; every failure one line with an honest exit code.
import { type Command, Option } from 'commander';
import { withContext } from '../run.js';
import type { OAuth2Settings, OAuthFlow, SecretSource, Security } from '../../config/settings.js';
import { findAccount } from '../../config/accounts.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { AccountExistsError, ACCOUNT_NAME_PATTERN, completeEmailAccount, type EmailAccountDraft, presetServers, SetupError } from '../../app/email/account-setup.js';
import { ProviderUnavailableError, SignInError, SignInExpiredError } from '../../app/email/sign-in-errors.js';
import { isSecurity } from '../../domain/mail-servers.js';
import { safeLine } from '../../domain/sanitize.js';
import { DEFAULT_OPEN_WINDOW } from '../../domain/open-window.js';
import { terminalSignInIO } from './sign-in-io.js';
import { describeEmailAccount } from './account-describe.js';

export interface AddEmailOptions {
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
  signIn: boolean;
  mailbox?: string;
  sentMailbox?: string;
  allowInsecure?: boolean;
  openWindow?: string;
  verify: boolean;
  json?: boolean;
}

function security(flag: string, value: string | undefined): Security | undefined {
  if (value === undefined) return undefined;
  if (isSecurity(value)) return value;
  throw new UsageError(`${flag} must be tls, starttls or none (got "${value}")`);
}

function portNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag}: not a port number: ${value}`);
  return n;
}

function flow(value: string | undefined): OAuthFlow | undefined {
  if (value === undefined) return undefined;
  if (value === 'device' || value === 'loopback' || value === 'paste') return value;
  throw new UsageError(`--flow must be device, loopback or paste (got "${value}")`);
}

const oneOf = (env: string | undefined, command: string | undefined): SecretSource | undefined =>
  env ? { env } : command ? { command } : undefined;

/**
 * What `account add email` still needs, by flag; empty when the flags are complete. (The
 * interactive set-up asks for these when stdin and stdout are a terminal.)
 */
export function missingForAddEmail(name: string | undefined, o: AddEmailOptions): string[] {
  const missing: string[] = [];
  if (!name) missing.push('NAME');
  if (!o.email) missing.push('--email ADDR');
  const oauth = Boolean(o.oauth2 || o.oauth2Issuer);
  if (!oauth && !o.passwordEnv && !o.passwordCommand) {
    missing.push('a sign-in: --password-env VAR | --password-command CMD | --oauth2 google|microsoft | --oauth2-issuer URL');
  }
  if (oauth && !o.clientId) missing.push('--client-id ID');
  const preset = o.email ? presetServers({ email: o.email, oauth2: o.oauth2 ? ({ provider: o.oauth2 } as OAuth2Settings) : undefined }) : null;
  if (!o.imapHost && !preset) missing.push('--imap-host HOST');
  if (!o.smtpHost && !preset) missing.push('--smtp-host HOST');
  return missing;
}

/** The flags as a draft; contradictions are usage errors here, the rest is completeEmailAccount's. */
export function draftFromFlags(name: string, o: AddEmailOptions): EmailAccountDraft {
  const password = oneOf(o.passwordEnv, o.passwordCommand);
  if (o.passwordEnv && o.passwordCommand) throw new UsageError('give one of --password-env VAR or --password-command CMD, not both');
  if (o.oauth2 && o.oauth2Issuer) throw new UsageError('give one of --oauth2 google|microsoft or --oauth2-issuer URL, not both');
  const oauth = Boolean(o.oauth2 || o.oauth2Issuer);
  if (oauth && password) throw new UsageError('an account signs in with a password or with OAuth2, not both: drop --password-env/--password-command');
  if (!oauth) {
    const stray = (
      [
        ['--client-id', o.clientId],
        ['--client-secret-env', o.clientSecretEnv],
        ['--client-secret-command', o.clientSecretCommand],
        ['--scope', o.scope?.length ? 'x' : undefined],
        ['--tenant', o.tenant],
        ['--flow', o.flow],
        ['--port', o.port],
        ['--token-command', o.tokenCommand],
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (stray.length > 0) throw new UsageError(`${stray.map(([f]) => f).join(', ')}: only with --oauth2 PROVIDER or --oauth2-issuer URL`);
    if (!o.signIn) throw new UsageError('--no-sign-in: only with --oauth2 PROVIDER or --oauth2-issuer URL');
  }
  if (o.clientSecretEnv && o.clientSecretCommand) throw new UsageError('give one of --client-secret-env VAR or --client-secret-command CMD, not both');
  if (o.oauth2 && o.oauth2 !== 'google' && o.oauth2 !== 'microsoft') {
    throw new UsageError(`--oauth2 must be google or microsoft (got "${o.oauth2}"); for another provider give --oauth2-issuer URL`);
  }
  let oauth2: OAuth2Settings | undefined;
  if (oauth) {
    const clientSecret = oneOf(o.clientSecretEnv, o.clientSecretCommand);
    const f = flow(o.flow);
    oauth2 = {
      provider: (o.oauth2 as 'google' | 'microsoft' | undefined) ?? 'generic',
      ...(o.oauth2Issuer ? { issuer: o.oauth2Issuer } : {}),
      ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
      clientId: o.clientId ?? '',
      ...(clientSecret ? { clientSecret } : {}),
      // "--scope 'a b'" is accepted as two scopes: that is how providers write them.
      ...(o.scope?.length ? { scopes: o.scope.flatMap((s) => s.split(/\s+/)).filter((s) => s !== '') } : {}),
      ...(f ? { flow: f } : {}),
      ...(o.tokenCommand !== undefined ? { tokenCommand: o.tokenCommand } : {}),
    };
  }
  const imapSecurity = security('--imap-security', o.imapSecurity);
  const smtpSecurity = security('--smtp-security', o.smtpSecurity);
  const imapPort = portNumber('--imap-port', o.imapPort);
  const smtpPort = portNumber('--smtp-port', o.smtpPort);
  return {
    name,
    email: o.email ?? '',
    ...(o.name !== undefined ? { displayName: o.name } : {}),
    ...(o.user !== undefined ? { user: o.user } : {}),
    imap: { ...(o.imapHost ? { host: o.imapHost } : {}), ...(imapPort ? { port: imapPort } : {}), ...(imapSecurity ? { security: imapSecurity } : {}) },
    smtp: { ...(o.smtpHost ? { host: o.smtpHost } : {}), ...(smtpPort ? { port: smtpPort } : {}), ...(smtpSecurity ? { security: smtpSecurity } : {}) },
    ...(password ? { password } : {}),
    ...(oauth2 ? { oauth2 } : {}),
    ...(o.mailbox !== undefined ? { mailbox: o.mailbox } : {}),
    ...(o.sentMailbox !== undefined ? { sentMailbox: o.sentMailbox } : {}),
    allowInsecure: Boolean(o.allowInsecure),
    ...(o.openWindow !== undefined ? { openWindow: o.openWindow } : {}),
  };
}

/**
 * The sign-in's and set-up's errors as the CLI's: bad input 2, sign-in failed 1, provider not
 * reachable 75 (EX_TEMPFAIL: nothing changed, try again later).
 */
export async function signInErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AccountExistsError) throw new CliError(err.message, EXIT.failed);
    if (err instanceof SetupError) throw new UsageError(err.message);
    if (err instanceof ProviderUnavailableError) throw new CliError(err.message, EXIT.queued);
    if (err instanceof SignInError || err instanceof SignInExpiredError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Ctrl-C during a sign-in ends it cleanly: nothing saved, no tokens left behind, exit 1. (No
 * "second Ctrl-C exits at once": conf's exit hook re-raises the signal, which would count as one.)
 */
function interruptible(): { signal: AbortSignal; release(): void } {
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('interrupted'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function registerAddEmail(add: Command): void {
  add
    .command('email')
    .description('add an email account (IMAP in, SMTP out), signing in with a password or OAuth2 (Microsoft 365, Gmail, any OpenID provider)')
    .argument('[name]', 'a short name for the account, e.g. "support"')
    .option('--email <addr>', 'the address customers write to (required)')
    .option('--name <display>', 'display name on replies, e.g. "Acme Support"')
    .option('--imap-host <host>', "IMAP server (required unless --oauth2 or the address's provider gives it)")
    .option('--imap-port <n>', 'IMAP port (default: the provider\'s, else 993 for tls, 143 otherwise)')
    .option('--imap-security <mode>', "tls | starttls | none (default: the provider's, else tls)")
    .option('--smtp-host <host>', "SMTP server (required unless --oauth2 or the address's provider gives it)")
    .option('--smtp-port <n>', "SMTP port (default: the provider's, else 465 for tls, 587 for starttls, 25 for none)")
    .option('--smtp-security <mode>', "tls | starttls | none (default: the provider's, else tls)")
    .option('--user <user>', 'login name (default: the email address)')
    .option('--password-env <VAR>', 'password sign-in: read the password from this environment variable')
    .option('--password-command <cmd>', 'password sign-in: run this command and use the first line it prints (e.g. "pass show mail/support")')
    .addOption(new Option('--oauth2 <provider>', 'OAuth2 sign-in with a preset: servers, endpoints and scopes filled in').choices(['google', 'microsoft']))
    .option('--oauth2-issuer <url>', 'OAuth2 sign-in with any OpenID provider: its issuer URL (https://; endpoints from discovery)')
    .option('--client-id <id>', 'OAuth2: the client id you registered with the provider (see README "Microsoft 365" / "Gmail")')
    .option('--client-secret-env <VAR>', "OAuth2: the client's secret from this environment variable (Google's Desktop app clients have one)")
    .option('--client-secret-command <cmd>', "OAuth2: the client's secret from this command's first line")
    .option('--scope <scope>', "OAuth2: a scope to ask for, repeatable (default: the preset's; generic: openid email offline_access)", collect)
    .option('--tenant <tenant>', 'OAuth2 microsoft: your directory (tenant id or domain; default: common)')
    .addOption(
      new Option('--flow <flow>', "OAuth2: how to sign in (default: device where the provider allows it, else loopback; remembered for `account login`)").choices([
        'device',
        'loopback',
        'paste',
      ]),
    )
    .option('--port <n>', 'OAuth2 loopback: listen on this port, for `ssh -L N:127.0.0.1:N` (default: any free port)')
    .option('--token-command <cmd>', 'OAuth2: keep the tokens with this command instead of a 0600 file (see README "Where tokens are kept")')
    .option('--no-sign-in', 'OAuth2: save without signing in (then: attend account login NAME); implies --no-verify')
    .option('--mailbox <name>', 'mailbox to watch (default: INBOX)')
    .option('--sent-mailbox <name>', 'where copies of replies go (default: Sent)')
    .option('--allow-insecure', 'allow "none" security to a host that is not loopback')
    .option(
      '--open-window <age>',
      `the first sync puts conversations whose customer last wrote longer ago than this in history, not in the queue: 14d, 36h, or 0 for everything open (default ${DEFAULT_OPEN_WINDOW})`,
    )
    .option('--no-verify', 'save without logging in to IMAP and SMTP to check the settings')
    .option('--json', 'print the saved account as JSON')
    .addHelpText(
      'after',
      `
Examples:
  attend account add email support --email support@contoso.com --oauth2 microsoft --client-id 00000000-0000-0000-0000-000000000000
  attend account add email sales --email sales@gmail.com --oauth2 google --client-id ID.apps.googleusercontent.com \\
      --client-secret-env GOOGLE_CLIENT_SECRET --port 8765        # over SSH: ssh -L 8765:127.0.0.1:8765 thisbox
  attend account add email help --email help@example.com --imap-host mail.example.com --smtp-host mail.example.com \\
      --password-command "pass show mail/help"
Signing in prints what to do on stderr (a code to enter in any browser, or a URL to open); no token is ever shown.
Exit codes: 0 saved · 1 sign-in or IMAP/SMTP check failed · 2 usage · 75 the sign-in provider could not be reached (try again)`,
    )
    .action(async (name: string | undefined, o: AddEmailOptions, cmd: Command) => {
      const missing = missingForAddEmail(name, o);
      if (missing.length > 0) {
        // On a terminal the interactive set-up asks for what is missing (the flags given are its answers).
        if (process.stdin.isTTY && process.stdout.isTTY) {
          const { addEmailInteractively } = await import('./add-email-interactive.js');
          process.exitCode = await addEmailInteractively(name, o, cmd);
          return;
        }
        throw new UsageError(`missing: ${missing.join(', ')} (see attend account add email --help)`);
      }
      if (name && !ACCOUNT_NAME_PATTERN.test(name)) throw new UsageError('account name: use letters, digits, ".", "_" or "-" (at most 64)');
      const draft = draftFromFlags(name as string, o);
      const port = portNumber('--port', o.port);
      const acc = await signInErrors(async () => completeEmailAccount(draft));
      const signIn = Boolean(acc.oauth2) && o.signIn;
      const portFlow = port ? loopbackForPort(acc.oauth2?.flow) : undefined;
      const secret = acc.oauth2?.clientSecret;
      // A setting mistake, told before "signing in to …" rather than after it.
      if (signIn && secret && 'env' in secret && !process.env[secret.env]) {
        throw new UsageError(`--client-secret-env ${secret.env}: that environment variable is not set`);
      }
      await withContext(
        async (ctx) => {
          const { setUpEmailAccount } = await import('../../app/email/account-setup.js');
          const io = terminalSignInIO({ flow: acc.oauth2?.flow });
          const stop = interruptible();
          try {
            await signInErrors(() =>
              setUpEmailAccount(ctx, acc, io, {
                verify: o.verify && (signIn || !acc.oauth2),
                signIn: signIn ? { ...(port ? { port } : {}), ...(portFlow ? { flow: portFlow } : {}), signal: stop.signal } : false,
              }),
            );
          } finally {
            io.close();
            stop.release();
          }
          const described = await describeEmailAccount(ctx, acc);
          makeOutput(Boolean(o.json)).data(described, () =>
            acc.oauth2 && !signIn ? `added account ${acc.name} (${acc.email}); sign in with: attend account login ${acc.name}` : `added account ${acc.name} (${acc.email})`,
          );
        },
        { validateSettings: true },
      );
    });
}

/**
 * --port names the loopback listener's port (an SSH forward), so it means the loopback flow unless
 * another flow that can use it (paste: the redirect's port) is set; the device flow has no listener.
 */
function loopbackForPort(flow: OAuthFlow | undefined): OAuthFlow {
  if (flow === 'device') throw new UsageError('--port is for signing in with a browser (--flow loopback or paste); the device flow listens on no port');
  return flow ?? 'loopback';
}

export function registerLogin(account: Command): void {
  account
    .command('login')
    .description('sign in again to an OAuth2 email account (after "sign-in expired", or to switch the flow)')
    .argument('<name>')
    .addOption(new Option('--flow <flow>', "how to sign in this time (default: the account's, else device where allowed, else loopback)").choices(['device', 'loopback', 'paste']))
    .option('--port <n>', 'loopback: listen on this port, for `ssh -L N:127.0.0.1:N` (default: any free port)')
    .option('--json', 'print the account (with its sign-in status) as JSON')
    .addHelpText('after', '\nExit codes: 0 signed in · 1 sign-in failed · 2 usage (no such OAuth2 account) · 75 the sign-in provider could not be reached')
    .action(async (name: string, o: { flow?: string; port?: string; json?: boolean }) => {
      const f = flow(o.flow);
      const port = portNumber('--port', o.port);
      await withContext(async (ctx) => {
        const acc = findAccount(ctx.settings, name);
        if (!acc) throw new UsageError(`no account named ${name}`);
        if (acc.type !== 'email') throw new UsageError(`${name} is a chat account: nothing to sign in to`);
        if (!acc.oauth2) throw new UsageError(`${name} signs in with a password (${acc.password && 'env' in acc.password ? `env ${acc.password.env}` : 'a command'}); login is for OAuth2 accounts`);
        const chosen = f ?? (port ? loopbackForPort(acc.oauth2.flow) : acc.oauth2.flow);
        if (chosen === 'device' && acc.oauth2.provider === 'google') {
          throw new UsageError('Google does not allow the device flow for mail: use --flow loopback (with --port and an SSH forward) or --flow paste');
        }
        const io = terminalSignInIO({ flow: chosen });
        const { signIn } = await import('../../app/email/oauth-session.js');
        const stop = interruptible();
        let result: Awaited<ReturnType<typeof signIn>>;
        try {
          result = await signInErrors(() => signIn(ctx, acc, io, { ...(chosen ? { flow: chosen } : {}), ...(port ? { port } : {}), signal: stop.signal }));
        } finally {
          io.close();
          stop.release();
        }
        const described = await describeEmailAccount(ctx, acc);
        makeOutput(Boolean(o.json)).data(described, () => `signed in to ${acc.name} (${result.method}${result.email ? `, as ${safeLine(result.email)}` : ''})`);
      });
    });
}

