// The conversation noun, as every layer reads it: the store builds it (store/conversations.ts), the
// CLI and console show it, the public event feed picks its fields (domain/public-events.ts).
import type { Channel, Priority, Status } from './types.js';

/** A conversation with its customer and its place in the queue. Times are ISO strings. */
export interface ConversationSummary {
  /** The store's own id: what the app passes around. Never shown: people see `number` (domain/team.ts conversationRef). */
  id: number;
  /** The number people use: the id when working alone, the hub's number in a team (null until numbered). */
  number: number | null;
  channel: Channel;
  account: string;
  subject: string;
  /** The address is verified when mail came from it; false when a chat visitor only typed it. */
  customer: { id: number | null; name: string; email: string | null; emailVerified: boolean };
  /** Who, as rows show it: name, address (marked unverified) or "visitor 7f3a · /pricing" (domain/labels.ts). */
  label: string;
  /** Chat: the path of the page the visitor wrote from. */
  page: string | null;
  status: Status;
  priority: Priority;
  assignee: string | null;
  tags: string[];
  snoozedUntil: string | null;
  waitingSince: string | null;
  firstResponseAt: string | null;
  lastMessageAt: string | null;
  messageCount: number;
  preview: string;
  /** When the waiting customer message breaches its response target (null: nobody waits). */
  dueAt: string | null;
  vip: boolean;
  /** Breached past its grace: it sorts behind what is due soon, oldest first (policy/queue.ts). */
  backlog: boolean;
  /** Why the policy ranks it as it does (priority source, VIP); the UI adds time left and channel. */
  reasons: string[];
}

/** The same customer's other conversations, as the conversation view lists them. */
export type HistoryItem = Pick<ConversationSummary, 'id' | 'number' | 'channel' | 'subject' | 'status' | 'lastMessageAt'>;
