// A discrete-event simulation of agents working attend's queue for one day. Each time an agent is
// free it takes what the policy puts first; with `interrupt`, an agent writing an email stops when
// focus mode shows a breakthrough from a higher-ranked channel (the real policy/focus.ts functions),
// keeps the draft, answers that conversation, and resumes the email later (losing resumeMinutes).
import type { Channel } from '../../src/domain/types.js';
import { breakthroughs, DEFAULT_FOCUS, type FocusSettings } from '../../src/policy/focus.js';
import { orderQueue, type QueueFacts } from '../../src/policy/queue.js';
import { businessTimeBetween, type Calendar, isOpen, nextOpening } from '../../src/policy/business-hours.js';
import { calendarOf, DEFAULT_SLA, dueAt, type SlaSettings } from '../../src/policy/sla.js';
import type { ConversationSpec, Day, Workload } from './model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

export interface SimPolicy {
  name: string;
  /** The conversation a free agent takes next among those waiting (none of them in service), or null. */
  next(waiting: readonly QueueFacts[], now: number): QueueFacts | null;
}

export type AgentMode = 'finish' | 'interrupt';

export interface Response {
  channel: Channel;
  kind: 'first' | 'next';
  /** From the customer message to the answer being sent. */
  ms: number;
  within: boolean;
  /** A conversation that was already breached when the day started. */
  backlog: boolean;
  /** When the answer was sent (ms from the day's start). */
  at: number;
}

export interface DayResult {
  responses: Response[];
  interruptions: number;
}

export interface EngineOptions {
  agents: number;
  mode: AgentMode;
  workload: Workload;
  sla?: SlaSettings;
  focus?: FocusSettings;
  /** Agents start work only while this calendar is open (they finish what they started). */
  shift?: Calendar;
}

interface Conv {
  spec: ConversationSpec;
  facts: QueueFacts;
  /** Index of the answer being waited for / worked on. */
  exchange: number;
  /** Work left on an interrupted answer (ms), null when untouched. */
  draftLeft: number | null;
  agent: number | null;
}

interface Agent {
  conv: Conv | null;
  /** When the current piece of work started, and how long it is. */
  started: number;
  length: number;
  /** Increments on every start, so a stale completion event is ignored. */
  token: number;
  /** The draft this piece of work resumed (null: a fresh answer), restored if it is interrupted at once. */
  resumed: number | null;
}

type EventBody = { kind: 'arrive'; conv: Conv } | { kind: 'visitor'; conv: Conv } | { kind: 'done'; agent: number; token: number } | { kind: 'check' };
type Event = { at: number; seq: number } & EventBody;

