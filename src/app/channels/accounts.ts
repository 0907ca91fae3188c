// Which accounts a long-running process runs: the configured ones, or — with no chat account
// configured — the built-in relay's "local" account: always when this process starts that relay
// (the console), and once that relay has run on this machine when it only joins it (sync, watch).
// `only` (--account) narrows it to one.
import { existsSync } from 'node:fs';
import { chatAccounts, emailAccounts } from '../../config/accounts.js';
import type { Account, ChatAccount, EmailAccount } from '../../config/settings.js';
import { builtinChatAccount } from '../chat/builtin-relay.js';
import type { AppContext } from '../context.js';

/** 'start': this process runs the built-in relay; 'join': use it when it has run here; 'off': never. */
export type BuiltinRelayUse = 'start' | 'join' | 'off';

export interface Channels {
  email: EmailAccount[];
  chat: ChatAccount[];
  /** The built-in relay's account, when it is among `chat`. */
  builtin: ChatAccount | null;
}

export function channelsToRun(ctx: Pick<AppContext, 'settings' | 'env'>, use: BuiltinRelayUse, only?: string): Channels {
  let email = emailAccounts(ctx.settings);
  let chat = chatAccounts(ctx.settings);
  const local = builtinChatAccount(ctx.env);
  const builtinWanted = chat.length === 0 && (use === 'start' || (use === 'join' && 'file' in local.token && existsSync(local.token.file)));
  if (builtinWanted) chat = [local];
  if (only) {
    email = email.filter((a) => a.name === only);
    chat = chat.filter((a) => a.name === only);
    if (email.length + chat.length === 0) throw new Error(`no account named ${only}`);
  }
  return { email, chat, builtin: chat.includes(local) ? local : null };
}

/** Configured chat accounts, or the built-in one when there are none. */
export function activeChatAccounts(ctx: Pick<AppContext, 'settings' | 'env'>): ChatAccount[] {
  const configured = chatAccounts(ctx.settings);
  return configured.length > 0 ? configured : [builtinChatAccount(ctx.env)];
}

/** The chat account a conversation belongs to, by name ("local": the built-in relay's). */
export function findChatAccount(ctx: Pick<AppContext, 'settings' | 'env'>, name: string): ChatAccount | undefined {
  return activeChatAccounts(ctx).find((a) => a.name === name) ?? (name === 'local' ? builtinChatAccount(ctx.env) : undefined);
}

/** The accounts of `c`, in the order they start. */
export function allAccounts(c: Channels): Account[] {
  return [...c.email, ...c.chat];
}
