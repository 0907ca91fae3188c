import type { TeamChangeEvent } from './team.js';

// What the chat relay records: a message and the durable events of attend.chat.v1 (../shared/PROTOCOL.md).

export interface ChatMessage {
  id: string;
  from: 'visitor' | 'agent';
  author: string;
  body: string;
  sentAt: string; // ISO-8601
}

export type EventData =
  | { kind: 'message'; conversation: number; message: ChatMessage }
  | { kind: 'conversation.opened'; conversation: number; visitor: { name?: string; email?: string; page?: string } }
  | { kind: 'conversation.status'; conversation: number; status: 'open' | 'resolved' }
  | { kind: 'visitor.identified'; conversation: number; name?: string; email?: string }
  /** Team mode: agents only, stored with conversation 0 (never a visitor's). */
  | (TeamChangeEvent & { conversation: 0 });

