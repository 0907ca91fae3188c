// Metrics from the store's own event log. Pure: events + each conversation's channel + targets + a
// period in, numbers out. Definitions (README "Metrics" says the same):
//
// - opened: conversation.created events in the period.
// - resolved: conversations with a conversation.resolved event in the period (each counts once).
// - first response: from a conversation's first message.received to its first reply.sent, for
//   conversations whose first customer message is in the period. A reply.sent marked automatic
//   (focus mode's queue notice) is not a response. No reply by the end of the period: "unanswered".
// - within target: the share of those first responses that came within the channel's
//   first-response target (settings sla.<channel>.firstMinutes; priority and VIP overrides are not
//   applied: this measures the channel). Unanswered conversations are not in the share.
// - next response: each customer message that arrives after a reply (the first of a run, as the
//   queue's "waiting since") to the next reply.sent, when that customer message is in the period.
// - resolution: conversation.created to the conversation's last resolution in the period.
// - p50 / p90: nearest rank — the value at position ceil(p·n) of the sorted list, always a real
//   measurement, never an interpolation; null when there is none (never NaN).
// - gap: slowest channel's first-response p50 minus the fastest one's, over channels with data.
// - focus: sessions started, focus.handled count and median (p50) handle ms, focus.skipped by reason.
//
// - business hours: when the channel has them (settings `hours`), first and next response times
//   and "within target" count only open time, the same clock the queue's due times use; an email
//   that came in on Friday night and was answered at 10:00 on Monday took 1 h. Resolution times
//   stay wall-clock (how long the customer's matter was open).
//
// Times: a customer message counts from when it reached the server — message.received's
// `arrivedAt` (email: IMAP INTERNALDATE, or the Date header when that is missing or in the future;
// chat: the relay's time) — not from when attend fetched it: mail that arrived while attend was off
// waited all that time, and answering a months-old message is not a quick first response. Every
// other event counts from when attend recorded it (the log's `at`; a reply: when it was sent) — except
// a reply attend found in the Sent mailbox (a teammate's, another mail client's): it counts from
// its `sentAt` (when it reached the server), as attend only learnt of it later. Our own replies come
// back from Sent too, but as the message attend already has: they are never logged twice.
// History (what an account's first sync imported from before its open window) has no
// conversation.created and no message.received events, so it counts nowhere here.
import type { LoggedEvent } from '../domain/event.js';
import type { Channel } from '../domain/types.js';
import { businessTimeBetween, type Calendars } from './business-hours.js';
import type { Target } from './sla.js';

export const STATS_CHANNELS: readonly Channel[] = ['email', 'chat'];

/** The event types stats reads; the store fetches only these. */
export const STATS_EVENT_TYPES = [
  'conversation.created',
  'conversation.resolved',
  'message.received',
  'reply.sent',
  'focus.started',
  'focus.handled',
  'focus.skipped',
] as const;

/** What stats reads of a logged event: the array's order is the log's, so no `seq`. */
export type StatsEvent = Pick<LoggedEvent, 'type' | 'conversationId' | 'at' | 'data'>;

export interface StatsInput {
  /** In log order. Include every earlier event of a conversation active in the period: a first
   *  response needs the conversation's first message, a resolution its creation. */
  events: readonly StatsEvent[];
  channels: ReadonlyMap<number, Channel>;
  targets: Record<Channel, Target>;
  from: number;
  to: number;
  /** Only this channel (focus numbers too, by the conversation's channel). */
  channel?: Channel;
  /** Business hours per channel (SlaSettings.hours): response times count only open time. */
  calendars?: Calendars;
}

