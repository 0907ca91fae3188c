// Response targets and due times. Pure: facts + settings + a clock passed in.
import type { Channel, Priority } from '../domain/types.js';

export interface Target {
  /** Minutes to the first response to a new conversation. */
  firstMinutes: number;
  /** Minutes to answer each later customer message. */
  nextMinutes: number;
}

export interface SlaSettings {
  channels: Record<Channel, Target>;
  /** Optional overrides per priority (e.g. urgent email: 1 h). */
  priorities?: Partial<Record<Priority, Partial<Record<Channel, Partial<Target>>>>>;
  /** VIP customers: exact addresses or "@domain". Their targets are scaled by vipFactor. */
  vip?: { match: string[]; factor: number };
  /** How breached conversations are ordered; absent: DEFAULT_QUEUE_ORDER. */
  order?: QueueOrder;
}

/**
 * How breached conversations are ordered (policy/queue.ts): a conversation breached for longer than
 * `graceTargets` of its own target is backlog, and backlog sorts right after whatever is due within
 * its channel's `backlogAfterMinutes`, oldest first.
 */
export interface QueueOrder {
  graceTargets: number;
  backlogAfterMinutes: Record<Channel, number>;
}

/** Chosen with the queue simulation (`npm run simulate`; README "Queue order"). */
export const DEFAULT_QUEUE_ORDER: QueueOrder = { graceTargets: 0, backlogAfterMinutes: { chat: 2, email: 60 } };

export const queueOrderOf = (s: SlaSettings): QueueOrder => s.order ?? DEFAULT_QUEUE_ORDER;

export const DEFAULT_SLA: SlaSettings = {
  channels: {
    chat: { firstMinutes: 2, nextMinutes: 5 },
    email: { firstMinutes: 4 * 60, nextMinutes: 8 * 60 },
  },
  vip: { match: [], factor: 0.5 },
  order: DEFAULT_QUEUE_ORDER,
};

export interface SlaFacts {
  channel: Channel;
  priority: Priority;
  /** The first customer message not yet answered (epoch ms), or null when nobody waits. */
  waitingSince: number | null;
  /** Whether the conversation has had any response yet (first vs next response target). */
  answeredBefore: boolean;
  customerEmails: string[];
}

export function isVip(emails: string[], vip: SlaSettings['vip']): boolean {
  if (!vip || vip.match.length === 0) return false;
  return emails.some((e) => {
    const addr = e.toLowerCase();
    return vip.match.some((m) => {
      const rule = m.toLowerCase();
      return rule.startsWith('@') ? addr.endsWith(rule) : addr === rule;
    });
  });
}

export function targetMinutes(f: SlaFacts, s: SlaSettings): number {
  const base = s.channels[f.channel];
  const over = s.priorities?.[f.priority]?.[f.channel];
  const minutes = f.answeredBefore ? (over?.nextMinutes ?? base.nextMinutes) : (over?.firstMinutes ?? base.firstMinutes);
  return isVip(f.customerEmails, s.vip) ? minutes * (s.vip?.factor ?? 1) : minutes;
}

/** When the current customer message breaches its target; null when nobody is waiting. */
export function dueAt(f: SlaFacts, s: SlaSettings): number | null {
  if (f.waitingSince === null) return null;
  return f.waitingSince + Math.round(targetMinutes(f, s) * 60_000);
}
