// The real TeamPort of a long-running process (the console, `attend watch`): it rides on the team
// chat account's relay connection (chat-account.ts watchChat attaches it). On every (re)connect it
// replays the team outbox in order with the same keys, registers what the hub has not numbered and
// tells the hub again what I look at; meanwhile it registers new conversations in batches, keeps
// the roster and teammates' activity in memory, and sends my changes as they are made.
import { randomUUID } from 'node:crypto';
import type { RelayClient } from '../../adapters/chat/relay-client.js';
import type { ChatAccount } from '../../config/settings.js';
import { safeLine } from '../../domain/sanitize.js';
import type { AgentActivity, AgentWelcome } from '../../protocol/frames.js';
import { assign, getConversation } from '../../store/conversations.js';
import { type QueuedTeamChange, teamOutboxSize } from '../../store/team-outbox.js';
import { conversationIdByNumber } from '../../store/conversation-refs.js';
import { maxConversationId, numberOf, teamAgent } from '../../store/team-numbers.js';
import type { AppContext } from '../context.js';
import { type ChangeOutcome, type LiveTeam, liveTeam, setLiveTeam } from './live.js';
import type { ClaimResult, TeammateActivity, TeamPort } from './port.js';
import { registerConversations } from './registration.js';
import { askAgain, flushTeamOutbox, shareChange } from './team-changes.js';

/** How often new conversations are registered in one batch, and changes other processes queued are sent. */
const TICK_MS = 500;

export class TeamLink implements TeamPort, LiveTeam {
  private client: RelayClient | null = null;
  private account: string | null = null;
  private agent: string | null;
  /** The last roster seen, kept while offline (shown as it was, everyone offline). */
  private agents: AgentActivity[] = [];
  private readonly listeners = new Set<() => void>();
  private wanted: { conversationId: number | null; replying: boolean } = { conversationId: null, replying: false };
  private lastSent: string | null = null;
  private registeredUpTo = 0;
  /** Network work in order: outbox flushes and registrations never interleave. */
  private chain: Promise<unknown> = Promise.resolve();
  private running = 0;
  private readonly waiters = new Map<string, (o: ChangeOutcome) => void>();
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;

  constructor(private readonly ctx: AppContext) {
    this.agent = this.readAgent();
    setLiveTeam(ctx.db, this);
  }

  get enabled(): boolean {
    return this.agent !== null;
  }

  get me(): string | null {
    return this.agent;
  }

  /** Whether the hub connection is up now. */
  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** watchChat: a chat account connected; the first whose relay says team:true carries the team. */
  attach(account: ChatAccount, client: RelayClient, welcome: AgentWelcome): void {
    if (welcome.team !== true) return;
    if (this.client && this.client !== client && this.account !== account.name) return;
    if (this.client) this.detach(this.client);
    this.client = client;
    this.account = account.name;
    this.agent = welcome.agent ?? this.readAgent();
    const onWelcome = (w: AgentWelcome) => {
      if (w.agent) this.agent = w.agent;
      this.onConnected();
    };
    const onRoster = () => this.takeRoster();
    const onState = (s: string) => {
      if (s !== 'connected') this.changed(); // teammates() shows them offline while we are
    };
    client.on('welcome', onWelcome);
    client.on('roster', onRoster);
    client.on('activity', onRoster);
    client.on('state', onState);
    this.unlisten = () => {
      client.off('welcome', onWelcome);
      client.off('roster', onRoster);
      client.off('activity', onRoster);
      client.off('state', onState);
    };
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.onConnected();
  }

  detach(client: RelayClient): void {
    if (this.client !== client) return;
    this.unlisten?.();
    this.unlisten = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client = null;
    for (const w of this.waiters.values()) w({ kind: 'queued', reason: 'the hub connection closed' });
    this.waiters.clear();
    this.changed();
  }

  /** Stops serving this store (the process closes). */
  close(): void {
    if (this.client) this.detach(this.client);
    if (liveTeam(this.ctx.db) === this) setLiveTeam(this.ctx.db, null);
  }

  teammates(): TeammateActivity[] {
    const online = this.connected;
    return this.agents
      .filter((a) => a.agent !== this.agent)
      .map((a) => ({
        agent: safeLine(a.agent),
        online: online && a.online === true,
        conversation: typeof a.conversation === 'number' ? (conversationIdByNumber(this.ctx.db, a.conversation) ?? null) : null,
        replying: online && a.online === true && a.replying === true,
        since: typeof a.since === 'number' ? a.since : 0,
      }))
      .sort((x, y) => Number(y.online) - Number(x.online) || x.agent.localeCompare(y.agent));
  }

