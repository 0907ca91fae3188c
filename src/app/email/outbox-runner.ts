// Delivers queued replies so that none is lost and none goes out twice.
//   claim ─▶ queued ─commit sending─▶ SMTP ─commit accepted─▶ APPEND to Sent + \Answered ─commit sent ─▶ release
// Several attend processes may flush the same store at once (`attend reply` while `attend sync` runs):
// each item is claimed first with a compare-and-set in SQLite (store/outbox.ts), and only the process
// holding the claim touches it. A claim is a lease: one whose holder died or hung lapses, and then
// another process takes the item over.
// After a crash, an item left in `sending` may or may not have reached the server: it is re-sent only
// when its Message-ID is not in the Sent mailbox (and never blind, when Sent cannot be checked).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ImapSession } from '../../adapters/email/imap-session.js';
import { toUidSet } from '../../adapters/email/imap-session.js';
import { SmtpError, type SmtpLogin, buildRaw, sendRaw } from '../../adapters/email/smtp-send.js';
import type { EmailAccount } from '../../config/settings.js';
import { mailboxPlaceOf } from '../../store/conversation-refs.js';
import { type OutboxItem, claimOutboxItem, getOutboxItem, pendingOutbox, releaseClaim, renewClaim, setOutboxState } from '../../store/outbox.js';
import type { AppContext } from '../context.js';
import { SignInExpiredError } from './sign-in-errors.js';

export interface FlushReport {
  sent: string[];
  queued: string[];
  failed: Array<{ messageId: string; error: string }>;
  lastError: string | null;
  /** The OAuth2 sign-in expired while sending: its one line (the replies stay queued for `account login`). */
  signInExpired: string | null;
}

/** This process's name on the claims it holds: host and pid tell whether it still lives, the nonce that a reused pid is not us. */
export const CLAIM_OWNER = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * True when a claim's holder is certainly dead: a process of this machine whose pid no longer exists.
 * (The store is a local SQLite file in WAL mode, so every claimer runs on this machine.) Anything
 * else — another host, a pid that exists, even as another user's — is presumed alive and waits for its lease.
 */
export function claimHolderGone(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // us, or a thread of us (a dead process that had our pid waits for its lease)
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** One flush per account at a time in this process: the console sends now while its watcher may flush too. */
const flushing = new Map<string, Promise<unknown>>();

export function flushOutbox(ctx: AppContext, account: EmailAccount, smtp: SmtpLogin, imap: ImapSession | null, only?: number): Promise<FlushReport> {
  const before = flushing.get(account.name) ?? Promise.resolve();
  const run = before.then(
    () => flushOnce(ctx, account, smtp, imap, only),
    () => flushOnce(ctx, account, smtp, imap, only),
  );
  flushing.set(account.name, run);
  void run.finally(() => {
    if (flushing.get(account.name) === run) flushing.delete(account.name);
  }).catch(() => {});
  return run;
}

async function flushOnce(ctx: AppContext, account: EmailAccount, smtp: SmtpLogin, imap: ImapSession | null, only?: number): Promise<FlushReport> {
  const report: FlushReport = { sent: [], queued: [], failed: [], lastError: null, signInExpired: null };
  let smtpDown = false;
  for (const listed of pendingOutbox(ctx.db, account.name)) {
    if (only !== undefined && listed.id !== only) continue;
    // Only the claimer sends. Its state is read again under the claim: another process may have
    // moved it on since the list was read.
    const item = claimOutboxItem(ctx.db, listed.id, CLAIM_OWNER, ctx.now(), { holderGone: claimHolderGone });
    if (!item) {
      // Another attend process is working on it (or just finished it): not ours to send.
      const state = getOutboxItem(ctx.db, listed.id)?.state;
      if (state === 'queued' || state === 'sending') report.queued.push(listed.messageId);
      continue;
    }
    try {
      if (item.state === 'sending') {
        // A previous run died mid-send. Never re-send without looking in Sent first.
        if (!imap) {
          report.queued.push(item.messageId);
          continue;
        }
        if (await inSent(imap, account, item)) {
          setOutboxState(ctx.db, item, 'accepted', ctx.now());
        }
      }
      if (item.state === 'queued' || item.state === 'sending') {
        if (smtpDown) {
          report.queued.push(item.messageId);
          continue;
        }
        const raw = await buildRaw(item.payload);
        if (!renewClaim(ctx.db, item.id, CLAIM_OWNER, ctx.now())) {
          report.queued.push(item.messageId); // our lease lapsed (a long Sent check) and another process took it over
          continue;
        }
        setOutboxState(ctx.db, item, 'sending', ctx.now());
        await sendRaw(smtp, item.payload, raw);
        crashPointForTests('after-smtp');
        setOutboxState(ctx.db, item, 'accepted', ctx.now());
        crashPointForTests('after-accepted');
      }
      if (item.state === 'accepted') {
        if (!imap) {
          report.sent.push(item.messageId); // delivered; the Sent copy follows on the next sync
          continue;
        }
        if (!renewClaim(ctx.db, item.id, CLAIM_OWNER, ctx.now())) {
          report.sent.push(item.messageId); // delivered; the process that took it over files the copy
          continue;
        }
        await recordInMailbox(ctx, imap, account, item);
        setOutboxState(ctx.db, item, 'sent', ctx.now());
      }
      report.sent.push(item.messageId);
    } catch (err) {
      if (err instanceof SmtpError) {
        report.lastError = err.message;
        if (err.kind === 'permanent') {
          setOutboxState(ctx.db, item, 'failed', ctx.now(), err.message);
          report.failed.push({ messageId: item.messageId, error: err.message });
        } else {
          // Ambiguous: keep `sending` so the next run checks Sent before trying again.
          setOutboxState(ctx.db, item, err.kind === 'ambiguous' ? 'sending' : 'queued', ctx.now(), err.message);
          report.queued.push(item.messageId);
          smtpDown = err.kind === 'transient';
          // No token (expired sign-in): the server never saw the message; it waits for `account login`.
          if (err.cause instanceof SignInExpiredError) report.signInExpired = err.message;
        }
      } else {
        const message = imap ? imap.wrap(err).message : (err as Error).message;
        report.lastError = message;
        ctx.log(`outbox: ${message}`);
        if (item.state === 'accepted' || item.state === 'sent') report.sent.push(item.messageId);
        else report.queued.push(item.messageId);
      }
    } finally {
      releaseClaim(ctx.db, item.id, CLAIM_OWNER);
    }
  }
  return report;
}

async function inSent(imap: ImapSession, account: EmailAccount, item: OutboxItem): Promise<boolean> {
  await imap.open(account.sentMailbox, true);
  return (await imap.findByMessageId(item.messageId)).length > 0;
}

/** Appends the exact bytes to Sent (unless a server-side copy exists) and marks the answered message \Answered. */
async function recordInMailbox(ctx: AppContext, imap: ImapSession, account: EmailAccount, item: OutboxItem): Promise<void> {
  if (!(await inSent(imap, account, item))) {
    await imap.append(account.sentMailbox, await buildRaw(item.payload), ['\\Seen']);
  }
  const parent = item.payload.inReplyTo;
  if (!parent) return;
  const row = mailboxPlaceOf(ctx.db, account.name, parent);
  if (!row) return;
  await imap.open(row.mailbox, false);
  await imap.addFlags(toUidSet([row.uid]), ['\\Answered']);
}

/** Lets the crash-safety test kill the process at the worst moment. Inert unless the variable names this point. */
function crashPointForTests(point: string): void {
  if (process.env.ATTEND_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
