// The account's Sent mailbox, synced into its conversations: a reply a teammate sent — or anyone
// from any other mail client on the same mailbox — shows in the transcript, stops the wait and counts
// in stats like ours. Our own replies come back here too (outbox-runner APPENDs them): they are the
// messages attend already has (same Message-ID), so they are never stored or counted twice.
//
// What is kept (store/ingest.ts): a Sent message that threads into a conversation we have
// (In-Reply-To / References / its own Message-ID in thread_refs), or one that starts a conversation
// with a customer we already know (a new conversation, pending: it waits for the customer). Anything
// else — private mail, newsletters, another team's threads — is skipped: Sent never creates customers.
//
// Cost: the same incremental sync as the inbox (new UIDs, CONDSTORE flag changes), so a sync costs
// what changed, not the mailbox's size. Its first sync reads back only as far as the inbox's open
// window (or the oldest message we hold when the window is 0): older replies answer nothing open.
import type { ImapSession } from '../../adapters/email/imap-session.js';
import { type SyncHooks, type SyncReport, type SyncTarget, syncMailbox } from '../../adapters/email/imap-sync.js';
import { historyCutoff, openWindowMs } from '../../domain/open-window.js';
import type { EmailAccount } from '../../config/settings.js';
import { oldestMessageAt } from '../../store/history.js';
import { getCursor } from '../../store/sync-state.js';
import type { AppContext } from '../context.js';
import { currentPolicy } from '../queue/policy.js';
import { refreshRanks } from '../queue/ranks.js';
import { WORKER_MIN_BACKLOG } from './backfill.js';
import { threadedSink } from './sync-sink.js';

/** Accounts already told they have no Sent mailbox: said once per process, not on every sync. */
const toldNoSent = new Set<string>();

/**
 * The mailbox to read replies from: the one the server marks \Sent (RFC 6154 SPECIAL-USE), else the
 * account's configured sentMailbox when it exists; null when there is neither (logged once).
 */
export async function findSentMailbox(session: ImapSession, account: EmailAccount, log: (line: string) => void): Promise<string | null> {
  const boxes = await session.listMailboxes();
  const special = boxes.find((b) => b.specialUse?.toLowerCase() === '\\sent');
  const configured = boxes.find((b) => b.path === account.sentMailbox);
  const found = special?.path ?? configured?.path ?? null;
  if (found === null || found === account.mailbox) {
    if (!toldNoSent.has(account.name)) {
      toldNoSent.add(account.name);
      log(`${account.name}: no Sent mailbox (none marked \\Sent, no "${account.sentMailbox}"): replies sent from elsewhere will not show`);
    }
    return null;
  }
  if (special && configured && special.path !== configured.path && !toldNoSent.has(`${account.name}\0differs`)) {
    toldNoSent.add(`${account.name}\0differs`);
    log(`${account.name}: reading replies from "${special.path}" (marked \\Sent); attend files its own in "${account.sentMailbox}" (settings sentMailbox)`);
  }
  return found;
}

/** The Sent mailbox's sync target: outgoing mail, and on its first sync nothing older than the inbox's window. */
export function sentTarget(ctx: Pick<AppContext, 'db'>, account: EmailAccount, mailbox: string, now: number): SyncTarget {
  const t: SyncTarget = { account: account.name, accountEmail: account.email, mailbox, role: 'sent' };
  // Used only without a cursor: the first sync, or a re-sync after a new UIDVALIDITY.
  const cutoff = historyCutoff(openWindowMs(account.openWindow), now);
  if (cutoff !== undefined) return { ...t, since: cutoff };
  // Window 0 keeps everything open: back to the oldest message we hold (nothing older can be
  // answered), or from now. Looked up only for a first sync; a re-sync after a new UIDVALIDITY then
  // reads all of Sent (rare, and nothing is stored twice: messages are keyed by Message-ID).
  if (getCursor(ctx.db, account.name, mailbox)) return t;
  return { ...t, since: oldestMessageAt(ctx.db, account.name) ?? now };
}

/** One incremental sync of the Sent mailbox on an open session (it selects the mailbox). */
export async function syncSentMailbox(ctx: AppContext, session: ImapSession, account: EmailAccount, mailbox: string, hooks: SyncHooks = {}): Promise<SyncReport> {
  const t = sentTarget(ctx, account, mailbox, ctx.now());
  const policy = await currentPolicy(ctx.db, ctx.env);
  const sink = threadedSink(ctx.db, t, ctx.now, ctx.log, () => refreshRanks(ctx.db, policy), { policy, maxBacklog: WORKER_MIN_BACKLOG });
  try {
    return await syncMailbox(session, sink, t, { log: ctx.log, ...hooks });
  } finally {
    await sink.close();
  }
}

/**
 * Whether the Sent mailbox has anything the store has not (new UIDs, flag changes, a new
 * UIDVALIDITY): one STATUS, for a watcher idling on the inbox, instead of selecting Sent each time.
 */
export async function sentChanged(ctx: Pick<AppContext, 'db'>, session: ImapSession, account: EmailAccount, mailbox: string): Promise<boolean> {
  const st = await session.status(mailbox);
  const c = getCursor(ctx.db, account.name, mailbox);
  if (!c) return true;
  if (c.uidValidity !== st.uidValidity || c.highUid < st.uidNext - 1) return true;
  return st.highestModseq !== null && c.highestModseq !== null && st.highestModseq > c.highestModseq;
}
