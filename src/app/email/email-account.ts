// Runs the email channel for one account: sync, outbox delivery, and the long-running IDLE loop.
import { ImapError, type ImapSession } from '../../adapters/email/imap-session.js';
import { type SyncHooks, type SyncReport, type SyncTarget, syncMailbox } from '../../adapters/email/imap-sync.js';
import { historyCutoff, openWindowMs } from '../../domain/open-window.js';
import { verifySmtp } from '../../adapters/email/smtp-send.js';
import type { EmailAccount } from '../../config/settings.js';
import type { AppContext } from '../context.js';
import { threadedSink } from './sync-sink.js';
import { backfillOnWorker, WORKER_MIN_BACKLOG } from './backfill.js';
import { type FlushReport, flushOutbox } from './outbox-runner.js';
import { hasPendingOutbox, pendingOutbox } from '../../store/outbox.js';
import { type MailLogins, mailLogins, signInExpired, tokenUnavailable } from './mail-login.js';
import { SignInWatch } from './sign-in-watch.js';
import { recountAfterFlush } from '../conversations/failed-reply.js';
import { describeFirstSync, type FirstSyncSummary, firstSyncSummary } from './first-sync.js';
import { currentPolicy } from '../queue/policy.js';
import { refreshRanks } from '../queue/ranks.js';
import { findSentMailbox, sentChanged, syncSentMailbox } from './sent-sync.js';

export interface AccountSyncResult {
  sync: SyncReport | null;
  /** The Sent mailbox's sync (replies sent from elsewhere); null when there is none or IMAP failed first. */
  sent: SyncReport | null;
  outbox: FlushReport;
  error: string | null;
  /** Set when this run did the account's first sync (and it finished). */
  firstSync: FirstSyncSummary | null;
}

/** IMAP: logs in and opens the mailbox read-only, then logs out. The error names IMAP and the server. */
export async function verifyImap(ctx: AppContext, account: EmailAccount, logins?: MailLogins): Promise<void> {
  const session = await (logins ?? (await mailLogins(ctx, account))).connectImap({ timeoutMs: 15_000 });
  try {
    await session.open(account.mailbox, true);
  } finally {
    await session.logout();
  }
}

/** SMTP: connects and logs in, sending nothing. The error names SMTP and the server. */
export async function verifySmtpLogin(ctx: AppContext, account: EmailAccount, logins?: MailLogins): Promise<void> {
  await verifySmtp((logins ?? (await mailLogins(ctx, account))).smtp);
}

/**
 * `account add email --verify` and the set-up's test: IMAP and SMTP both, each tried even when the
 * other failed, so the one line names every part that failed.
 */
export async function verifyEmail(ctx: AppContext, account: EmailAccount): Promise<void> {
  const logins = await mailLogins(ctx, account);
  const errors: string[] = [];
  for (const check of [verifyImap, verifySmtpLogin]) {
    try {
      await check(ctx, account, logins);
    } catch (err) {
      const message = (err as Error).message;
      // An expired sign-in or a provider that is down fails both the same way: say it once.
      if (tokenUnavailable(err) && !(err instanceof ImapError)) throw err;
      errors.push(errors.length ? message.replace(`account ${account.name}: `, '') : message);
    }
  }
  if (errors.length) throw new Error(errors.join('; '));
}