export interface Durations {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface FirstResponseStats extends Durations {
  /** The channel's first-response target; null for "all" (each channel has its own). */
  targetMs: number | null;
  met: number;
  /** met / count, 0..1; null when nothing was answered. */
  withinTarget: number | null;
  unanswered: number;
}

export interface ChannelStats {
  channel: Channel | 'all';
  opened: number;
  resolved: number;
  firstResponse: FirstResponseStats;
  nextResponse: Durations;
  resolution: Durations;
}

export interface FocusStats {
  sessions: number;
  handled: number;
  medianHandleMs: number | null;
  skipped: Array<{ reason: string; count: number }>;
}

export interface Stats {
  from: string;
  to: string;
  channels: ChannelStats[];
  overall: ChannelStats;
  gap: { fastest: Channel; slowest: Channel; ms: number } | null;
  focus: FocusStats;
}

/**
 * When an event happened for stats: a customer message's arrival at the server, a reply found in
 * the Sent mailbox's (never later than attend logged it), else the log's time.
 */
export function eventTime(e: StatsEvent): number {
  if (e.type === 'message.received') {
    const t = e.data.arrivedAt;
    if (typeof t === 'number' && Number.isFinite(t)) return t;
  }
  if (e.type === 'reply.sent') {
    const t = e.data.sentAt;
    if (typeof t === 'number' && Number.isFinite(t)) return Math.min(t, e.at);
  }
  return e.at;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

const durations = (ms: readonly number[]): Durations => ({ count: ms.length, p50Ms: percentile(ms, 50), p90Ms: percentile(ms, 90) });

interface Tally {
  opened: number;
  resolved: number;
  first: number[];
  met: number;
  unanswered: number;
  next: number[];
  resolution: number[];
}

const emptyTally = (): Tally => ({ opened: 0, resolved: 0, first: [], met: 0, unanswered: 0, next: [], resolution: [] });

export function computeStats(input: StatsInput): Stats {
  const { from, to } = input;
  const inPeriod = (at: number) => at >= from && at <= to;
  const wanted = input.channel ? [input.channel] : STATS_CHANNELS;
  const tallies = new Map<Channel, Tally>(wanted.map((c) => [c, emptyTally()]));
  const focus = { sessions: 0, handleMs: [] as number[], skips: new Map<string, number>() };

  const byConversation = new Map<number, StatsEvent[]>();
  for (const e of input.events) {
    if (e.at > to) continue; // after the period: not known yet at its end
    if (e.conversationId === null) {
      if (e.type === 'focus.started' && inPeriod(e.at)) focus.sessions++;
      else if (e.type === 'focus.skipped' && inPeriod(e.at) && !input.channel) countSkip(focus.skips, e);
      continue;
    }
    const list = byConversation.get(e.conversationId);
    if (list) list.push(e);
    else byConversation.set(e.conversationId, [e]);
  }

  for (const [id, events] of byConversation) {
    const channel = input.channels.get(id) ?? channelOf(events);
    const tally = channel ? tallies.get(channel) : undefined;
    if (!channel || !tally) continue;
    const targetMs = input.targets[channel].firstMinutes * 60_000;
    const cal = input.calendars?.[channel];
    const took = (from: number, to: number) => (cal ? businessTimeBetween(from, to, cal) : to - from);
    let createdAt: number | null = null;
    let firstMessageAt: number | null = null;
    let replied = false;
    let waitingSince: number | null = null;
    let resolvedAt: number | null = null;
    // In the order attend learnt of them (the log's time; a stable sort keeps log order for equal
    // times): a reply answers the messages attend had when it was sent, even if a later-fetched one
    // reached the server earlier. Durations use eventTime.
    for (const e of [...events].sort((a, b) => a.at - b.at)) {
      if (e.type === 'conversation.created') {
        createdAt ??= e.at;
        if (inPeriod(e.at)) tally.opened++;
      } else if (e.type === 'message.received') {
        if (!replied) firstMessageAt ??= eventTime(e);
        else waitingSince ??= eventTime(e);
      } else if (e.type === 'reply.sent' && e.data.automatic !== true) {
        if (!replied) {
          replied = true;
          if (firstMessageAt !== null && inPeriod(firstMessageAt)) {
            // Never negative: a relay's clock may run a little ahead of this machine's.
            const ms = Math.max(0, took(firstMessageAt, eventTime(e)));
            tally.first.push(ms);
            if (ms <= targetMs) tally.met++;
          }
        } else if (waitingSince !== null) {
          if (inPeriod(waitingSince)) tally.next.push(Math.max(0, took(waitingSince, eventTime(e))));
          waitingSince = null;
        }
      } else if (e.type === 'conversation.resolved' && inPeriod(e.at)) {
        resolvedAt = e.at;
      } else if (e.type === 'focus.handled' && inPeriod(e.at) && typeof e.data.ms === 'number') {
        focus.handleMs.push(e.data.ms);
      } else if (e.type === 'focus.skipped' && inPeriod(e.at)) {
        countSkip(focus.skips, e);
      }
    }
    if (!replied && firstMessageAt !== null && inPeriod(firstMessageAt)) tally.unanswered++;
    // A conversation with neither a creation nor a customer message in the log is history (a
    // first sync imported it from before the open window): resolving it is tidying up, not work.
    const live = createdAt !== null || firstMessageAt !== null || waitingSince !== null;
    if (resolvedAt !== null && live) {
      tally.resolved++;
      if (createdAt !== null) tally.resolution.push(resolvedAt - createdAt);
    }
  }

  const channels = wanted.map((c) => summarize(c, tallies.get(c) as Tally, input.targets[c].firstMinutes * 60_000));
  const all = [...tallies.values()].reduce(mergeTally, emptyTally());
  const overall = input.channel ? { ...(channels[0] as ChannelStats), channel: 'all' as const } : summarize('all', all, null);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    channels,
    overall,
    gap: gapOf(channels),
    focus: {
      sessions: focus.sessions,
      handled: focus.handleMs.length,
      medianHandleMs: percentile(focus.handleMs, 50),
      skipped: [...focus.skips].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0)),
    },
  };
}

