// `attend show`: one conversation as the CLI prints it — the conversation (snoozes that ended are
// woken first, so its status is current), its messages, the customer's other conversations and,
// for a chat visitor who typed an address, who they claim to be. The CLI reads it through here.
import type { ConversationSummary, HistoryItem } from '../../domain/conversation.js';
import type { MessageView } from '../../domain/message.js';
import { conversationMessages, customerHistory, getConversation, wakeSnoozed } from '../../store/conversations.js';
import { type ClaimedIdentity, claimedIdentity } from '../../store/customers.js';
import type { AppContext } from '../context.js';

export interface ConversationDetail {
  conversation: ConversationSummary;
  messages: MessageView[];
  /** Unverified: what a chat visitor's typed address links to (null when they typed none). */
  claimsToBe: ClaimedIdentity | null;
  customerHistory: HistoryItem[];
}

/** Undefined when there is no such conversation. */
export function conversationDetail(ctx: Pick<AppContext, 'db' | 'now'>, id: number): ConversationDetail | undefined {
  wakeSnoozed(ctx.db, ctx.now());
  const conversation = getConversation(ctx.db, id);
  if (!conversation) return undefined;
  const customerId = conversation.customer.id;
  return {
    conversation,
    messages: conversationMessages(ctx.db, id),
    // A chat visitor's typed address is linked to that address's email history only as a claim.
    claimsToBe: claimedIdentity(ctx.db, customerId),
    customerHistory: customerId === null ? [] : customerHistory(ctx.db, customerId, id),
  };
}
