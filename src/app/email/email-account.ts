// Runs the email channel for one account: sync, outbox delivery, and the long-running IDLE loop.
import { ImapError, type ImapLogin, ImapSession } from '../../adapters/email/imap-session.js';
import { type SyncHooks, type SyncReport, type SyncTarget, syncMailbox } from '../../adapters/email/imap-sync.js';
import { historyCutoff, openWindowMs } from '../../domain/open-window.js';
import type { SmtpLogin } from '../../adapters/email/smtp-send.js';
import { resolveSecret } from '../../config/secrets.js';
import type { EmailAccount } from '../../config/settings.js';
import type { AppContext } from '../context.js';
import { threadedSink } from './sync-sink.js';
import { backfillOnWorker, WORKER_MIN_BACKLOG } from './backfill.js';
import { type FlushReport, flushOutbox } from './outbox-runner.js';
import { hasPendingOutbox } from '../../store/outbox.js';
import { recountAfterFlush } from '../conversations/failed-reply.js';
import { describeFirstSync, type FirstSyncSummary, firstSyncSummary } from './first-sync.js';
import { currentPolicy } from '../queue/policy.js';
import { refreshRanks } from '../queue/ranks.js';
import { findSentMailbox, sentChanged, syncSentMailbox } from './sent-sync.js';

export async function credentials(ctx: AppContext, account: EmailAccount): Promise<{ imap: ImapLogin; smtp: SmtpLogin }> {
  if (account.oauth2) {
    // Loaded on demand: openid-client is only for OAuth2 accounts.
    const { accessTokenFor } = await import('./oauth-session.js');
    const accessToken = await accessTokenFor(ctx, account);
    return {
      imap: { account: account.name, server: account.imap, user: account.user, accessToken },
      smtp: { account: account.name, server: account.smtp, user: account.user, accessToken },
    };
  }
  if (!account.password) throw new ImapError(`account ${account.name}: no password source and no OAuth2 sign-in in the settings`, 'auth');
  let password: string;
  try {
    password = await resolveSecret(account.password, ctx.env);
  } catch (err) {
    throw new ImapError(`account ${account.name}: ${(err as Error).message}`, 'auth');
  }
  return {
    imap: { account: account.name, server: account.imap, user: account.user, password },
    smtp: { account: account.name, server: account.smtp, user: account.user, password },
  };
}

export interface AccountSyncResult {
  sync: SyncReport | null;
  /** The Sent mailbox's sync (replies sent from elsewhere); null when there is none or IMAP failed first. */
  sent: SyncReport | null;
  outbox: FlushReport;
  error: string | null;
  /** Set when this run did the account's first sync (and it finished). */
  firstSync: FirstSyncSummary | null;
}

/** Logs in to IMAP and opens the mailbox read-only, then logs out: `account add email --verify`. */
export async function verifyEmail(ctx: AppContext, account: EmailAccount): Promise<void> {
  const creds = await credentials(ctx, account);
  const session = await ImapSession.connect(creds.imap, { timeoutMs: 15_000 });
  try {
    await session.open(account.mailbox, true);
  } finally {
    await session.logout();
  }
}

/** One-shot: connect, sync the mailbox, deliver what waits in the outbox, disconnect. */
export async function syncAccountOnce(ctx: AppContext, account: EmailAccount, hooks: SyncHooks = {}): Promise<AccountSyncResult> {
  const creds = await credentials(ctx, account);
  let session: ImapSession | null = null;
  let sync: SyncReport | null = null;
  let sent: SyncReport | null = null;
  let error: string | null = null;
  try {
    session = await ImapSession.connect(creds.imap);
    sync = await syncWithSink(ctx, session, account, hooks);
    const sentBox = await findSentMailbox(session, account, ctx.log);
    // One STATUS first: when Sent has nothing new (the usual case) it is never selected.
    if (sentBox) sent = (await sentChanged(ctx, session, account, sentBox)) ? await syncSentMailbox(ctx, session, account, sentBox) : unchanged(account, sentBox);
  } catch (err) {
    error = (session ? session.wrap(err) : err instanceof Error ? err : new Error(String(err))).message;
  }
  // The outbox goes out even when IMAP failed: SMTP may still work; the Sent copy follows on a later run.
  const outbox = await flushOutbox(ctx, account, creds.smtp, session?.usable ? session : null);
  recountAfterFlush(ctx, outbox);
  await session?.logout();
  const firstSync = sync?.firstSync && sync.backfillComplete ? firstSyncSummary(ctx.db, account) : null;
  return { sync, sent, outbox, error, firstSync };
}

