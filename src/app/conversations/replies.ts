import { randomUUID } from 'node:crypto';
import { composeReplyText, replyReferences, replySubject } from '../../domain/reply.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { findAccount } from '../../config/accounts.js';
import { type OutboxItem, type QueuedItem, enqueueChat, enqueueEmail } from '../../store/outbox.js';
import { findChatAccount } from '../chat/chat-account.js';
import type { AppContext } from '../context.js';

export class NotFoundError extends Error {}

export type QueuedReply = { channel: 'email'; item: OutboxItem; account: EmailAccount } | { channel: 'chat'; item: QueuedItem; account: ChatAccount };

/** Writes a reply to the outbox (nothing is sent yet), for either channel. */
export function queueReply(ctx: AppContext, conversationId: number, body: string, opts: { automatic?: boolean } = {}): QueuedReply {
  const conv = ctx.db.prepare('SELECT id, account, channel, external_ref FROM conversations WHERE id = ?').get(conversationId) as
    | { id: number; account: string; channel: string; external_ref: string | null }
    | undefined;
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  if (conv.channel === 'chat') {
    const account = findChatAccount(ctx, conv.account);
    if (!account) throw new Error(`conversation ${conversationId} belongs to chat account ${conv.account}, which is not configured`);
    const now = ctx.now();
    const item = enqueueChat(
      ctx.db,
      conversationId,
      account.name,
      { key: `attend-${randomUUID()}`, relayConversation: Number(conv.external_ref), body: body.trim(), author: account.agentName ?? ctx.settings.get('agent').name, date: now },
      now,
      opts.automatic === true,
    );
    return { channel: 'chat', item, account };
  }
  return { channel: 'email', ...queueEmailReply(ctx, conversationId, body) };
}

/** Builds the reply to the newest customer message and writes it to the outbox (nothing is sent yet). */
export function queueEmailReply(ctx: AppContext, conversationId: number, body: string): { item: OutboxItem; account: EmailAccount } {
  const conv = ctx.db.prepare('SELECT id, account, channel FROM conversations WHERE id = ?').get(conversationId) as
    | { id: number; account: string; channel: string }
    | undefined;
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  const account = findAccount(ctx.settings, conv.account);
  if (account?.type !== 'email') throw new Error(`conversation ${conversationId} belongs to account ${conv.account}, which is not configured`);
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