function summarize(channel: Channel | 'all', t: Tally, targetMs: number | null): ChannelStats {
  return {
    channel,
    opened: t.opened,
    resolved: t.resolved,
    firstResponse: {
      ...durations(t.first),
      targetMs,
      met: t.met,
      withinTarget: t.first.length ? t.met / t.first.length : null,
      unanswered: t.unanswered,
    },
    nextResponse: durations(t.next),
    resolution: durations(t.resolution),
  };
}

function mergeTally(a: Tally, b: Tally): Tally {
  return {
    opened: a.opened + b.opened,
    resolved: a.resolved + b.resolved,
    first: [...a.first, ...b.first],
    met: a.met + b.met,
    unanswered: a.unanswered + b.unanswered,
    next: [...a.next, ...b.next],
    resolution: [...a.resolution, ...b.resolution],
  };
}

/** "Are we as fast on email as on chat?": null unless two channels have a first-response p50. */
function gapOf(channels: ChannelStats[]): Stats['gap'] {
  const measured = channels.filter((c) => c.firstResponse.p50Ms !== null) as Array<ChannelStats & { channel: Channel }>;
  if (measured.length < 2) return null;
  const sorted = [...measured].sort((a, b) => (a.firstResponse.p50Ms as number) - (b.firstResponse.p50Ms as number));
  const fastest = sorted[0] as ChannelStats & { channel: Channel };
  const slowest = sorted[sorted.length - 1] as ChannelStats & { channel: Channel };
  return { fastest: fastest.channel, slowest: slowest.channel, ms: (slowest.firstResponse.p50Ms as number) - (fastest.firstResponse.p50Ms as number) };
}

function countSkip(skips: Map<string, number>, e: StatsEvent): void {
  const reason = typeof e.data.reason === 'string' && e.data.reason.trim() !== '' ? e.data.reason.trim() : '(none)';
  skips.set(reason, (skips.get(reason) ?? 0) + 1);
}

/** A conversation missing from the map (deleted since) still has its channel in the event data. */
function channelOf(events: readonly StatsEvent[]): Channel | undefined {
  for (const e of events) if (e.data.channel === 'email' || e.data.channel === 'chat') return e.data.channel;
  return undefined;
}
