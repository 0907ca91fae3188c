// The one place that runs a long-running process's channels — for the console, `attend --plain`,
// `attend watch` and `sync --watch` alike: which accounts, the built-in relay, one watcher per
// account (IMAP IDLE, the relay connection) with its connection state, and accounts added, changed
// or removed in the settings meanwhile (started, restarted or stopped without a restart).
// A process that watches on the user's behalf (the console, `--plain`, `watch`) also has the
// watcher's duties: channel states, snoozes ending and SLA alerts go into the event log, and the
// hooks run. `sync --watch` only keeps the mail and chat flowing.
import type { PolicySettings } from '../../config/policy-settings.js';
import type { Account, ChatAccount, EmailAccount } from '../../config/settings.js';
import { settingsFiles, stampOf } from '../../config/settings-open.js';
import type { Channel } from '../../domain/types.js';
import type { SyncReport } from '../../adapters/email/imap-sync.js';
import { wakeSnoozed } from '../../store/conversations.js';
import { changeMark } from '../../store/event-feed.js';
import { HookRunner } from '../automation/hook-runner.js';
import { SlaAlerter } from '../automation/sla-alerts.js';
import { type BuiltinRelay, startBuiltinRelay } from '../chat/builtin-relay.js';
import type { AppContext } from '../context.js';
import { prepareQueue } from '../queue/policy.js';
import { TeamLink } from '../team/team-link.js';
import { allAccounts, type BuiltinRelayUse, channelsToRun } from './accounts.js';
import { ChannelEventLog } from './channel-events.js';

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface ChannelStatus {
  account: string;
  channel: Channel;
  state: ConnectionState;
  detail: string | null;
  since: number;
  /** Email with OAuth2: the sign-in expired (its one line, "… run `attend account login NAME`") until a login works again. */
  signInExpired?: string | null;
}

export interface SupervisorOptions {
  builtinRelay: BuiltinRelayUse;
  /** Only this account (`--account`). */
  only?: string;
  /** Record channel states, snoozes ending and SLA alerts into the event log, and run the hooks. */
  duties: boolean;
  /** The policy the SLA alerts use; without it, the one cached in the store (read again when the store changes). */
  policy?: () => PolicySettings;
  /** Why the channels went down when the process stops (the `channel.disconnected` reason). */
  stopReason?: string;
  /** How often the duties and the settings check run. */
  tickMs?: number;
  /** `channels` changed: a connection came up or went down, an account was added or removed. */
  onChange?: () => void;
  /** An email account finished a sync round (its first: `onFirstSync` also gets the summary line). */
  onSynced?: (account: EmailAccount, r: SyncReport) => void;
  onFirstSync?: (line: string) => void;
  /** A chat account stored something (a message, a status) from its relay. */
  onActivity?: (account: ChatAccount) => void;
  onTyping?: (account: ChatAccount, relayConversation: number, on: boolean) => void;
  /** Dispatch 'kick' on it to have the chat watchers send what waits in the outbox now, not at their next poll. */
  kick?: EventTarget;
  /** Team mode: the link the team chat account's connection carries (the Runtime's); else the supervisor makes its own. */
  team?: TeamLink;
}

/** Targets are minutes long: once a second is plenty for the SLA alerts. */
const SLA_EVERY_MS = 1000;
/** How often the settings file is looked at (a stat) for accounts added or removed. */
const ACCOUNTS_EVERY_MS = 2000;
/** A watcher that does not stop within this long after being told is left behind. */
const STOP_GRACE_MS = 3000;

interface Watcher {
  /** The account as it was started, to tell a changed account from an unchanged one. */
  started: string;
  stop: AbortController;
  task: Promise<void>;
}

export class ChannelSupervisor {
  /** Each account's connection, for status bars. */
  readonly channels = new Map<string, ChannelStatus>();
  /** Where the built-in relay serves its demo page, when this process started it. */
  relayUrl: string | null = null;
  /** Team mode: rides on the first chat connection whose relay says it is a team hub. */
  readonly team: TeamLink;
  private readonly ownsTeam: boolean;

