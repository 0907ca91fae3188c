import type { ImapSession } from '../../adapters/email/imap-session.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { connectChat, flushChatOutbox } from '../chat/chat-account.js';
import { claimHolder, getOutboxItem, type OutboxState } from '../../store/outbox.js';
import type { AppContext } from '../context.js';
import { type MailLogins, mailLogins, tokenUnavailable } from '../email/mail-login.js';
import { CLAIM_OWNER, claimHolderGone, flushOutbox } from '../email/outbox-runner.js';
import { recountAfterFlush } from './failed-reply.js';

export interface SendResult {
  state: OutboxState;
  error: string | null;
}

/**
 * Tries to deliver one queued reply right away. IMAP (for the Sent copy and the duplicate check)
 * is best effort: SMTP alone is enough to send a reply that was never attempted before.
 */
/** Connects to the relay and sends one queued chat reply; `queued` when the relay is unreachable. */
export async function sendChatNow(ctx: AppContext, account: ChatAccount, outboxId: number): Promise<SendResult> {
  let session: Awaited<ReturnType<typeof connectChat>>;
  try {
    session = await connectChat(ctx, account, false);
  } catch (err) {
    return { state: 'queued', error: (err as Error).message };
  }
  try {
    const r = await flushChatOutbox(ctx, account, session.client, outboxId);
    const item = getOutboxItem(ctx.db, outboxId);
    return { state: item?.state ?? 'queued', error: r.lastError };
  } finally {
    await session.client.close();
  }
}

export async function sendNow(ctx: AppContext, account: EmailAccount, outboxId: number): Promise<SendResult> {
  let logins: MailLogins;
  try {
    logins = await mailLogins(ctx, account);
  } catch (err) {
    return { state: 'queued', error: (err as Error).message };
  }
  let session: ImapSession | null = null;
  try {
    session = await logins.connectImap({ timeoutMs: 10_000 });
  } catch (err) {
    // No token to be had (sign-in expired, provider down): SMTP needs the same one. The reply
    // stays queued, and its one line says why (`attend reply` exits 75).
    if (tokenUnavailable(err)) return { state: 'queued', error: (err as Error).message };
    ctx.log(`${(err as Error).message}; sending without the Sent copy for now`);
  }
  try {
    const report = await flushOutbox(ctx, account, logins.smtp, session, outboxId);
    await awaitOtherClaimer(ctx, outboxId);
    recountAfterFlush(ctx, report);
    const item = getOutboxItem(ctx.db, outboxId);
    return { state: item?.state ?? 'queued', error: item?.lastError ?? report.lastError };
  } finally {
    await session?.logout();
  }
}

/**
 * Another attend process (a sync flushing at the same moment) may hold the reply's claim: it is
 * the one sending it, so wait a little for its outcome rather than call a reply that is going out
 * "queued". Bounded: past the wait the reply is reported queued, which it still truly is.
 */
async function awaitOtherClaimer(ctx: AppContext, outboxId: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = getOutboxItem(ctx.db, outboxId)?.state;
    const holder = claimHolder(ctx.db, outboxId);
    const heldElsewhere =
      (state === 'queued' || state === 'sending') &&
      holder?.owner != null &&
      holder.owner !== CLAIM_OWNER &&
      holder.leaseUntil > ctx.now() &&
      !claimHolderGone(holder.owner);
    if (!heldElsewhere) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
