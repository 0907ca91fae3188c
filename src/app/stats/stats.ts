// The numbers behind `attend stats` and the console's stats screen: one call, the same answer in both.
import type { Channel } from '../../domain/types.js';
import { STATS_EVENT_TYPES, type Stats, computeStats } from '../../policy/stats.js';
import { statsEvents } from '../../store/stats-events.js';
import type { AppContext } from '../context.js';
import { currentPolicy } from '../queue/policy.js';

export interface StatsQuery {
  /** Start of the period, epoch ms (inclusive). */
  from: number;
  /** End of the period, epoch ms (inclusive); default now. */
  to?: number;
  /** Only this channel. */
  channel?: Channel;
}

/** Reads the event log for the period and computes the metrics against the current response targets. */
export async function loadStats(ctx: Pick<AppContext, 'db' | 'env' | 'now'>, q: StatsQuery): Promise<Stats> {
  const to = q.to ?? ctx.now();
  const policy = await currentPolicy(ctx.db, ctx.env);
  const { events, channels } = statsEvents(ctx.db, STATS_EVENT_TYPES, q.from, to);
  return computeStats({
    events,
    channels,
    targets: policy.sla.channels,
    from: q.from,
    to,
    ...(q.channel ? { channel: q.channel } : {}),
    ...(policy.sla.hours ? { calendars: policy.sla.hours } : {}),
  });
}