  private readonly stop = new AbortController();
  private readonly kicker: EventTarget;
  private readonly watchers = new Map<string, Watcher>();
  private readonly events: ChannelEventLog | null;
  private readonly sla: SlaAlerter | null;
  private hooks: HookRunner | null = null;
  private relay: BuiltinRelay | null = null;
  private builtin: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private settingsStamp = '';
  private lastSla = 0;
  private lastAccounts = 0;
  private policy: PolicySettings | null = null;
  private policyMark = '';
  private ticking = false;

  private constructor(
    private readonly ctx: AppContext,
    private readonly o: SupervisorOptions,
  ) {
    this.events = o.duties ? new ChannelEventLog(ctx.db, ctx.now, ctx.log, this.stop.signal) : null;
    this.sla = o.duties ? new SlaAlerter(ctx.db, ctx.now) : null;
    this.kicker = o.kick ?? new EventTarget();
    this.team = o.team ?? new TeamLink(ctx);
    this.ownsTeam = o.team === undefined;
  }

  /** Starts every channel (and the built-in relay, when asked and no chat account is configured). */
  static async start(ctx: AppContext, o: SupervisorOptions): Promise<ChannelSupervisor> {
    const s = new ChannelSupervisor(ctx, o);
    await s.begin();
    return s;
  }

