// The one object the console uses: it runs every channel in this process (IMAP IDLE, the relay
// connection, the built-in relay on first run), turns store changes into a version number the UI
// re-reads on, and performs the actions that need the network. The UI never touches a socket.
import { EventEmitter } from 'node:events';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { privateFile, resolvePaths } from '../config/paths.js';
import { wakeSnoozed } from '../store/conversations.js';
import { type OutboxCounts, outboxCounts } from '../store/outbox.js';
import type { AppContext } from './context.js';
import type { PolicySettings } from '../config/policy-settings.js';
import { currentPolicy, prepareQueue } from './queue/policy.js';
import { refreshRanks } from './queue/ranks.js';
import { anyBacklog, markBacklog } from '../store/ranks.js';
import { getDraft, putDraft } from '../store/drafts.js';
import { changeMark } from '../store/event-feed.js';
import { chatConversationId } from '../store/conversation-refs.js';
import { safeLine, safeText } from '../domain/sanitize.js';
import { type Action, parseTagInput } from './conversations/actions.js';
import { ConversationService } from './conversations/service.js';
import { shownRefOf } from './conversations/conversation-ref.js';
import { type DeliveryRoute, directDelivery } from './conversations/delivery.js';
import { conversationVars, listTemplates, renderTemplate, type Template, templatesDir } from './conversations/templates.js';
import { getConversation } from '../store/conversations.js';
import { type ChannelStatus, ChannelSupervisor } from './channels/supervisor.js';
import type { TeamPort } from './team/port.js';
import { TeamLink } from './team/team-link.js';

export type { ChannelStatus, ConnectionState } from './channels/supervisor.js';

export interface RuntimeOptions {
  /** Start the built-in relay when no chat account is configured (the first-run experience). */
  relay: boolean;
  /** Run the channels at all (tests of the UI over a fixed store turn them off). */
  channels: boolean;
  /** How often the store is checked for changes made by the channels or other processes. */
  pollMs?: number;
}

/** What the console hears from its runtime. */
export interface RuntimeEvents {
  /** The store changed (here or in another process): the UI re-reads what it shows. */
  change: [version: number];
  /** A connection came up or went down, an account was added or removed. */
  channels: [];
  /** A chat visitor started or stopped typing in this conversation. */
  typing: [conversationId: number];
  /** A line for the console's message line (an account's first sync, say). */
  notice: [line: string];
  /** A line written to the console's log. */
  log: [line: string];
}

const TYPING_TTL_MS = 6000;

/** How often the console re-reads a queue that has backlog, for the clock alone to reorder it. */
const ORDER_TICK_MS = 10_000;

const NO_CHANNELS: ReadonlyMap<string, ChannelStatus> = new Map();

export class Runtime extends EventEmitter<RuntimeEvents> {
  /** Bumped whenever the store changed; the UI re-reads what it shows. */
  version = 0;
  /** Where the built-in relay serves its demo page, when it runs. */
  relayUrl: string | null = null;
  policy: PolicySettings;
  readonly logLines: string[] = [];
  private readonly typing = new Map<number, number>();
  private readonly stop = new AbortController();
  private readonly kick = new EventTarget();
  private supervisor: ChannelSupervisor | null = null;
  private poll: NodeJS.Timeout | null = null;
  private lastMark = '';
  private readonly logFile: string;

  private constructor(
    readonly ctx: AppContext,
    policy: PolicySettings,
  ) {
    super();
    this.policy = policy;
    this.logFile = path.join(resolvePaths(ctx.env).data, 'console.log');
    // It names customers and accounts: private, also when an older attend created it 0644.
    try {
      privateFile(this.logFile);
    } catch {
      // a read-only or full disk: logging still goes to memory
    }
    this.conversations = new ConversationService(ctx, this.liveDelivery());
    this.teamLink = new TeamLink(ctx);
  }

  /** Team mode, on the team chat account's connection once the channels run (app/team/team-link.ts). */
  private readonly teamLink: TeamLink;

  /**
   * Opens the queue from the store (the policy cached there: settings are not needed for the first
   * frame) and, unless told not to, starts every channel.
   */
  static async start(base: AppContext, opts: RuntimeOptions): Promise<Runtime> {
    // The same context, logging into the console's log; settings stay whatever `base` has (lazily).
    const ctx = Object.create(base, { log: { value: (line: string) => rt.log(line) } }) as AppContext;
    const policy = await prepareQueue(base);
    const rt = new Runtime(ctx, policy);
    rt.check();
    rt.poll = setInterval(() => rt.check(), opts.pollMs ?? 200);
    if (opts.channels) {
      await base.loadSettings();
      await rt.startChannels(opts.relay);
    }
    return rt;
  }

