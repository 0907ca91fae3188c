// Delivers queued replies so that none is lost and none goes out twice.
//   queued ─commit sending─▶ SMTP ─commit accepted─▶ APPEND to Sent + \Answered ─commit sent
// After a crash, an item left in `sending` may or may not have reached the server: it is re-sent only
// when its Message-ID is not in the Sent mailbox (and never blind, when Sent cannot be checked).
import type { ImapSession } from '../adapters/email/imap-session.js';
import { toUidSet } from '../adapters/email/imap-session.js';
import { SmtpError, type SmtpLogin, buildRaw, sendRaw } from '../adapters/email/smtp-send.js';
import type { EmailAccount } from '../config/settings.js';
import { type OutboxItem, pendingOutbox, setOutboxState } from '../store/outbox.js';
import type { AppContext } from './context.js';

export interface FlushReport {
  sent: string[];
  queued: string[];
  failed: Array<{ messageId: string; error: string }>;
  lastError: string | null;
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
  const report: FlushReport = { sent: [], queued: [], failed: [], lastError: null };
  let smtpDown = false;
  for (const item of pendingOutbox(ctx.db, account.name)) {
    if (only !== undefined && item.id !== only) continue;
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
        }
      } else {
        const message = imap ? imap.wrap(err).message : (err as Error).message;
        report.lastError = message;
        ctx.log(`outbox: ${message}`);
        if (item.state === 'accepted' || item.state === 'sent') report.sent.push(item.messageId);
        else report.queued.push(item.messageId);
      }
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
  const row = ctx.db
    .prepare('SELECT uid, mailbox FROM messages WHERE account = ? AND external_id = ? AND uid IS NOT NULL')
    .get(account.name, parent) as { uid: number; mailbox: string } | undefined;
  if (!row) return;
  await imap.open(row.mailbox, false);
  await imap.addFlags(toUidSet([row.uid]), ['\\Answered']);
}

/** Lets the crash-safety test kill the process at the worst moment. Inert unless the variable names this point. */
function crashPointForTests(point: string): void {
  if (process.env.ATTEND_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
