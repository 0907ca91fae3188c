// What the console's conversation pane shows, read from the store in one go: the conversation,
// its messages, the customer's other conversations, why the last reply failed, and what a chat
// visitor's typed address claims. The UI reads conversations only through here.
import type { ConversationSummary, HistoryItem } from '../../domain/conversation.js';
import type { MessageView } from '../../domain/message.js';
import { conversationMessages, customerHistory, getConversation } from '../../store/conversations.js';
import { type ClaimedIdentity, claimedIdentity } from '../../store/customers.js';
import { lastFailure } from '../../store/outbox.js';
import type { Runtime } from '../runtime.js';

export interface ConversationData {
  conversation: ConversationSummary;
  messages: MessageView[];
  history: HistoryItem[];
  failedReason: string | null;
  /** What a chat visitor's typed address claims (unverified), and that address's email history. */
  claim: ClaimedIdentity | null;
}

export function readConversation(runtime: Pick<Runtime, 'ctx'>, id: number): ConversationData | null {
  const db = runtime.ctx.db;
  const conversation = getConversation(db, id);
  if (!conversation) return null;
  return {
    conversation,
    messages: conversationMessages(db, id),
    history: conversation.customer.id === null ? [] : customerHistory(db, conversation.customer.id, id),
    failedReason: lastFailure(db, id),
    claim: claimedIdentity(db, conversation.customer.id),
  };
}
