// Reads the queue as the policy sees it (Ranked items), from the ranks cached in the store.
import type { QueueFacts, Ranked } from '../../policy/queue.js';
import { timeLeftLabel } from '../../policy/queue.js';
import { timeLeft as businessTimeLeft } from '../../policy/business-hours.js';
import { calendarOf, type SlaSettings } from '../../policy/sla.js';
import type { Db } from '../../store/db.js';
import { type RankedRow as Row, rankedRow, waitingRows } from '../../store/ranked-rows.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import { getConversation, type ListFilter, listConversations, wakeSnoozed } from '../../store/conversations.js';
import type { AppContext } from '../context.js';
import { prepareQueue } from './policy.js';

function toRanked(r: Row, now: number, sla?: SlaSettings): Ranked<QueueFacts> {
  const timeLeft = r.due_at === null ? null : r.due_at - now;
  const cal = sla ? calendarOf(sla, r.channel) : undefined;
  const backlog = r.backlog_slot > 0;
  const reasons = JSON.parse(r.rank_reasons) as string[];
  return {
    item: {
      id: r.id,
      number: r.number,
      channel: r.channel,
      priority: r.priority,
      waitingSince: r.waiting_since,
      answeredBefore: r.first_response_at !== null,
      customerEmails: [],
      lastMessageAt: r.last_message_at,
    },
    dueAt: r.due_at,
    targetMs: r.due_at === null || r.waiting_since === null ? null : r.due_at - r.waiting_since,
    timeLeft,
    openLeft: r.due_at === null ? null : businessTimeLeft(now, r.due_at, cal),
    breached: timeLeft !== null && timeLeft < 0,
    backlog,
    vip: r.vip === 1,
    // The store's key at this clock (store/queue-order.ts): backlog sorts at now + its lead.
    sortKey: backlog ? now + r.backlog_slot - 1 : r.queue_key,
    reasons: backlog ? [...reasons, 'backlog'] : reasons,
  };
}

/**
 * Open conversations someone waits on, in queue order (the head of the queue: what focus picks
 * from). With `sla`, time left is also counted in its business hours (openLeft).
 */
export function waitingQueue(db: Db, now: number, limit = 1000, sla?: SlaSettings): Ranked<QueueFacts>[] {
  const rows = waitingRows(db, now, limit);
  return rows.map((r) => toRanked(r, now, sla));
}

export function rankedOne(db: Db, id: number, now: number, sla?: SlaSettings): Ranked<QueueFacts> | undefined {
  const r = rankedRow(db, id);
  return r ? toRanked(r, now, sla) : undefined;
}

/** The time part of a rank's reasons for a stored due time ("overdue 3m"), or "" when nobody waits. */
export function dueLabel(dueAt: string | number | null, now: number): string {
  if (dueAt === null) return '';
  return timeLeftLabel((typeof dueAt === 'number' ? dueAt : Date.parse(dueAt)) - now);
}

/** Snoozes that ended by the clock reopen (a cron `attend sync` records them too, not only watchers). */
export function wakeSnoozedNow(ctx: Pick<AppContext, 'db' | 'now'>): void {
  wakeSnoozed(ctx.db, ctx.now());
}

/** `attend list`: brings the queue up to date (snoozes, ranks, backlog), then reads it in queue order. */
export async function listQueue(ctx: AppContext, filter: Omit<ListFilter, 'offset'>): Promise<ConversationSummary[]> {
  wakeSnoozedNow(ctx);
  await prepareQueue(ctx);
  return listConversations(ctx.db, { ...filter, now: ctx.now() });
}

/** How a conversation's customer is shown in one line (a name, an address, or a visitor tag). */
export function conversationLabel(ctx: Pick<AppContext, 'db'>, id: number): string | undefined {
  return getConversation(ctx.db, id)?.label;
}
