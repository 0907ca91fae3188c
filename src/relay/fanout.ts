// In-process fan-out: who gets which frame. Agents get every durable event; a visitor gets its
// own conversation's `message` and `conversation.status` events. Each event is serialized once,
// however many sockets it goes to. Presence and typing pass through here too (never stored).
import type { HoursStatus } from './hours.js';
import { VISITOR_KINDS, type StoredEvent } from './relay-store.js';
import type { Session } from './session.js';

/** The wire form of a stored event, built around its stored JSON without parsing it. */
export const eventFrame = (e: StoredEvent): string => `{"t":"event","seq":${e.seq},"d":${e.data}}`;

export class Hub {
  /** Agents that finished their handshake (live). */
  readonly agents = new Set<Session>();
  /** The one connection per visitor conversation (claimed at hello, live after its replay). */
  private readonly visitors = new Map<number, Session>();
  /** Conversations agents know about (opened) whose visitor is connected. */
  private readonly onlineOpened = new Set<number>();

  /** `hours`: whether chat is open now (chat hours); undefined when the relay has no schedule. */
  constructor(private readonly hours?: () => HoursStatus) {}

  publish(events: readonly StoredEvent[]): void {
    for (const e of events) {
      const text = eventFrame(e);
      for (const a of this.agents) a.sendRaw(text);
      if (VISITOR_KINDS.has(e.kind)) {
        const v = this.visitors.get(e.conversation);
        if (v?.state === 'live') v.sendRaw(text);
      }
    }
  }

  get agentsOnline(): boolean {
    return this.agents.size > 0;
  }

  /**
   * What visitors are told (welcome, presence). Outside chat hours nobody is "online", whoever is
   * connected: widgets that predate hours show their away notice and email field, newer ones say
   * "closed" and when it opens. Without a schedule: exactly the old fields.
   */
  visitorStatus(): { agentsOnline: boolean; open?: boolean; opensAt?: string } {
    const hours = this.hours?.();
    if (!hours) return { agentsOnline: this.agentsOnline };
    return { agentsOnline: this.agentsOnline && hours.open, ...hours };
  }

  /** The chat just opened or closed: every visitor hears it. */
  hoursChanged(): void {
    this.toVisitors(visitorPresence(this.visitorStatus()));
  }

  /** Makes `s` the visitor's connection; returns the one it replaces, if any. */
  claimVisitor(s: Session): Session | undefined {
    const old = this.visitors.get(s.conversation);
    this.visitors.set(s.conversation, s);
    return old === s ? undefined : old;
  }

  /** The visitor finished its handshake; agents hear it is online if they know the conversation. */
  visitorLive(s: Session, opened: boolean): void {
    if (opened) this.conversationOpened(s.conversation);
  }

  /** A conversation just became known to agents: tell them whether its visitor is here. */
  conversationOpened(conversation: number): void {
    const v = this.visitors.get(conversation);
    if (v?.state === 'live' && !this.onlineOpened.has(conversation)) {
      this.onlineOpened.add(conversation);
      this.toAgents(presence(conversation, true));
    }
  }

  agentLive(s: Session): void {
    this.agents.add(s);
    if (this.agents.size === 1) this.toVisitors(visitorPresence(this.visitorStatus()));
    // A new agent learns who is online now; afterwards it follows the presence signals.
    for (const c of this.onlineOpened) s.sendRaw(presence(c, true));
  }

  /** A socket closed. A replaced visitor connection is not an "offline": its successor holds the spot. */
  leave(s: Session): void {
    if (s.role === 'agent') {
      if (this.agents.delete(s) && this.agents.size === 0) this.toVisitors(visitorPresence(this.visitorStatus()));
      return;
    }
    if (this.visitors.get(s.conversation) !== s) return;
    this.visitors.delete(s.conversation);
    if (this.onlineOpened.delete(s.conversation)) this.toAgents(presence(s.conversation, false));
  }

  visitor(conversation: number): Session | undefined {
    const v = this.visitors.get(conversation);
    return v?.state === 'live' ? v : undefined;
  }

  toAgents(text: string): void {
    for (const a of this.agents) a.sendRaw(text);
  }

  /** To every live agent socket but `agent`'s own (team activity: an agent knows what it does). */
  toOtherAgents(agent: string, text: string): void {
    for (const a of this.agents) if (a.agent !== agent) a.sendRaw(text);
  }

  private toVisitors(text: string): void {
    for (const v of this.visitors.values()) if (v.state === 'live') v.sendRaw(text);
  }
}

const presence = (conversation: number, online: boolean) => JSON.stringify({ t: 'presence', d: { conversation, online } });
export const visitorPresence = (status: ReturnType<Hub['visitorStatus']>) => JSON.stringify({ t: 'presence', d: status });
