// One focus session: which conversation is shown, what was deferred meanwhile, what was handled
// or skipped (kept in the event log for `stats`), and the digest when it ends. The decisions are
// the policy's (policy/focus.ts); this object only keeps the facts and reads the store.
import type { Channel } from '../../domain/types.js';
import {
  breakthroughs,
  classifyActivity,
  type DeferredActivity,
  type Digest,
  digest,
  type HandledItem,
  normaliseSkipReason,
  pickNext,
  queuePosition,
  renderQueueNotice,
} from '../../policy/focus.js';
import type { QueueFacts, Ranked } from '../../policy/queue.js';
import type { PolicySettings } from '../../config/policy-settings.js';
import { appendEvent, eventsSince } from '../../store/events.js';
import type { Db } from '../../store/db.js';
import { conversationChannel } from '../../store/conversation-refs.js';
import { maxSeq } from '../../store/event-feed.js';
import { rankedOne, waitingQueue } from './queue-view.js';

/** Why focus shows nothing: how many wait, and how many of those this session put aside. */
export interface FocusIdle {
  waiting: number;
  skipped: number;
  handled: number;
}

export interface FocusFacts {
  currentId: number | null;
  /** Activity counted quietly (same or higher channel than the current conversation's). */
  deferredCount: number;
  breakthrough: Ranked<QueueFacts> | null;
  moreBreakthroughs: number;
}

export class FocusSession {
  readonly startedAt: number;
  currentId: number | null = null;
  private currentChannel: Channel | null = null;
  private currentSince = 0;
  private seq: number;
  /** Not offered again this session: skipped ones, and handled ones until their customer writes again. */
  private readonly exclude = new Set<number>();
  private readonly handledIds = new Set<number>();
  readonly deferred: DeferredActivity[] = [];
  readonly hidden: DeferredActivity[] = [];
  readonly handled: HandledItem[] = [];
  readonly skipped: Array<{ conversationId: number; reason: string }> = [];
  private readonly noticed = new Set<number>();
  /** Breakthroughs already announced by bell/notification (each once). */
  private readonly announced = new Set<number>();

  constructor(
    private readonly db: Db,
    private policy: PolicySettings,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
    this.seq = maxSeq(db);
    db.transaction(() => appendEvent(db, 'focus.started', null, this.startedAt, {})).immediate();
    this.advance();
  }

  setPolicy(p: PolicySettings): void {
    this.policy = p;
  }

  /** Shows the next conversation by policy; null when nothing waits. */
  advance(): number | null {
    const next = pickNext(waitingQueue(this.db, this.now(), 1000, this.policy.sla), this.exclude, this.policy.focus);
    this.show(next?.item.id ?? null, next?.item.channel ?? null);
    return this.currentId;
  }

  private show(id: number | null, channel: Channel | null): void {
    this.currentId = id;
    this.currentChannel = channel;
    this.currentSince = this.now();
  }

  /**
   * Conversation `id` was resolved / set pending / snoozed / answered: count it and move on. Only
   * when it is still the one shown — an action that finishes after the agent moved on changes nothing.
   */
  handle(id: number, outcome: HandledItem['outcome']): number | null {
    if (this.currentId !== id) return this.currentId;
    {
      const item = { conversationId: id, ms: this.now() - this.currentSince, outcome };
      this.handled.push(item);
      this.exclude.add(id);
      this.handledIds.add(id);
      this.db.transaction(() => appendEvent(this.db, 'focus.handled', item.conversationId, this.now(), { ms: item.ms, outcome })).immediate();
    }
    return this.advance();
  }

  /** Skips the current conversation for this session, with a one-word reason kept for metrics. */
  skip(reason: string): number | null {
    if (this.currentId !== null) {
      const r = normaliseSkipReason(reason);
      this.skipped.push({ conversationId: this.currentId, reason: r });
      this.exclude.add(this.currentId);
      this.db.transaction(() => appendEvent(this.db, 'focus.skipped', this.currentId, this.now(), { reason: r })).immediate();
    }
    return this.advance();
  }

  /** The agent chose a breakthrough: it becomes current; the one left is offered again later. */
  jump(id: number): void {
    const r = rankedOne(this.db, id, this.now());
    if (r) this.show(id, r.item.channel);
  }

  /** Whether the current conversation still has a customer waiting (if not, "next" needs no reason). */
  currentWaiting(): boolean {
    if (this.currentId === null) return false;
    const r = rankedOne(this.db, this.currentId, this.now());
    return r !== undefined && r.timeLeft !== null;
  }