/** A binary min-heap of events by time, then insertion order (deterministic). */
class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  private at = (i: number) => this.heap[i] as Event;
  private swap(i: number, j: number): void {
    const t = this.at(i);
    this.heap[i] = this.at(j);
    this.heap[j] = t;
  }
  push(e: EventBody & { at: number }): void {
    this.heap.push({ ...e, seq: this.seq++ } as Event);
    for (let i = this.heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(this.at(i), this.at(p))) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      let m = i;
      if (l < h.length && before(this.at(l), this.at(m))) m = l;
      if (l + 1 < h.length && before(this.at(l + 1), this.at(m))) m = l + 1;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Runs one day to the end: arrivals stop at day.end, the agents go on until nothing waits (at most 3 days more). */
export function runDay(day: Day, policy: SimPolicy, o: EngineOptions): DayResult {
  const sla = o.sla ?? DEFAULT_SLA;
  const focus = o.focus ?? DEFAULT_FOCUS;
  const events = new EventQueue();
  const waiting = new Map<number, Conv>();
  const agents: Agent[] = Array.from({ length: o.agents }, () => ({ conv: null, started: 0, length: 0, token: 0, resumed: null }));
  const responses: Response[] = [];
  let interruptions = 0;
  const leadMs = (c: Channel) => (focus.breakthrough.leadMinutes[c] ?? 0) * MIN;

  const startWaiting = (c: Conv, at: number) => {
    c.facts.waitingSince = at;
    waiting.set(c.spec.id, c);
    if (o.mode === 'interrupt') {
      const due = dueAt(c.facts, sla);
      if (due !== null) events.push({ kind: 'check', at: Math.max(at, due - leadMs(c.spec.channel)) });
    }
  };

  const start = (a: Agent, c: Conv, now: number) => {
    waiting.delete(c.spec.id);
    c.agent = agents.indexOf(a);
    a.conv = c;
    a.started = now;
    a.length = c.draftLeft !== null ? c.draftLeft + o.workload.resumeMinutes * MIN : (c.spec.work[c.exchange] ?? 0);
    a.resumed = c.draftLeft;
    c.draftLeft = null;
    a.token++;
    events.push({ kind: 'done', at: now + a.length, agent: c.agent, token: a.token });
  };

  let wakeAt = -Infinity;
  const dispatch = (now: number) => {
    if (o.shift && !isOpen(now, o.shift)) {
      // Off shift: come back at the next opening if anything waits.
      const opening = nextOpening(now, o.shift);
      if (waiting.size > 0 && wakeAt !== opening) {
        wakeAt = opening;
        events.push({ kind: 'check', at: opening });
      }
      return;
    }
    for (const a of agents) {
      if (a.conv !== null || waiting.size === 0) continue;
      const pick = policy.next([...waiting.values()].map((c) => c.facts), now);
      if (pick) start(a, waiting.get(pick.id) as Conv, now);
    }
  };

  // Focus mode: a breakthrough from a channel ranked above the one being written interrupts it.
  const interrupt = (now: number) => {
    if (waiting.size === 0 || (o.shift && !isOpen(now, o.shift))) return;
    const ranked = orderQueue([...waiting.values()].map((c) => c.facts), sla, now);
    for (const a of agents) {
      const cur = a.conv;
      if (cur === null) continue;
      const mine = focus.channelRank[cur.spec.channel] ?? 0;
      const urgent = breakthroughs(ranked, cur.spec.id, focus).filter((r) => (focus.channelRank[r.item.channel] ?? 0) > mine);
      if (urgent.length === 0) continue;
      const pick = policy.next(
        urgent.map((r) => r.item),
        now,
      );
      if (!pick) continue;
      // Nothing written yet: no draft to resume (and no time lost resuming it).
      cur.draftLeft = now === a.started ? a.resumed : Math.max(0, a.length - (now - a.started));
      cur.agent = null;
      a.conv = null;
      waiting.set(cur.spec.id, cur);
      interruptions++;
      start(a, waiting.get(pick.id) as Conv, now);
      ranked.splice(
        ranked.findIndex((r) => r.item.id === pick.id),
        1,
      );
    }
  };

  for (const spec of day.conversations) {
    const facts: QueueFacts = { id: spec.id, channel: spec.channel, priority: 'normal', waitingSince: null, answeredBefore: false, customerEmails: [], lastMessageAt: null };
    events.push({ kind: 'arrive', at: Math.max(day.origin, spec.at), conv: { spec, facts, exchange: 0, draftLeft: null, agent: null } });
  }

  const limit = day.end + 72 * HOUR;
  for (let e = events.pop(); e && e.at <= limit; e = events.pop()) {
    const now = e.at;
    if (e.kind === 'arrive') {
      startWaiting(e.conv, e.conv.spec.at);
    } else if (e.kind === 'visitor') {
      startWaiting(e.conv, now);
    } else if (e.kind === 'done') {
      const a = agents[e.agent];
      if (!a || a.token !== e.token || a.conv === null) continue;
      const c = a.conv;
      a.conv = null;
      c.agent = null;
      const due = dueAt(c.facts, sla) as number;
      const since = c.facts.waitingSince as number;
      // Response times count open hours, as attend's stats do (business-hours.ts).
      const cal = calendarOf(sla, c.spec.channel);
      const ms = cal ? businessTimeBetween(since, now, cal) : now - since;
      responses.push({ channel: c.spec.channel, kind: c.facts.answeredBefore ? 'next' : 'first', ms, within: now <= due, backlog: c.spec.backlog, at: now - day.origin });
      c.facts.answeredBefore = true;
      c.facts.waitingSince = null;
      c.facts.lastMessageAt = now;
      const think = c.spec.think[c.exchange];
      c.exchange++;
      if (think !== undefined) events.push({ kind: 'visitor', at: now + think, conv: c });
    }
    // Free agents take work first (nobody is interrupted while a colleague is idle); then focus
    // mode's breakthrough line applies to everyone, including an agent who has just taken an
    // email by the policy's order while a chat was already at risk (they press b at once).
    dispatch(now);
    if (o.mode === 'interrupt') interrupt(now);
  }
  return { responses, interruptions };
}
