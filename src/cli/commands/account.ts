import type { Command } from 'commander';
import { withContext } from '../run.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { isLoopbackHost as isLoopback } from '../../domain/mail-servers.js';
import { registerAddEmail, registerLogin } from './account-email.js';
import { describeAccounts, describeChatAccount, describeEmailAccount } from './account-describe.js';
import { CliError, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { DEFAULT_PORT } from '../../protocol/transport.js';
import { describeOpenWindow, normalizeOpenWindow, openWindowMs, parseOpenWindow } from '../../domain/open-window.js';

/** --open-window: "14d", "36h", "0"; stored in its canonical form. */
function openWindow(value: string): string {
  if (parseOpenWindow(value) === null) throw new UsageError(`--open-window must be days or hours like 14d, 36h, or 0 for everything open (got "${value}")`);
  return normalizeOpenWindow(value);
}

export function registerAccount(program: Command): void {
  const account = program.command('account').description('add, list, sign in to and remove accounts');

  const add = account.command('add').description('add an email or chat account');
  registerAddEmail(add);

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
        makeOutput(Boolean(o.json)).data(describeChatAccount(acc), () => `added chat account ${name} (${acc.url})`);
      }, { validateSettings: true });
    });

  account
    .command('list')
    .description('list accounts (secrets are never shown: only where they come from)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const accounts = await describeAccounts(ctx, ctx.settings.get('accounts'));
        makeOutput(Boolean(o.json)).data(accounts, () =>
          accounts.length === 0
            ? 'no accounts yet: attend account add email NAME --email … (see attend account add email --help)'
            : accounts
                .map((a) =>
                  'url' in a
                    ? `${a.name}\tchat\t${a.url}\ttoken from ${a.tokenFrom}`
                    : `${a.name}\temail\t${a.email}\timap ${a.imap}\tsmtp ${a.smtp}\t${a.mailbox}\t${a.signIn}`,
                )
                .join('\n'),
        );
      });
    });

  registerLogin(account);

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
        const described = await describeEmailAccount(ctx, updated);
        makeOutput(Boolean(o.json)).data(described, () => {
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
        const gone = all.find((a) => a.name === name);
        if (!gone) throw new CliError(`no account named ${name}`);
        ctx.settings.set('accounts', all.filter((a) => a.name !== name));
        if (gone.type === 'email' && gone.oauth2) {
          // A refresh token is a live credential: it goes with the account (a name reused later signs in afresh).
          const { forgetTokens } = await import('../../app/email/account-setup.js');
          await forgetTokens(ctx, gone, 'the removed account');
          if (gone.oauth2.tokenCommand) process.stderr.write(`${name}'s tokens are kept by your command (${gone.oauth2.tokenCommand}): remove them there\n`);
        }
        process.stderr.write(`removed account ${name}\n`);
      }, { validateSettings: true });
    });
}