/** One-shot: connect, sync the mailbox, deliver what waits in the outbox, disconnect. */
export async function syncAccountOnce(ctx: AppContext, account: EmailAccount, hooks: SyncHooks = {}): Promise<AccountSyncResult> {
  const logins = await mailLogins(ctx, account);
  let session: ImapSession | null = null;
  let sync: SyncReport | null = null;
  let sent: SyncReport | null = null;
  let error: string | null = null;
  let noToken = false;
  let expired: string | null = null;
  try {
    session = await logins.connectImap();
    sync = await syncWithSink(ctx, session, account, hooks);
    const sentBox = await findSentMailbox(session, account, ctx.log);
    // One STATUS first: when Sent has nothing new (the usual case) it is never selected.
    if (sentBox) sent = (await sentChanged(ctx, session, account, sentBox)) ? await syncSentMailbox(ctx, session, account, sentBox) : unchanged(account, sentBox);
  } catch (err) {
    error = (session ? session.wrap(err) : err instanceof Error ? err : new Error(String(err))).message;
    noToken = !session && tokenUnavailable(err);
    expired = signInExpired(err)?.message ?? null;
  }
  // The outbox goes out even when IMAP failed: SMTP may still work; the Sent copy follows on a later run.
  // Not when there was no token to be had (sign-in expired, provider down): SMTP needs the same
  // one, and the one line above says it all; the replies stay queued.
  const outbox = noToken ? stillQueued(ctx, account, expired) : await flushOutbox(ctx, account, logins.smtp, session?.usable ? session : null);
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

/** The outbox left alone: every pending reply is still queued. */
function stillQueued(ctx: AppContext, account: EmailAccount, signInExpired: string | null): FlushReport {
  const queued = pendingOutbox(ctx.db, account.name).map((i) => i.messageId);
  return { sent: [], queued, failed: [], lastError: null, signInExpired };
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
  /** OAuth2: the sign-in expired (its one line), or works again (null). Told once each way. */
  onSignIn?: (expired: string | null) => void;
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
  // The same failure again (a server still down) is not logged again at every retry.
  let lastFailure: string | null = null;
  const signIn = new SignInWatch(
    async () => (account.oauth2 ? (await import('./oauth-session.js')).signInStatus(ctx, account) : null),
    (line) => {
      ctx.log(line ?? `account ${account.name}: signed in again`);
      opts.onSignIn?.(line);
    },
  );
  while (!opts.signal.aborted) {
    let session: ImapSession | null = null;
    let failed = false;
    let awaitSignIn = false;
    opts.onState?.('connecting');
    try {
      // A token is asked for at this connect and at every SMTP send (logins.smtp carries the
      // source, not a token): one kept from here would be stale an hour into the connection.
      const logins = await mailLogins(ctx, account);
      session = await logins.connectImap();
      signIn.ok();
      backoff = 1000;
      lastFailure = null;
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
          if (signIn.expired !== null) await recheckSignIn(logins, signIn);
          const flushed = await flushOutbox(ctx, account, logins.smtp, s);
          recountAfterFlush(ctx, flushed);
          if (flushed.signInExpired) await signIn.failed(flushed.signInExpired);
          else if (flushed.sent.length > 0) signIn.ok();
          opts.onSynced?.(report);
          // SMTP was down: come back for the queued replies with backoff, not only when mail arrives.
          // The sign-in expired: come back as soon as `account login` ran, not on a timer.
          const expired = signIn.expired !== null;
          const retryIn = flushed.queued.length > 0 && !expired ? outboxRetry : null;
          outboxRetry = retryIn === null ? firstRetry : Math.min(outboxRetry * 2, OUTBOX_RETRY_MAX_MS);
          await s.open(account.mailbox, true);
          let replyWatch: NodeJS.Timeout | undefined;
          let sentWatch: NodeJS.Timeout | undefined;
          let idling = true;
          const waiting = new AbortController();
          const woke = new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(retryIn ?? Number.POSITIVE_INFINITY, opts.maxIdleMs ?? 10 * 60_000)).unref();
            // A reply another process queued (`attend reply` while SMTP was down): its turn comes
            // after the retry wait, whoever queued it. With the sign-in expired it waits for the login.
            if (retryIn === null && !expired) {
              replyWatch = setInterval(() => {
                if (!hasPendingOutbox(ctx.db, account.name)) return;
                clearInterval(replyWatch);
                setTimeout(resolve, outboxRetry).unref();
              }, 1000);
              replyWatch.unref();
            }
            if (expired) {
              // Back to the top (recheckSignIn, then the outbox) as soon as `account login` ran.
              void signIn.renewed(waiting.signal).then(() => {
                if (!waiting.signal.aborted) resolve();
              });
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
          waiting.abort();
          clearInterval(replyWatch);
          clearInterval(sentWatch);
          wake = null;
        }
      } finally {
        opts.signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      failed = true;
      const expired = signInExpired(err);
      const message = expired ? expired.message : (session ? session.wrap(err) : (err as Error)).message;
      opts.onState?.('offline', message);
      if (expired) {
        // Only a person can fix it: told once, then wait for `attend account login`, not a backoff.
        await signIn.failed(message);
        awaitSignIn = true;
      } else if (message !== lastFailure) {
        ctx.log(`${message}; retrying in ${Math.round(backoff / 1000)}s`);
      }
      lastFailure = message;
    } finally {
      await session?.logout().catch(() => {});
    }
    if (opts.signal.aborted) break;
    if (!failed) opts.onState?.('offline', 'connection closed');
    if (awaitSignIn) {
      // Connects again as soon as `account login` ran (the connect clears the state), or after a while.
      await signIn.renewed(opts.signal);
      backoff = 1000;
      continue;
    }
    await sleep(backoff * (0.5 + Math.random()), opts.signal);
    backoff = Math.min(backoff * 2, 60_000);
  }
}

/**
 * The sign-in expired (found by a send) and the status since showed a new login: a token from it
 * clears the state. Without a new login the state stays until a send works (an old access token
 * may still come from the store and be refused again: no flapping between the two lines).
 */
async function recheckSignIn(logins: MailLogins, signIn: SignInWatch): Promise<void> {
  if (!logins.smtp.tokenSource || !signIn.newSignInSeen) return;
  try {
    await logins.smtp.tokenSource(false);
    signIn.ok();
  } catch (err) {
    const expired = signInExpired(err);
    if (expired) await signIn.failed(expired.message);
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
