import { randomUUID } from 'node:crypto';
import { composeReplyText, replyReferences, replySubject } from '../../domain/reply.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { findAccount } from '../../config/accounts.js';
import { type OutboxItem, type QueuedItem, enqueueChat, enqueueEmail } from '../../store/outbox.js';
import { conversationChannel, relayConversationOf } from '../../store/conversation-refs.js';
import { newestCustomerMessage, threadMessageIds } from '../../store/reply-context.js';
import { findChatAccount } from '../channels/accounts.js';
import type { AppContext } from '../context.js';
import { refOf } from './conversation-ref.js';

export class NotFoundError extends Error {}

export type QueuedReply = { channel: 'email'; item: OutboxItem; account: EmailAccount } | { channel: 'chat'; item: QueuedItem; account: ChatAccount };

/** Writes a reply to the outbox (nothing is sent yet), for either channel. */
export function queueReply(ctx: AppContext, conversationId: number, body: string, opts: { automatic?: boolean } = {}): QueuedReply {
  const conv = conversationChannel(ctx.db, conversationId);
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  const relay = conv.channel === 'chat' ? relayConversationOf(ctx.db, conversationId) : undefined;
  if (relay) {
    const account = findChatAccount(ctx, conv.account);
    if (!account) throw new Error(`conversation ${refOf(ctx, conversationId)} belongs to chat account ${conv.account}, which is not configured`);
    const now = ctx.now();
    const item = enqueueChat(
      ctx.db,
      conversationId,
      account.name,
      { key: `attend-${randomUUID()}`, relayConversation: relay.relayConversation, body: body.trim(), author: account.agentName ?? ctx.settings.get('agent').name, date: now },
      now,
      opts.automatic === true,
    );
    return { channel: 'chat', item, account };
  }
  return { channel: 'email', ...queueEmailReply(ctx, conversationId, body) };
}

/** Builds the reply to the newest customer message and writes it to the outbox (nothing is sent yet). */
export function queueEmailReply(ctx: AppContext, conversationId: number, body: string): { item: OutboxItem; account: EmailAccount } {
  const conv = conversationChannel(ctx.db, conversationId);
  if (!conv) throw new NotFoundError(`no conversation ${conversationId}`);
  const account = findAccount(ctx.settings, conv.account);
  if (account?.type !== 'email') throw new Error(`conversation ${refOf(ctx, conversationId)} belongs to account ${conv.account}, which is not configured`);
  const parent = newestCustomerMessage(ctx.db, conversationId);
  if (!parent || parent.fromAddr === '') throw new Error(`conversation ${refOf(ctx, conversationId)} has no customer message with an address to reply to`);
  const threadIds = threadMessageIds(ctx.db, conversationId);
  const domain = account.email.split('@')[1] ?? 'localhost';
  const parentView = {
    messageId: parent.externalId,
    from: { name: parent.fromName, email: parent.fromAddr },
    subject: parent.subject,
    sentAt: parent.sentAt,
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
      inReplyTo: parent.externalId.endsWith('@attend.invalid') ? null : parent.externalId,
      references: parent.externalId.endsWith('@attend.invalid') ? [] : replyReferences(threadIds, parent.externalId),
      date: now,
    },
    now,
  );
  return { item, account };
}