/**
 * A sync in-process; a long backfill (a first sync of a big mailbox) goes on a worker thread with
 * its own connection once the newest batch is stored (see backfill.ts).
 */
async function syncWithSink(ctx: AppContext, session: ImapSession, account: EmailAccount, hooks: SyncHooks, signal?: AbortSignal): Promise<SyncReport> {
  const t = target(account, ctx.now());
  // Through the cache other processes read (keyed by the settings file's stamp, read afresh when it
  // changed): `attend list` during this sync then finds the policy there and writes nothing.
  const policy = await currentPolicy(ctx.db, ctx.env);
  const rank = () => {
    refreshRanks(ctx.db, policy);
  };
  const sink = threadedSink(ctx.db, t, ctx.now, ctx.log, rank, { policy, maxBacklog: WORKER_MIN_BACKLOG });
  let report: SyncReport;
  try {
    report = await syncMailbox(session, sink, t, { log: ctx.log, ...hooks, backfillElsewhere: (lowUid) => lowUid > WORKER_MIN_BACKLOG });
  } finally {
    await sink.close();
  }
  if (report.backfillComplete) return report;
  const rest = await backfillOnWorker({
    login: session.login,
    target: t,
    sink,
    batchUids: hooks.batchUids,
    log: ctx.log,
    signal,
    onBatch: (r) => hooks.onBatch?.({ ...r, fetched: report.fetched + r.fetched, added: report.added + r.added, skipped: report.skipped + r.skipped }),
  });
  return {
    ...rest,
    fetched: report.fetched + rest.fetched,
    added: report.added + rest.added,
    skipped: report.skipped + rest.skipped,
    flagUpdates: report.flagUpdates + rest.flagUpdates,
    uidValidityChanged: report.uidValidityChanged || rest.uidValidityChanged,
    firstSync: report.firstSync,
  };
}

/** The report of a mailbox STATUS showed unchanged: nothing fetched. */
function unchanged(account: EmailAccount, mailbox: string): SyncReport {
  return { account: account.name, mailbox, fetched: 0, added: 0, flagUpdates: 0, skipped: 0, uidValidityChanged: false, backfillComplete: true, firstSync: false };
}

/** @param now when the sync starts: a first sync's history line is drawn from it (see SyncTarget). */
export function target(account: EmailAccount, now: number): SyncTarget {
  const historyBefore = historyCutoff(openWindowMs(account.openWindow), now);
  return { account: account.name, accountEmail: account.email, mailbox: account.mailbox, ...(historyBefore !== undefined ? { historyBefore } : {}) };
}

export interface WatchOptions {
  signal: AbortSignal;
  onSynced?: (r: SyncReport) => void;
  /** Re-sync at least this often even without IDLE news (servers drop silent IDLE after ~30 min). */
  maxIdleMs?: number;
  /** Connection state for the console's status bar. */
  onState?: (state: 'connecting' | 'online' | 'offline', detail?: string) => void;
  /** The account's first sync is done: its one-line summary (also logged). */
  onFirstSync?: (line: string) => void;
  /** First wait before retrying replies queued because SMTP was down; doubles up to 5 min. */
  outboxRetryMs?: number;
  /** How often the Sent mailbox is checked (one STATUS) while idling on the inbox. */
  sentPollMs?: number;
}

/**
 * IDLE watches only the selected mailbox (the inbox), so the Sent mailbox is asked with STATUS this
 * often: one round trip, and a sync of Sent only when it changed. A teammate's reply shows within it.
 */
const SENT_POLL_MS = Number(process.env.ATTEND_SENT_POLL_MS) || 10_000;

/** Replies queued while SMTP was down are retried after this, then twice as long each time (at most 5 min). */
const OUTBOX_RETRY_MS = Number(process.env.ATTEND_OUTBOX_RETRY_MS) || 15_000;
const OUTBOX_RETRY_MAX_MS = 5 * 60_000;