  private async begin(): Promise<void> {
    const wanted = channelsToRun(this.ctx, this.o.builtinRelay, this.o.only);
    // The watchers' modules load before any starts: imapflow and ws are not on the console's first frame.
    await Promise.all([import('../email/email-account.js'), import('../chat/chat-account.js')]);
    if (this.stop.signal.aborted) return;
    if (wanted.builtin && this.o.builtinRelay === 'start') {
      this.relay = await startBuiltinRelay(this.ctx, this.ctx.log);
      if (this.stop.signal.aborted) return void (await this.relay?.close());
      this.relayUrl = this.relay?.url ?? null;
    }
    this.builtin = wanted.builtin?.name ?? null;
    if (this.o.duties) {
      this.hooks = new HookRunner(this.ctx);
      this.hooks.start();
    }
    this.settingsStamp = stampOf(settingsFiles(this.ctx.env).file);
    for (const a of allAccounts(wanted)) this.watch(a);
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 300);
    this.timer.unref();
  }

  /** Whether an account's connection is up. */
  online(account: string): boolean {
    return this.channels.get(account)?.state === 'online';
  }

  /** Asks every chat watcher to send what waits in the outbox now rather than at its next poll. */
  kick(): void {
    this.kicker.dispatchEvent(new Event('kick'));
  }

  /** Stops every channel: the states recorded as disconnected, the watchers given a moment to log out, the relay closed. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stop.abort();
    this.events?.stopped(this.o.stopReason);
    await Promise.race([Promise.allSettled([...this.watchers.values()].map((w) => w.task)), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    await this.relay?.close();
    if (this.ownsTeam) this.team.close();
    if (this.hooks) {
      this.hooks.tick(); // the disconnects just recorded reach the hooks too
      await this.hooks.close();
    }
  }

  private watch(a: Account): void {
    const stop = new AbortController();
    this.stop.signal.addEventListener('abort', () => stop.abort(), { once: true });
    const signal = stop.signal;
    const onState = (state: ConnectionState, detail?: string) => {
      if (!signal.aborted) this.setState(a.name, a.type, state, detail);
    };
    onState('connecting');
    const task = a.type === 'email' ? this.watchEmail(a, signal, onState) : this.watchChat(a, signal, onState);
    this.watchers.set(a.name, { started: JSON.stringify(a), stop, task: task.catch((err) => this.ctx.log(`${a.name}: ${(err as Error).message}`)) });
  }

  private async watchEmail(a: EmailAccount, signal: AbortSignal, onState: (s: ConnectionState, d?: string) => void): Promise<void> {
    const { watchAccount } = await import('../email/email-account.js');
    await watchAccount(this.ctx, a, {
      signal,
      onState,
      onSignIn: (expired) => {
        if (!signal.aborted) this.setSignIn(a.name, expired);
      },
      onSynced: (r) => this.o.onSynced?.(a, r),
      ...(this.o.onFirstSync ? { onFirstSync: this.o.onFirstSync } : {}),
    });
  }

  private async watchChat(a: ChatAccount, signal: AbortSignal, onState: (s: ConnectionState, d?: string) => void): Promise<void> {
    const { watchChat } = await import('../chat/chat-account.js');
    await watchChat(this.ctx, a, signal, {
      onState,
      onActivity: () => this.o.onActivity?.(a),
      onTyping: (relayConversation, on) => this.o.onTyping?.(a, relayConversation, on),
      kick: this.kicker,
      team: this.team,
    });
  }

  private setSignIn(account: string, expired: string | null): void {
    const prev = this.channels.get(account);
    if (!prev || (prev.signInExpired ?? null) === expired) return;
    this.channels.set(account, { ...prev, signInExpired: expired });
    this.o.onChange?.();
  }

  private setState(account: string, channel: Channel, state: ConnectionState, detail?: string): void {
    const prev = this.channels.get(account);
    if (prev && prev.state === state && prev.detail === (detail ?? null)) return;
    const status = { account, channel, state, detail: detail ?? null, since: this.ctx.now(), signInExpired: prev?.signInExpired ?? null };
    this.channels.set(account, status);
    this.events?.report(account, channel, state, detail);
    this.o.onChange?.();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stop.signal.aborted) return;
    this.ticking = true;
    try {
      const now = this.ctx.now();
      if (now - this.lastAccounts >= ACCOUNTS_EVERY_MS) {
        this.lastAccounts = now;
        this.reconcile();
      }
      if (this.o.duties) await this.duties(now);
    } catch (err) {
      // SQLITE_BUSY past the timeout, a full disk: keep going, and try again on the next tick.
      this.ctx.log(`channels: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /** What only a watching process can record: snoozes that ended, due times that passed. */
  private async duties(now: number): Promise<void> {
    wakeSnoozed(this.ctx.db, now);
    if (now - this.lastSla < SLA_EVERY_MS) return;
    this.lastSla = now;
    const policy = await this.currentPolicy();
    this.sla?.tick(policy.focus.breakthrough.leadMinutes, policy.sla.hours);
  }

  private async currentPolicy(): Promise<PolicySettings> {
    if (this.o.policy) return this.o.policy();
    // Due times are cached ranks: recompute what changed (here or in another process) before alerting on them.
    const mark = changeMark(this.ctx.db);
    if (this.policy === null || mark !== this.policyMark) {
      this.policy = await prepareQueue(this.ctx);
      this.policyMark = mark;
    }
    return this.policy;
  }

  /**
   * Accounts added, changed or removed (`attend account add/remove` in another terminal) while
   * this process runs: start, restart or stop their watchers.
   */
  private reconcile(): void {
    // A stat, not a read of the file, while nothing changed.
    const stamp = stampOf(settingsFiles(this.ctx.env).file);
    if (stamp === this.settingsStamp) return;
    this.settingsStamp = stamp;
    let wanted: Account[];
    try {
      wanted = allAccounts(channelsToRun(this.ctx, 'off', undefined)).filter((a) => !this.o.only || a.name === this.o.only);
    } catch (err) {
      this.ctx.log(`settings: ${(err as Error).message}`);
      return;
    }
    const names = new Set(wanted.map((a) => a.name));
    for (const [name, w] of this.watchers) {
      if (name === this.builtin || names.has(name)) continue;
      w.stop.abort();
      this.watchers.delete(name);
      this.channels.delete(name);
      this.ctx.log(`account ${name} removed: stopped`);
      this.o.onChange?.();
    }
    for (const a of wanted) {
      const running = this.watchers.get(a.name);
      if (running && running.started === JSON.stringify(a)) continue;
      if (running) {
        running.stop.abort();
        this.ctx.log(`account ${a.name} changed: reconnecting`);
      } else this.ctx.log(`account ${a.name} added: connecting`);
      this.watch(a);
    }
  }
}