  /**
   * Reads new customer activity from the event log and sorts it: current, deferred (counted) or
   * hidden (a lower channel: not even counted until focus ends). Returns the chat conversations that
   * should get the queue notice now (each once per session, when enabled).
   */
  observe(): Array<{ conversationId: number; text: string }> {
    const notices: Array<{ conversationId: number; text: string }> = [];
    // What the queue ranks ahead of the focused conversation is never hidden, whatever its channel
    // (read once, when needed).
    let ahead: Set<number> | undefined;
    const aheadOfCurrent = () => {
      if (ahead === undefined) {
        const q = waitingQueue(this.db, this.now());
        // Not in the waiting queue (answered, say): everyone who waits ranks ahead of it.
        const at = q.findIndex((r) => r.item.id === this.currentId);
        ahead = new Set(q.slice(0, at < 0 ? q.length : at).map((r) => r.item.id));
      }
      return ahead;
    };
    for (;;) {
      const events = eventsSince(this.db, this.seq, 500);
      if (events.length === 0) break;
      for (const e of events) {
        this.seq = e.seq;
        if (e.type !== 'message.received' || e.conversationId === null) continue;
        // A handled conversation whose customer writes again is in the running again.
        if (this.handledIds.delete(e.conversationId)) this.exclude.delete(e.conversationId);
        const row = conversationChannel(this.db, e.conversationId);
        if (!row) continue;
        const current = this.currentId !== null && this.currentChannel !== null ? { id: this.currentId, channel: this.currentChannel } : null;
        const lower = current !== null && (this.policy.focus.channelRank[row.channel] ?? 0) < (this.policy.focus.channelRank[current.channel] ?? 0);
        const rankedAhead = lower && aheadOfCurrent().has(e.conversationId);
        const cls = classifyActivity({ conversationId: e.conversationId, channel: row.channel }, current, this.policy.focus, rankedAhead);
        const activity = { conversationId: e.conversationId, channel: row.channel, at: e.at };
        if (cls === 'deferred') this.deferred.push(activity);
        else if (cls === 'hidden') this.hidden.push(activity);
        if (cls !== 'current' && row.channel === 'chat' && this.policy.focus.queueNotice.enabled && !this.noticed.has(e.conversationId)) {
          const position = queuePosition(waitingQueue(this.db, this.now()), e.conversationId);
          if (position !== null) {
            this.noticed.add(e.conversationId);
            notices.push({ conversationId: e.conversationId, text: renderQueueNotice(this.policy.focus.queueNotice.text, { position }) });
          }
        }
      }
    }
    return notices;
  }

  facts(): FocusFacts {
    // Nothing shown and someone new waits (a chat arrived while focus was idle): show it, rather
    // than say "nothing is waiting" under a status bar that counts them.
    if (this.currentId === null) this.advance();
    // A VIP breaks through when they wrote during this session (or are near their target like
    // anyone else) — not forever just for waiting somewhere in the queue.
    const active = new Set([...this.deferred, ...this.hidden].map((d) => d.conversationId));
    const lead = this.policy.focus.breakthrough.leadMinutes;
    const list = breakthroughs(waitingQueue(this.db, this.now(), 1000, this.policy.sla), this.currentId, this.policy.focus).filter(
      (r) => !r.vip || active.has(r.item.id) || (r.openLeft !== null && r.openLeft <= lead[r.item.channel] * 60_000),
    );
    // Counted while they still wait: one answered or resolved meanwhile is no longer "waiting".
    const stillWaiting = new Set(waitingQueue(this.db, this.now()).map((r) => r.item.id));
    const deferredIds = new Set(this.deferred.map((d) => d.conversationId).filter((id) => stillWaiting.has(id)));
    deferredIds.delete(this.currentId ?? -1);
    return { currentId: this.currentId, deferredCount: deferredIds.size, breakthrough: list[0] ?? null, moreBreakthroughs: Math.max(0, list.length - 1) };
  }

  /** When nothing is shown: what waits, and how much of it this session skipped or handled. */
  idle(): FocusIdle {
    const waiting = waitingQueue(this.db, this.now());
    const skippedIds = new Set(this.skipped.map((s) => s.conversationId));
    let skipped = 0;
    let handled = 0;
    for (const r of waiting) {
      if (!this.exclude.has(r.item.id)) continue;
      if (skippedIds.has(r.item.id)) skipped++;
      else handled++;
    }
    return { waiting: waiting.length, skipped, handled };
  }

  /** Offers the conversations skipped (or handled) this session again, from the top of the queue. */
  reconsider(): number | null {
    this.exclude.clear();
    this.handledIds.clear();
    return this.advance();
  }

  /** True the first time a breakthrough is seen (for the bell / desktop notification). */
  announce(id: number): boolean {
    if (this.announced.has(id)) return false;
    this.announced.add(id);
    return true;
  }

  /** Ends the session: the digest of what waited (deferred and hidden) and what was handled. */
  end(): Digest & { minutes: number } {
    const now = this.now();
    const d = digest({
      deferred: [...this.deferred, ...this.hidden],
      handled: this.handled,
      skipped: this.skipped,
      rankOf: (id) => rankedOne(this.db, id, now),
    });
    this.db
      .transaction(() =>
        appendEvent(this.db, 'focus.ended', null, now, { handled: d.handled.count, medianMs: d.handled.medianMs, skipped: this.skipped.length }),
      )
      .immediate();
    return { ...d, minutes: Math.round((now - this.startedAt) / 60_000) };
  }
}