/**
 * The long-running path (console, `sync --watch`): keeps the connection, waits in IDLE,
 * re-syncs on news, reconnects with exponential backoff and jitter after any drop.
 */
export async function watchAccount(ctx: AppContext, account: EmailAccount, opts: WatchOptions): Promise<void> {
  let backoff = 1000;
  const firstRetry = opts.outboxRetryMs ?? OUTBOX_RETRY_MS;
  let outboxRetry = firstRetry;
  while (!opts.signal.aborted) {
    let session: ImapSession | null = null;
    let failed = false;
    opts.onState?.('connecting');
    try {
      const creds = await credentials(ctx, account);
      session = await ImapSession.connect(creds.imap);
      backoff = 1000;
      opts.onState?.('online');
      const s = session;
      // Looked up once per connection: a mailbox's special use does not change under a session.
      const sentBox = await findSentMailbox(s, account, ctx.log);
      let wake: (() => void) | null = null;
      s.onChange(() => wake?.());
      s.onClose(() => wake?.());
      const onAbort = () => wake?.();
      opts.signal.addEventListener('abort', onAbort);
      try {
        while (!opts.signal.aborted && s.usable) {
          const report = await syncWithSink(ctx, s, account, {}, opts.signal);
          if (sentBox && (await sentChanged(ctx, s, account, sentBox))) await syncSentMailbox(ctx, s, account, sentBox);
          // The console shows it in its log; `sync --watch` and `watch` print it on stderr.
          if (report.firstSync && report.backfillComplete) {
            const line = describeFirstSync(account.name, firstSyncSummary(ctx.db, account));
            ctx.log(line);
            opts.onFirstSync?.(line);
          }
          const flushed = await flushOutbox(ctx, account, creds.smtp, s);
          recountAfterFlush(ctx, flushed);
          opts.onSynced?.(report);
          // SMTP was down: come back for the queued replies with backoff, not only when mail arrives.
          const retryIn = flushed.queued.length > 0 ? outboxRetry : null;
          outboxRetry = retryIn === null ? firstRetry : Math.min(outboxRetry * 2, OUTBOX_RETRY_MAX_MS);
          await s.open(account.mailbox, true);
          let replyWatch: NodeJS.Timeout | undefined;
          let sentWatch: NodeJS.Timeout | undefined;
          let idling = true;
          const woke = new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(retryIn ?? Number.POSITIVE_INFINITY, opts.maxIdleMs ?? 10 * 60_000)).unref();
            // A reply another process queued (`attend reply` while SMTP was down): its turn comes
            // after the retry wait, whoever queued it.
            if (retryIn === null) {
              replyWatch = setInterval(() => {
                if (!hasPendingOutbox(ctx.db, account.name)) return;
                clearInterval(replyWatch);
                setTimeout(resolve, outboxRetry).unref();
              }, 1000);
              replyWatch.unref();
            }
            if (sentBox) {
              // STATUS preempts IDLE; unless Sent changed, IDLE starts again on the inbox.
              let asking = false;
              sentWatch = setInterval(() => {
                if (asking) return;
                asking = true;
                sentChanged(ctx, s, account, sentBox)
                  .then((changed) => {
                    if (changed) resolve();
                    else if (idling) void s.idle().catch(() => {});
                  }, () => resolve())
                  .finally(() => {
                    asking = false;
                  });
              }, opts.sentPollMs ?? SENT_POLL_MS);
              sentWatch.unref();
            }
            // Stopped during the sync, when there was no wake to call: do not wait in IDLE for it.
            if (opts.signal.aborted) resolve();
          });
          // idle() runs until the next command preempts it; a change event wakes us to run that command.
          void s.idle().catch(() => {});
          await woke;
          idling = false;
          clearInterval(replyWatch);
          clearInterval(sentWatch);
          wake = null;
        }
      } finally {
        opts.signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      failed = true;
      const message = (session ? session.wrap(err) : (err as Error)).message;
      opts.onState?.('offline', message);
      ctx.log(`${message}; retrying in ${Math.round(backoff / 1000)}s`);
    } finally {
      await session?.logout().catch(() => {});
    }
    if (opts.signal.aborted) break;
    if (!failed) opts.onState?.('offline', 'connection closed');
    await sleep(backoff * (0.5 + Math.random()), opts.signal);
    backoff = Math.min(backoff * 2, 60_000);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
