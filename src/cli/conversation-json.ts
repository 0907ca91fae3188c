// The conversation as `--json` prints it: `id` is the number people use (the team's, or the store's
// id working alone; null until the team's hub numbers it) and `ref` the string every command
// accepts ("41", or "~12" until numbered). The store's own id stays inside.
import type { ConversationSummary, HistoryItem } from '../domain/conversation.js';
import { conversationRef } from '../domain/team.js';

export type ConversationJson = Omit<ConversationSummary, 'id' | 'number'> & { id: number | null; ref: string };

export function conversationJson(c: ConversationSummary): ConversationJson {
  const { id: _local, number, ...rest } = c;
  return { id: number, ref: conversationRef(c), ...rest };
}

export function historyJson(h: HistoryItem): Omit<HistoryItem, 'id' | 'number'> & { id: number | null; ref: string } {
  const { id: _local, number, ...rest } = h;
  return { id: number, ref: conversationRef(h), ...rest };
}
