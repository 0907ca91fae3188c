import { randomUUID } from 'node:crypto';
import { composeReplyText, replyReferences, replySubject } from '../domain/reply.js';
import type { EmailAccount } from '../config/settings.js';
import { findAccount } from '../config/settings.js';
import { type OutboxItem, enqueueEmail } from '../store/outbox.js';
import type { AppContext } from './context.js';

export class NotFoundError extends Error {}

/** Builds the reply to the newest customer message and writes it to the outbox (nothing is sent yet). */
export function queueEmailReply(ctx: AppContext, conversationId: number, body: string): { item: OutboxItem; account: EmailAccount } {
  const conv = ctx.db.prepare('SELECT id, account, channel FROM conversations WHERE id = ?').get(conversationId) as
    | { id: number; account: string; channel: string }
    | undefined;
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  const account = findAccount(ctx.settings, conv.account);
  if (!account) throw new Error(`conversation ${conversationId} belongs to account ${conv.account}, which is not configured`);
  const parent = ctx.db
    .prepare(
      `SELECT external_id, from_name, from_addr, subject, sent_at, text FROM messages
       WHERE conversation_id = ? AND direction = 'in' ORDER BY sent_at DESC, id DESC LIMIT 1`,
    )
    .get(conversationId) as { external_id: string; from_name: string; from_addr: string; subject: string; sent_at: number; text: string } | undefined;
  if (!parent || parent.from_addr === '') throw new Error(`conversation ${conversationId} has no customer message with an address to reply to`);
  const threadIds = (
    ctx.db
      .prepare("SELECT external_id FROM messages WHERE conversation_id = ? AND direction IN ('in', 'out') ORDER BY sent_at, id")
      .all(conversationId) as Array<{ external_id: string }>
  ).map((r) => r.external_id);
  const domain = account.email.split('@')[1] ?? 'localhost';
  const parentView = {
    messageId: parent.external_id,
    from: { name: parent.from_name, email: parent.from_addr },
    subject: parent.subject,
    sentAt: parent.sent_at,
    text: parent.text,
  };
  const now = ctx.now();
  const item = enqueueEmail(
    ctx.db,
    conversationId,
    account.name,
    {
      // Fixed now, before any network I/O: the key that tells "already sent" after a crash.
      messageId: `attend.${randomUUID()}@${domain}`,
      from: { name: account.displayName ?? '', email: account.email },
      to: [parentView.from],
      subject: replySubject(parent.subject),
      text: composeReplyText(body, parentView),
      inReplyTo: parent.external_id.endsWith('@attend.invalid') ? null : parent.external_id,
      references: parent.external_id.endsWith('@attend.invalid') ? [] : replyReferences(threadIds, parent.external_id),
      date: now,
    },
    now,
  );
  return { item, account };
}
