// Account lookups over the settings. Types only from settings.ts, so importing this never loads conf.
import type { Settings } from './settings-open.js';
import type { Account, ChatAccount, EmailAccount } from './settings.js';

export function findAccount(settings: Settings, name: string): Account | undefined {
  return settings.get('accounts').find((a) => a.name === name);
}

export function emailAccounts(settings: Settings): EmailAccount[] {
  return settings.get('accounts').filter((a): a is EmailAccount => a.type === 'email');
}

export function chatAccounts(settings: Settings): ChatAccount[] {
  return settings.get('accounts').filter((a): a is ChatAccount => a.type === 'chat');
}
