// The events `attend watch` prints and hooks receive: the public face of the store's event log.
// Pure: which stored events are public and under which name, and the shape a bot acts on.
// Internal bookkeeping (reply.queued/retried, note.added, tags, priority, focus.*) stays private:
// it is there for stats and the console, and renaming it must not break anyone's script.
import type { ConversationSummary } from './conversation.js';
import type { LoggedEvent } from './event.js';
import type { MessageView } from './message.js';
import type { Channel } from './types.js';

export const PUBLIC_EVENT_TYPES = [
  'message.received',
  'message.sent',
  'message.failed',
  'conversation.opened',
  'conversation.status',
  'conversation.assigned',
  'conversation.snoozed',
  'conversation.reopened',
  'sla.warning',
  'sla.breached',
  'channel.connected',
  'channel.disconnected',
] as const;

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

/** Stored type → public type. Types absent here are internal. */
const PUBLIC_NAME: Readonly<Record<string, PublicEventType>> = {
  'message.received': 'message.received',
  'reply.sent': 'message.sent',
  'reply.failed': 'message.failed',
  'conversation.created': 'conversation.opened',
  'conversation.resolved': 'conversation.status',
  'conversation.pending': 'conversation.status',
  'conversation.assigned': 'conversation.assigned',
  'conversation.snoozed': 'conversation.snoozed',
  'conversation.reopened': 'conversation.reopened',
  'sla.warning': 'sla.warning',
  'sla.breached': 'sla.breached',
  'channel.connected': 'channel.connected',
  'channel.disconnected': 'channel.disconnected',
};

export function publicTypeOf(storedType: string): PublicEventType | null {
  return Object.hasOwn(PUBLIC_NAME, storedType) ? (PUBLIC_NAME[storedType] ?? null) : null;
}

export const isMessageEvent = (t: PublicEventType): boolean => t.startsWith('message.');

/** The conversation an event is about, as it is when the event is printed (not as it was then). */
export type EventConversation = {
  /** The number people use (domain/team.ts): the store's id working alone; null until the team's hub numbers it. */
  id: number | null;
  /** What every command accepts: the number, or "~<local id>" until numbered. */
  ref: string;
} & Pick<ConversationSummary, 'channel' | 'account' | 'subject' | 'status' | 'priority' | 'assignee' | 'tags' | 'customer' | 'waitingSince' | 'dueAt'>;

/** The message a message event is about: the public fields of the message noun. */
export type EventMessage = Pick<MessageView, 'id' | 'direction' | 'from' | 'text' | 'sentAt' | 'deliveryState' | 'attachments'>;

interface Base<T extends PublicEventType> {
  /** Position in the store's event log: `attend watch --since SEQ` resumes after it. */
  seq: number;
  type: T;
  at: string;
  conversation: EventConversation | null;
}

export type PublicEvent =
  | (Base<'message.received'> & { message: EventMessage | null })
  | (Base<'message.sent'> & { message: EventMessage | null })
  | (Base<'message.failed'> & { message: EventMessage | null; error: string | null })
  | Base<'conversation.opened'>
  | (Base<'conversation.status'> & { status: 'resolved' | 'pending' })
  | (Base<'conversation.assigned'> & { assignee: string | null })
  | (Base<'conversation.snoozed'> & { until: string | null })
  | (Base<'conversation.reopened'> & { reason: string })
  | (Base<'sla.warning'> & { dueAt: string; leadMinutes: number })
  | (Base<'sla.breached'> & { dueAt: string })
  | (Base<'channel.connected'> & { account: string; channel: Channel })
  | (Base<'channel.disconnected'> & { account: string; channel: Channel; reason: string | null });

const iso = (ms: number): string => new Date(ms).toISOString();
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const channelOf = (v: unknown): Channel => (v === 'chat' ? 'chat' : 'email');

/** Why a conversation was reopened, from what each writer records. */
function reopenReason(d: Record<string, unknown>): string {
  if (typeof d.reason === 'string') return d.reason; // 'customer replied', 'snooze ended'
  return d.by === 'relay' ? 'reopened on the relay' : 'reopened by an agent';
}

/**
 * The public event for a logged one, or null when it is internal. `conversation` and `message`
 * are looked up by the caller (store/event-feed.ts); the rest comes from the event's own data,
 * so a replay tells what happened then (the status it got, who it was assigned to).
 */
export function toPublicEvent(e: LoggedEvent, refs: { conversation: EventConversation | null; message: EventMessage | null }): PublicEvent | null {
  const type = publicTypeOf(e.type);
  if (type === null) return null;
  const base = { seq: e.seq, at: iso(e.at), conversation: refs.conversation };
  const d = e.data;
  switch (type) {
    case 'message.received':
    case 'message.sent':
      return { ...base, type, message: refs.message };
    case 'message.failed':
      return { ...base, type, message: refs.message, error: str(d.error) };
    case 'conversation.opened':
      return { ...base, type };
    case 'conversation.status':
      return { ...base, type, status: e.type === 'conversation.pending' ? 'pending' : 'resolved' };
    case 'conversation.assigned':
      return { ...base, type, assignee: str(d.assignee) };
    case 'conversation.snoozed':
      return { ...base, type, until: str(d.until) };
    case 'conversation.reopened':
      return { ...base, type, reason: reopenReason(d) };
    case 'sla.warning':
      return { ...base, type, dueAt: iso(num(d.dueAt) ?? e.at), leadMinutes: num(d.leadMinutes) ?? 0 };
    case 'sla.breached':
      return { ...base, type, dueAt: iso(num(d.dueAt) ?? e.at) };
    case 'channel.connected':
      return { ...base, type, account: str(d.account) ?? '', channel: channelOf(d.channel) };
    case 'channel.disconnected':
      return { ...base, type, account: str(d.account) ?? '', channel: channelOf(d.channel), reason: str(d.reason) };
  }
}

/** The account an event belongs to (`attend watch --account`). */
export function accountOf(e: PublicEvent): string | null {
  if (e.type === 'channel.connected' || e.type === 'channel.disconnected') return e.account;
  return e.conversation?.account ?? null;
}
