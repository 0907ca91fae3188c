// Which accounts a long-running command runs (sync, watch): the configured ones, or the built-in
// relay's "local" chat account once that relay has run on this machine; `--account` narrows it.
import { existsSync } from 'node:fs';
import type { AppContext } from '../../app/context.js';
import { chatAccounts, emailAccounts } from '../../config/accounts.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { CliError } from '../exit-codes.js';

export interface Channels {
  email: EmailAccount[];
  chat: ChatAccount[];
  /** The built-in relay's account, when it is among `chat`. */
  builtin: ChatAccount | null;
}

export async function channelsToRun(ctx: AppContext, only?: string): Promise<Channels> {
  const { builtinChatAccount } = await import('../../app/chat/builtin-relay.js');
  let email = emailAccounts(ctx.settings);
  let chat = chatAccounts(ctx.settings);
  const local = builtinChatAccount(ctx.env);
  const builtinUsable = chat.length === 0 && 'file' in local.token && existsSync(local.token.file);
  if (builtinUsable) chat = [local];
  if (only) {
    email = email.filter((a) => a.name === only);
    chat = chat.filter((a) => a.name === only);
    if (email.length + chat.length === 0) throw new CliError(`no account named ${only}`);
  }
  return { email, chat, builtin: chat.includes(local) ? local : null };
}
