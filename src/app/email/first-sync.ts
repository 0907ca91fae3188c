// What an account's first sync did, in one line: how much came in, how much is open, how much is
// history because of the open window, and how to change that.
import type { EmailAccount } from '../../config/settings.js';
import { describeOpenWindow, openWindowMs } from '../../domain/open-window.js';
import type { Db } from '../../store/db.js';
import { accountCounts } from '../../store/history.js';

/** `attend sync --json`'s `firstSync` (schemas/sync.schema.json). */
export interface FirstSyncSummary {
  conversations: number;
  open: number;
  history: number;
  /** Pending (answered elsewhere), snoozed or resolved. */
  other: number;
  /** The account's open window as set ("14d", "0"). */
  openWindow: string;
  openWindowMs: number;
}

export function firstSyncSummary(db: Db, account: EmailAccount): FirstSyncSummary {
  const ms = openWindowMs(account.openWindow);
  return { ...accountCounts(db, account.name), openWindow: account.openWindow ?? (ms === 0 ? '0' : `${ms / 86_400_000}d`), openWindowMs: ms };
}

/** "support: 312 conversations, 14 open, 298 history older than 14 days — `--open-window` changes this" */
export function describeFirstSync(account: string, s: FirstSyncSummary): string {
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  const parts = [n(s.conversations, 'conversation'), `${s.open} open`];
  if (s.other > 0) parts.push(`${s.other} answered or closed`);
  if (s.openWindowMs > 0) parts.push(`${s.history} history older than ${describeOpenWindow(s.openWindowMs)}`);
  const hint = s.openWindowMs > 0 ? `attend account set ${account} --open-window …` : 'open window 0: everything is open';
  return `${account}: ${parts.join(', ')} — ${s.openWindowMs > 0 ? `\`${hint}\` changes this` : hint}`;
}