  private starting: Promise<void> | null = null;

  /** Loads the settings and starts every channel in the background (the console, after its first frame). */
  startChannelsLater(startRelay: boolean): void {
    this.starting = this.ctx
      .loadSettings()
      .then(() => this.startChannels(startRelay))
      .catch((err) => this.log(`channels: ${(err as Error).message}`));
  }

  /** The console's clock (tests fix it). */
  now(): number {
    return this.ctx.now();
  }

  /** Each account's connection, for the status bar. */
  get channels(): ReadonlyMap<string, ChannelStatus> {
    return this.supervisor?.channels ?? NO_CHANNELS;
  }

  /**
   * Team mode: who I am at the hub, what teammates do, claims. Always the same object: working
   * alone it is disabled (enabled false, claims succeed) and turns on when a relay says "team".
   */
  get team(): TeamPort {
    return this.teamLink;
  }

  log(line: string): void {
    const stamped = `${new Date(this.ctx.now()).toISOString()} ${line}`;
    this.logLines.push(stamped);
    if (this.logLines.length > 200) this.logLines.shift();
    try {
      appendFileSync(this.logFile, `${stamped}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not stop the console; the line is still in memory.
    }
    this.emit('log', line);
  }

  private async startChannels(startRelay: boolean): Promise<void> {
    if (this.stop.signal.aborted) return; // closed (q right after start) before the channels came up
    const supervisor = await ChannelSupervisor.start(this.ctx, {
      builtinRelay: startRelay ? 'start' : 'off',
      duties: true,
      policy: () => this.policy,
      stopReason: 'console closed',
      kick: this.kick,
      team: this.teamLink,
      onChange: () => this.emit('channels'),
      onSynced: () => this.check(),
      // Shown on the console's message line (ui/effects/use-runtime-notices.ts listens for 'notice').
      onFirstSync: (line) => this.emit('notice', line),
      onActivity: () => this.check(),
      onTyping: (a, relayConversation, on) => this.onTyping(a.name, relayConversation, on),
    });
    this.supervisor = supervisor;
    if (this.stop.signal.aborted) return void (await supervisor.close());
    this.relayUrl = supervisor.relayUrl;
    this.emit('channels');
  }

  private onTyping(account: string, relayConversation: number, on: boolean): void {
    const id = chatConversationId(this.ctx.db, account, relayConversation);
    if (id === undefined) return;
    if (on) this.typing.set(id, this.ctx.now() + TYPING_TTL_MS);
    else this.typing.delete(id);
    this.emit('typing', id);
  }

  isTyping(conversationId: number): boolean {
    const until = this.typing.get(conversationId);
    return until !== undefined && until > this.ctx.now();
  }

  /** Notices changes by anyone (this process's channels, `attend reply` elsewhere) and re-ranks what changed. */
  check(): void {
    const db = this.ctx.db;
    try {
      // Snoozes end by the clock, not by a write: check every poll (a partial index makes it cheap).
      wakeSnoozed(db, this.ctx.now());
    } catch (err) {
      this.log(`queue: ${(err as Error).message}`);
    }
    const clockMoved = this.clockMovedQueue();
    const mark = changeMark(db);
    if (mark === this.lastMark && !clockMoved) return;
    this.lastMark = mark;
    try {
      refreshRanks(db, this.policy, this.ctx.now());
      this.outboxCounts = outboxCounts(db);
    } catch (err) {
      this.log(`queue: ${(err as Error).message}`);
    }
    // The settings file may have changed (targets, rules): re-read it off the hot path.
    currentPolicy(db, this.ctx.env, undefined).then(
      (p) => {
        this.policy = p;
      },
      (err) => this.log(`settings: ${(err as Error).message}`),
    );
    this.version++;
    this.emit('change', this.version);
  }

  private outboxCounts: OutboxCounts = { queued: 0, failed: 0 };
  private lastOrderTick = 0;

  /**
   * The queue's order depends on the clock (policy/queue.ts): a breached conversation turns into
   * backlog, and backlog sorts at "now + lead", so fresh conversations move ahead of it as their
   * due time comes near. Whether the queue should be read again although nothing was written.
   */
  private clockMovedQueue(): boolean {
    try {
      const now = this.ctx.now();
      if (markBacklog(this.ctx.db, now) > 0) return true;
      const tick = Math.floor(now / ORDER_TICK_MS);
      if (tick === this.lastOrderTick) return false;
      this.lastOrderTick = tick;
      return anyBacklog(this.ctx.db);
    } catch (err) {
      this.log(`queue: ${(err as Error).message}`);
      return false;
    }
  }

  /** Queued and failed replies, as of the last store change. */
  outbox(): OutboxCounts {
    return this.outboxCounts;
  }

  getDraft(conversationId: number): string | null {
    const d = getDraft(this.ctx.db, conversationId);
    return d === null ? null : safeText(d);
  }

  putDraft(conversationId: number, body: string): void {
    try {
      putDraft(this.ctx.db, conversationId, body, this.ctx.now());
    } catch (err) {
      this.log(`draft for ${shownRefOf(this.ctx, conversationId)} not saved: ${(err as Error).message}`);
    }
  }

  /** How the console names a conversation: "#41", or "~12" while the team's hub has not numbered it. */
  refOf(conversationId: number): string {
    return shownRefOf(this.ctx, conversationId);
  }

  /** A conversation's customer as one safe line (for the breakthrough line). */
  customerName(conversationId: number): string {
    const c = getConversation(this.ctx.db, conversationId);
    return safeLine(c?.label ?? 'visitor');
  }

  /** Every change to a conversation and every reply goes through the one service (conversations/service.ts). */
  private readonly conversations: ConversationService;

  /**
   * How the console tries a queued reply: chat goes by the relay connection it keeps open (a kick
   * flushes its outbox now), email by a fresh SMTP session. The store is re-read once it is queued.
   */
  private liveDelivery(): DeliveryRoute {
    const direct = directDelivery(this.ctx);
    return {
      queued: () => this.check(),
      deliver: async (target) => {
        if (target.channel === 'email') return direct.deliver(target);
        this.kick.dispatchEvent(new Event('kick'));
        const connected = [...this.channels.values()].some((c) => c.account === target.account.name && c.state === 'online');
        const error = connected ? null : 'the relay is not connected; it goes out when it is';
        return target.outboxIds.map(() => ({ state: 'queued' as const, error }));
      },
    };
  }

  /** Queues durably, then sends now (chat: by the live connection; email: a fresh SMTP session). */
  async reply(conversationId: number, body: string): Promise<{ state: 'queued' | 'sent' | 'failed'; error: string | null }> {
    const r = await this.conversations.reply({ conversationId, content: { text: body } });
    if (!r.ok) throw new Error(r.message);
    if (r.channel === 'email' && r.error && r.state !== 'sent') this.log(`reply to ${shownRefOf(this.ctx, conversationId)}: ${r.error}`);
    for (const w of r.warnings) this.log(w);
    this.check();
    return { state: r.state, error: r.error };
  }

  /**
   * An action on a conversation (status, assign, tags, note, priority); returns the line to show.
   * One that cannot be applied (bad input, no such conversation) throws with the reason, so the
   * console says so and focus does not move on as if it had been done.
   */
  async act(conversationId: number, a: Action): Promise<string> {
    const r = await this.conversations.act(conversationId, a);
    if (!r.ok) throw new Error(r.message);
    for (const w of r.warnings) this.log(w);
    this.check();
    return r.message;
  }

  parseTags(input: string): { add: string[]; remove: string[] } {
    return parseTagInput(input);
  }

  /** Focus mode's honest line to a waiting chat visitor; it does not count as a response. */
  async notice(conversationId: number, text: string): Promise<void> {
    await this.conversations.notice(conversationId, text);
    this.check();
  }

  templates(): { dir: string; list: Template[] } {
    const dir = templatesDir(this.ctx.env, this.ctx.settings.get('templates')?.dir);
    return { dir, list: listTemplates(dir) };
  }

  renderTemplate(name: string, conversationId: number): string {
    const t = this.templates().list.find((x) => x.name === name);
    if (!t) throw new Error(`no template ${name}`);
    const c = getConversation(this.ctx.db, conversationId);
    if (!c) throw new Error(`no conversation ${conversationId}`);
    // The text lands in the composer, which prints it: no escape sequence from a customer's name.
    return safeText(renderTemplate(t, conversationVars(c, this.ctx.settings.get('agent').name)));
  }

  /** The stats report of the last 7 days, as `attend stats` prints it. */
  async stats(width: number): Promise<string[]> {
    const { loadStats } = await import('./stats/stats.js');
    const { statsText } = await import('./stats/stats-report.js');
    const now = this.ctx.now();
    return statsText(await loadStats(this.ctx, { from: now - 7 * 86_400_000 }), width).split('\n');
  }

  /** Failed replies of a conversation go back to the outbox and are tried again. */
  async retry(conversationId: number): Promise<number> {
    const r = await this.conversations.retry(conversationId);
    this.check();
    return r.requeued;
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.stop.abort();
    await this.starting;
    await this.supervisor?.close();
    this.teamLink.close();
  }
}
