import { isIP } from 'node:net';
import type { Command } from 'commander';
import { withContext } from '../run.js';
import type { Account, ChatAccount, EmailAccount, SecretSource, Security } from '../../config/settings.js';
import { findAccount } from '../../config/accounts.js';
import { CliError, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { DEFAULT_PORT } from '../../protocol/transport.js';
import { DEFAULT_OPEN_WINDOW, describeOpenWindow, normalizeOpenWindow, openWindowMs, parseOpenWindow } from '../../domain/open-window.js';

const DEFAULT_PORTS: Record<'imap' | 'smtp', Record<Security, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  smtp: { tls: 465, starttls: 587, none: 25 },
};

function security(value: string): Security {
  if (value === 'tls' || value === 'starttls' || value === 'none') return value;
  throw new UsageError(`security must be tls, starttls or none (got "${value}")`);
}

/** --open-window: "14d", "36h", "0"; stored in its canonical form. */
function openWindow(value: string): string {
  if (parseOpenWindow(value) === null) throw new UsageError(`--open-window must be days or hours like 14d, 36h, or 0 for everything open (got "${value}")`);
  return normalizeOpenWindow(value);
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`not a port number: ${value}`);
  return n;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}

interface AddEmailOptions {
  email: string;
  name?: string;
  imapHost: string;
  imapPort?: string;
  imapSecurity: string;
  smtpHost: string;
  smtpPort?: string;
  smtpSecurity: string;
  user?: string;
  passwordEnv?: string;
  passwordCommand?: string;
  mailbox: string;
  sentMailbox: string;
  allowInsecure?: boolean;
  openWindow?: string;
  verify: boolean;
  json?: boolean;
}

