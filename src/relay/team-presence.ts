// Who of the team is online and what each is doing (ephemeral, never stored): the `roster` an agent
// gets after welcome, and `activity` to the other agents whenever an agent's changes. An agent may
// have several sockets (console, `attend sync --watch`, a CLI command): it is online while one is
// live, and its activity is the latest report of its live sockets, so a CLI command coming and going
// does not wipe what the console reported.
import type { ActivityReport, AgentActivity, Roster } from '../protocol/frames.js';
import type { Hub } from './fanout.js';
import type { Session } from './session.js';

/**
 * At most one `activity` per agent per this interval reaches the others; a report within it is
 * sent at its end (the latest one), so the last word always arrives and a chatty client costs
 * the team at most ten frames a second.
 */
export const ACTIVITY_INTERVAL_MS = 100;

interface Report extends ActivityReport {
  at: number;
}

const sameActivity = (a: AgentActivity, b: AgentActivity) => a.online === b.online && a.conversation === b.conversation && a.replying === b.replying;

export class TeamPresence {
  private readonly reports = new Map<Session, Report>();
  /** What the other agents were last told of each agent. */
  private readonly told = new Map<string, AgentActivity>();
  private readonly lastSentAt = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly hub: Hub,
    private readonly now: () => number,
    private readonly intervalMs = ACTIVITY_INTERVAL_MS,
  ) {}

  /** Every agent named (the owner and the added ones), online or not. */
  roster(agents: readonly string[]): Roster {
    return { agents: agents.map((a) => this.current(a)) };
  }

  /** An agent's socket went live (after its welcome and roster). */
  joined(s: Session): void {
    this.update(s.agent, false);
  }

  report(s: Session, r: ActivityReport): void {
    this.reports.set(s, { ...r, at: this.now() });
    this.update(s.agent, true);
  }

  /** A socket closed (already gone from the hub). */
  left(s: Session): void {
    if (s.role !== 'agent' || !s.agent) return;
    this.reports.delete(s);
    this.update(s.agent, false);
  }

  /** A new agent was added: the others list it (offline). */
  added(agent: string): void {
    this.update(agent, false, true);
  }

  stop(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  private current(agent: string): AgentActivity {
    let online = false;
    let latest: Report | undefined;
    for (const a of this.hub.agents) {
      if (a.agent !== agent) continue;
      online = true;
      const r = this.reports.get(a);
      if (r && (!latest || r.at >= latest.at)) latest = r;
    }
    const next: AgentActivity = { agent, online, conversation: online ? (latest?.conversation ?? null) : null, replying: online ? (latest?.replying ?? false) : false, since: 0 };
    const told = this.told.get(agent);
    // Never heard of since the relay started, and offline: when it last changed is unknown (0).
    next.since = told && sameActivity(told, next) ? told.since : told || online ? this.now() : 0;
    return next;
  }

  /** Tells the others of a change of `agent`'s; `announce`: even when never online (a new agent). */
  private update(agent: string, throttle: boolean, announce = false): void {
    if (this.pending.has(agent)) return; // the timer sends the latest
    const next = this.current(agent);
    const told = this.told.get(agent);
    if (told ? sameActivity(told, next) : !next.online && !announce) return;
    const wait = (this.lastSentAt.get(agent) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.now();
    if (throttle && wait > 0) {
      const timer = setTimeout(() => {
        this.pending.delete(agent);
        this.update(agent, false);
      }, wait);
      timer.unref();
      this.pending.set(agent, timer);
      return;
    }
    this.told.set(agent, next);
    this.lastSentAt.set(agent, this.now());
    this.hub.toOtherAgents(agent, JSON.stringify({ t: 'activity', d: next }));
  }
}