  setActivity(conversationId: number | null, replying: boolean): void {
    this.wanted = { conversationId, replying };
    this.sendActivity();
  }

  async claim(conversationId: number, opts: { take?: boolean; to?: string | null } = {}): Promise<ClaimResult> {
    if (!this.enabled) return { ok: true };
    const { applyAction } = await import('../conversations/actions.js');
    const to = opts.to === undefined ? this.agent : opts.to;
    const r = await applyAction(this.ctx, conversationId, { kind: 'assign', to, take: opts.take === true });
    if (!r.ok) {
      if (r.failure === 'claimed') return { ok: false, holder: r.holder ?? 'someone else' };
      throw new Error(r.message);
    }
    return r.teamQueued ? { ok: true, queued: true } : { ok: true };
  }

  async release(conversationId: number): Promise<void> {
    const me = this.agent;
    if (me === null || getConversation(this.ctx.db, conversationId)?.assignee !== me) return;
    assign(this.ctx.db, conversationId, null, this.ctx.now());
    // Only while it is still mine at the hub: a teammate who took it meanwhile keeps it.
    const outcome = await shareChange(this.ctx, conversationId, { kind: 'assign', to: null }, { changeId: randomUUID(), ifAssignee: me });
    if (outcome?.kind === 'queued') this.ctx.log(`team: releasing #${conversationId} waits for the hub (${outcome.reason})`);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(item: QueuedTeamChange, timeoutMs: number): Promise<ChangeOutcome> {
    if (!this.connected) return Promise.resolve({ kind: 'queued', reason: 'the hub is not connected' });
    const { changeId } = item;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(changeId);
        resolve({ kind: 'queued', reason: 'the hub did not answer in time' });
      }, timeoutMs);
      timer.unref();
      this.waiters.set(changeId, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
      this.flush();
      // Another process of mine may have sent and settled it before this flush saw it.
      this.run(async (client) => {
        const w = this.waiters.get(changeId);
        if (!w) return;
        const o = await askAgain(this.ctx, client, item, timeoutMs);
        if (o && this.waiters.get(changeId) === w) {
          this.waiters.delete(changeId);
          w(o);
        }
      });
    });
  }

  private readAgent(): string | null {
    try {
      return teamAgent(this.ctx.db);
    } catch {
      return null;
    }
  }

  /** Every welcome: replay the outbox first (my changes, in order), then numbers, then my activity again. */
  private onConnected(): void {
    this.lastSent = null;
    this.takeRoster();
    this.sendActivity();
    this.flush();
    this.run(async (client) => {
      this.registeredUpTo = await registerConversations(this.ctx, client, 0);
      this.sendActivity(); // what I look at may have got its number just now
      this.changed();
    });
  }

  private takeRoster(): void {
    if (this.client) this.agents = this.client.roster;
    this.changed();
  }

  private tick(): void {
    if (!this.connected || this.running > 0) return;
    if (teamOutboxSize(this.ctx.db) > 0) this.flush();
    if (maxConversationId(this.ctx.db) > this.registeredUpTo) {
      this.run(async (client) => {
        this.registeredUpTo = await registerConversations(this.ctx, client, this.registeredUpTo);
        this.sendActivity();
      });
    }
  }

  private flush(): void {
    this.run((client) =>
      flushTeamOutbox(this.ctx, client, 15_000, (id, o) => {
        const w = this.waiters.get(id);
        this.waiters.delete(id);
        w?.(o);
      }),
    );
  }

  private run(job: (client: RelayClient) => Promise<unknown>): void {
    this.running++;
    this.chain = this.chain
      .then(() => {
        const client = this.client;
        return client?.connected ? job(client) : undefined;
      })
      .catch((err) => this.ctx.log(`team: ${(err as Error).message}`))
      .finally(() => {
        this.running--;
      });
  }

  /** Sends what I look at when it differs from what the hub last heard (after a reconnect: again). */
  private sendActivity(): void {
    const client = this.client;
    if (!client?.connected) return;
    const { conversationId, replying } = this.wanted;
    const report = { conversation: conversationId === null ? null : numberOf(this.ctx.db, conversationId), replying };
    const text = JSON.stringify(report);
    if (text === this.lastSent) return;
    this.lastSent = text;
    client.sendActivity(report);
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.ctx.log(`team: ${(err as Error).message}`);
      }
    }
  }
}