export function registerAccount(program: Command): void {
  const account = program.command('account').description('add, list and remove accounts');

  const add = account.command('add').description('add an email or chat account');
  add
    .command('email')
    .description('add an email account (IMAP in, SMTP out)')
    .argument('<name>', 'a short name for the account, e.g. "support"')
    .requiredOption('--email <addr>', 'the address customers write to')
    .option('--name <display>', 'display name on replies, e.g. "Acme Support"')
    .requiredOption('--imap-host <host>', 'IMAP server')
    .option('--imap-port <n>', 'IMAP port (default: 993 for tls, 143 otherwise)')
    .option('--imap-security <mode>', 'tls | starttls | none', 'tls')
    .requiredOption('--smtp-host <host>', 'SMTP server')
    .option('--smtp-port <n>', 'SMTP port (default: 465 for tls, 587 for starttls, 25 for none)')
    .option('--smtp-security <mode>', 'tls | starttls | none', 'tls')
    .option('--user <user>', 'login name (default: the email address)')
    .option('--password-env <VAR>', 'read the password from this environment variable')
    .option('--password-command <cmd>', 'run this command and use the first line it prints (e.g. "pass show mail/support")')
    .option('--mailbox <name>', 'mailbox to watch', 'INBOX')
    .option('--sent-mailbox <name>', 'where copies of replies go', 'Sent')
    .option('--allow-insecure', 'allow "none" security to a host that is not loopback')
    .option(
      '--open-window <age>',
      `the first sync puts conversations whose customer last wrote longer ago than this in history, not in the queue: 14d, 36h, or 0 for everything open (default ${DEFAULT_OPEN_WINDOW})`,
    )
    .option('--no-verify', 'save without logging in to check the settings')
    .option('--json', 'print the saved account as JSON')
    .action(async (name: string, o: AddEmailOptions) => {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError('account name: use letters, digits, ".", "_" or "-" (at most 64)');
      if (!o.email.includes('@')) throw new UsageError(`--email must be an address (got "${o.email}")`);
      if (Boolean(o.passwordEnv) === Boolean(o.passwordCommand)) {
        throw new UsageError('give exactly one of --password-env VAR or --password-command CMD (the password itself is never stored)');
      }
      const window = o.openWindow === undefined ? undefined : openWindow(o.openWindow);
      const imapSecurity = security(o.imapSecurity);
      const smtpSecurity = security(o.smtpSecurity);
      for (const [what, mode, host] of [
        ['IMAP', imapSecurity, o.imapHost],
        ['SMTP', smtpSecurity, o.smtpHost],
      ] as const) {
        if (mode === 'none' && !isLoopback(host) && !o.allowInsecure) {
          throw new UsageError(`${what} security "none" to ${host} would send the password in clear text; use tls/starttls, or --allow-insecure`);
        }
      }
      const acc: EmailAccount = {
        type: 'email',
        name,
        email: o.email,
        ...(o.name ? { displayName: o.name } : {}),
        user: o.user ?? o.email,
        imap: { host: o.imapHost, port: o.imapPort ? port(o.imapPort) : DEFAULT_PORTS.imap[imapSecurity], security: imapSecurity },
        smtp: { host: o.smtpHost, port: o.smtpPort ? port(o.smtpPort) : DEFAULT_PORTS.smtp[smtpSecurity], security: smtpSecurity },
        password: o.passwordEnv ? { env: o.passwordEnv } : { command: o.passwordCommand as string },
        mailbox: o.mailbox,
        sentMailbox: o.sentMailbox,
        allowInsecure: Boolean(o.allowInsecure),
        ...(window !== undefined ? { openWindow: window } : {}),
      };
      await withContext(async (ctx) => {
        if (findAccount(ctx.settings, name)) throw new CliError(`account ${name} exists already (remove it first)`);
        if (o.verify) {
          // Loaded on demand: the network libraries are heavy and most commands never need them.
          const { verifyEmail } = await import('../../app/email/email-account.js');
          await verifyEmail(ctx, acc);
        }
        ctx.settings.set('accounts', [...ctx.settings.get('accounts'), acc]);
        makeOutput(Boolean(o.json)).data(describeAccount(acc), () => `added account ${name} (${acc.email})`);
      }, { validateSettings: true });
    });

  add
    .command('chat')
    .description('add a chat account: attend connects to a relay as an agent')
    .argument('<name>', 'a short name, e.g. "website"')
    .requiredOption('--url <url>', `the relay, e.g. ws://127.0.0.1:${DEFAULT_PORT} or wss://chat.example.com`)
    .option('--token-env <VAR>', 'read the agent token from this environment variable')
    .option('--token-command <cmd>', 'run this command and use the first line it prints (e.g. "attend relay token" on the relay host)')
    .option('--agent-name <name>', 'the name visitors see on your replies')
    .option('--no-verify', 'save without connecting to check the settings')
    .option('--json', 'print the saved account as JSON')
    .action(async (name: string, o: { url: string; tokenEnv?: string; tokenCommand?: string; agentName?: string; verify: boolean; json?: boolean }) => {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError('account name: use letters, digits, ".", "_" or "-" (at most 64)');
      if (!/^wss?:\/\/[^/\s]+/.test(o.url)) throw new UsageError(`--url must be ws://HOST:PORT or wss://HOST (got "${o.url}")`);
      if (Boolean(o.tokenEnv) === Boolean(o.tokenCommand)) throw new UsageError('give exactly one of --token-env VAR or --token-command CMD (the token itself is never stored)');
      const host = new URL(o.url.replace(/^ws/, 'http')).hostname;
      if (o.url.startsWith('ws://') && !isLoopback(host)) {
        throw new UsageError(`ws:// to ${host} would send the agent token in clear text; use wss://`);
      }
      const acc: ChatAccount = {
        type: 'chat',
        name,
        url: o.url.replace(/\/+$/, ''),
        token: o.tokenEnv ? { env: o.tokenEnv } : { command: o.tokenCommand as string },
        ...(o.agentName ? { agentName: o.agentName } : {}),
      };
      await withContext(async (ctx) => {
        if (ctx.settings.get('accounts').some((a) => a.name === name)) throw new CliError(`account ${name} exists already (remove it first)`);
        if (o.verify) {
          const { verifyChat } = await import('../../app/chat/chat-account.js');
          await verifyChat(ctx, acc);
        }
        ctx.settings.set('accounts', [...ctx.settings.get('accounts'), acc]);
        makeOutput(Boolean(o.json)).data(describeAccount(acc), () => `added chat account ${name} (${acc.url})`);
      }, { validateSettings: true });
    });

  account
    .command('list')
    .description('list accounts (secrets are never shown: only where they come from)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const accounts = ctx.settings.get('accounts').map(describeAccount);
        makeOutput(Boolean(o.json)).data(accounts, () =>
          accounts.length === 0
            ? 'no accounts yet: attend account add email NAME --email … (see attend account add email --help)'
            : accounts
                .map((a) =>
                  'url' in a
                    ? `${a.name}\tchat\t${a.url}\ttoken from ${a.tokenFrom}`
                    : `${a.name}\temail\t${a.email}\timap ${a.imap}\tsmtp ${a.smtp}\t${a.mailbox}\tpassword from ${a.passwordFrom}`,
                )
                .join('\n'),
        );
      });
    });

  account
    .command('set')
    .description("change an email account's settings")
    .argument('<name>')
    .option(
      '--open-window <age>',
      'conversations whose customer last wrote longer ago than this are history, not in the queue: 14d, 36h, or 0 for everything open. ' +
        'Applies now to what is already stored (history inside the window joins the queue, waiting conversations outside it become history) and to a first sync',
    )
    .option('--json', 'print the saved account as JSON')
    .action(async (name: string, o: { openWindow?: string; json?: boolean }) => {
      if (o.openWindow === undefined) throw new UsageError('nothing to change: give --open-window AGE');
      const window = openWindow(o.openWindow);
      await withContext(async (ctx) => {
        const all = ctx.settings.get('accounts');
        const acc = all.find((a) => a.name === name);
        if (!acc) throw new CliError(`no account named ${name}`);
        if (acc.type !== 'email') throw new UsageError(`--open-window is for email accounts; ${name} is a chat account`);
        const updated: EmailAccount = { ...acc, openWindow: window };
        ctx.settings.set('accounts', all.map((a) => (a.name === name ? updated : a)));
        const ms = openWindowMs(window);
        const { reapplyOpenWindow } = await import('../../app/email/open-window.js');
        const moved = reapplyOpenWindow(ctx, name, window);
        makeOutput(Boolean(o.json)).data(describeAccount(updated), () => {
          const what = ms === 0 ? 'everything open' : `history older than ${describeOpenWindow(ms)}`;
          return `${name}: open window ${window} (${what}): ${moved.toOpen} conversation(s) joined the queue, ${moved.toHistory} moved to history`;
        });
      }, { validateSettings: true });
    });

  account
    .command('remove')
    .description('remove an account from the settings (its conversations stay in the store)')
    .argument('<name>')
    .action(async (name: string) => {
      await withContext(async (ctx) => {
        const all = ctx.settings.get('accounts');
        if (!all.some((a) => a.name === name)) throw new CliError(`no account named ${name}`);
        ctx.settings.set('accounts', all.filter((a) => a.name !== name));
        process.stderr.write(`removed account ${name}\n`);
      }, { validateSettings: true });
    });
}

const secretFrom = (s: SecretSource) => ('env' in s ? `env ${s.env}` : 'command' in s ? `command ${s.command}` : `file ${s.file}`);

function describeAccount(a: Account) {
  if (a.type === 'chat') return { name: a.name, type: a.type, url: a.url, agentName: a.agentName ?? null, tokenFrom: secretFrom(a.token) };
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
  };
}
