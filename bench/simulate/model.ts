// What the simulated day looks like: scenarios, the workload's distributions, and the arrivals they
// produce. Arrivals (and every service and think time) are drawn up front from the seed, so every
// policy is run on exactly the same day ("common random numbers"): differences are the policy's.
import type { Channel } from '../../src/domain/types.js';
import { businessTimeBetween, type Calendar, isOpen } from '../../src/policy/business-hours.js';
import { DEFAULT_SLA } from '../../src/policy/sla.js';
import { exponential, geometric, makeRandom } from './random.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The stated distributions (README "Queue simulation"). All exponential: the M/M/1 check holds. */
export interface Workload {
  /** Mean minutes an agent needs to write one email reply. */
  emailServiceMinutes: number;
  /** Mean minutes to answer one chat message. */
  chatReplyMinutes: number;
  /** Mean customer messages per chat (geometric, ≥ 1); each one waits for an answer. */
  chatExchanges: number;
  /** Mean minutes a visitor takes to write again after an answer. */
  visitorThinkMinutes: number;
  /** Minutes lost when an interrupted email is resumed from its draft. */
  resumeMinutes: number;
}

export const DEFAULT_WORKLOAD: Workload = {
  emailServiceMinutes: 6,
  chatReplyMinutes: 0.5,
  chatExchanges: 4,
  visitorThinkMinutes: 1,
  resumeMinutes: 0.5,
};

export interface Scenario {
  name: string;
  /** Offered work per agent: arrivals × mean service time ÷ (agents × time). */
  utilisation: number;
  /** Share of the work that is chat (the rest email). */
  chatShare: number;
  /** Hours of arrivals in one simulated day. */
  hours: number;
  /** Emails already breached when the day starts, overdue by 1 to `maxOverdueHours` past their target. */
  backlog?: { emails: number; maxOverdueHours: number };
  /** Extra chats arriving together: `chats` within `minutes` from `atHour`. */
  burst?: { atHour: number; chats: number; minutes: number };
  /**
   * Business hours (policy/business-hours.ts): agents work only while open, targets count open
   * time, email arrives around the clock and chat only while open (the widget says closed
   * otherwise). `utilisation` is then the work offered per hour the shop is open.
   */
  shop?: Calendar;
}

/** Monday 30 November 2026, 00:00 UTC: where a scenario with business hours starts. */
export const SHOP_WEEK_START = Date.UTC(2026, 10, 30);

export interface ConversationSpec {
  id: number;
  channel: Channel;
  /** When the first customer message arrives (ms from the day's start; negative for backlog). */
  at: number;
  /** Work (ms) of each answer the agent writes: one for email, one per exchange for chat. */
  work: number[];
  /** Visitor think time (ms) after each answer but the last. */
  think: number[];
  backlog: boolean;
}

export interface Day {
  conversations: ConversationSpec[];
  /** When the day starts and when arrivals stop (ms; epoch ms with business hours, else from 0). */
  origin: number;
  end: number;
}

/** The share of the scenario's time that the shop is open (1 without business hours). */
export function openShare(s: Scenario): number {
  if (!s.shop) return 1;
  const cal = s.shop;
  return businessTimeBetween(SHOP_WEEK_START, SHOP_WEEK_START + s.hours * HOUR, cal) / (s.hours * HOUR);
}

/** Arrival rates per minute per agent so that the offered work matches the scenario. */
export function ratesPerMinute(s: Scenario, w: Workload, agents: number): Record<Channel, number> {
  const work = s.utilisation * agents;
  // Email arrives around the clock but is answered in open hours: spread the open hours' share.
  return {
    email: (work * (1 - s.chatShare) * openShare(s)) / w.emailServiceMinutes,
    chat: (work * s.chatShare) / (w.chatExchanges * w.chatReplyMinutes),
  };
}

export function makeDay(s: Scenario, w: Workload, agents: number, seed: number): Day {
  const rand = makeRandom(seed);
  const rates = ratesPerMinute(s, w, agents);
  const origin = s.shop ? SHOP_WEEK_START : 0;
  const end = origin + s.hours * HOUR;
  const out: ConversationSpec[] = [];
  let id = 1;
  const spec = (channel: Channel, at: number, backlog = false): ConversationSpec => {
    const exchanges = channel === 'email' ? 1 : geometric(rand, w.chatExchanges);
    const mean = channel === 'email' ? w.emailServiceMinutes : w.chatReplyMinutes;
    const work = Array.from({ length: exchanges }, () => exponential(rand, mean) * MIN);
    const think = Array.from({ length: exchanges - 1 }, () => exponential(rand, w.visitorThinkMinutes) * MIN);
    return { id: id++, channel, at, work, think, backlog };
  };
  if (s.backlog) {
    // Due one email target after arrival: breached by 1 h … maxOverdueHours when the day starts.
    const target = DEFAULT_SLA.channels.email.firstMinutes * MIN;
    for (let i = 0; i < s.backlog.emails; i++) {
      const overdue = (1 + rand() * (s.backlog.maxOverdueHours - 1)) * HOUR;
      out.push(spec('email', origin - (target + overdue), true));
    }
  }
  for (const channel of ['email', 'chat'] as const) {
    if (rates[channel] <= 0) continue;
    for (let t = origin + exponential(rand, 1 / rates[channel]) * MIN; t < end; t += exponential(rand, 1 / rates[channel]) * MIN) {
      const closed = channel === 'chat' && s.shop !== undefined && !isOpen(t, s.shop);
      const c = spec(channel, t);
      if (!closed) out.push(c);
    }
  }
  if (s.burst) {
    for (let i = 0; i < s.burst.chats; i++) out.push(spec('chat', origin + s.burst.atHour * HOUR + rand() * s.burst.minutes * MIN));
  }
  out.sort((a, b) => a.at - b.at || a.id - b.id);
  return { conversations: out, origin, end };
}
