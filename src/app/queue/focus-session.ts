// One focus session: which conversation is shown, what was deferred meanwhile, what was handled
// or skipped (kept in the event log for `stats`), and the digest when it ends. The decisions are
// the policy's (policy/focus.ts); this object only keeps the facts and reads the store.
// In a team, what focus shows is claimed at the hub first (two agents never get the same one):
// the choice is then asynchronous and reported through `onShow`; working alone it is immediate.
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
import { assigneeOf, lastMessageRowId, outgoingSince } from '../../store/reply-marks.js';
import type { ClaimResult, TeamPort } from '../team/port.js';
import { shownRefOf } from '../conversations/conversation-ref.js';
import { rankedOne, waitingQueue } from './queue-view.js';

/** Claims refused in a row (teammates hold them) before focus stops trying and says so. */
export const MAX_CLAIM_ATTEMPTS = 10;

/**
 * A conversation the hub refused is not asked for again this long, even when this store still
 * shows it free (the change that assigned it may not have arrived yet); after that, the store decides.
 */
export const REFUSED_FOR_MS = 30_000;

/** Team mode: the hub to claim at, and where the console hears what focus shows once claimed. */
export interface FocusRouting {
  team: Pick<TeamPort, 'enabled' | 'me' | 'claim' | 'release'>;
  /** The conversation now shown (null: none), and why none when teammates hold what waits. */
  onShow: (id: number | null, note: string | null) => void;
  log: (line: string) => void;
}

/** Why focus shows nothing: how many wait, and how many of those this session put aside. */
export interface FocusIdle {
  waiting: number;
  skipped: number;
  handled: number;
  /** Team mode: how many of those teammates hold (assigned to them, or refused to us at the hub). */
  held?: number;
  /** Team mode: a claim is on its way to the hub. */
  claiming?: boolean;
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
  /** Team mode: refused at the hub (when), not asked for again for REFUSED_FOR_MS or until N reconsiders. */
  private readonly refused = new Map<number, number>();
  /** Team mode: what focus assigned to me, with the message mark at that moment (to tell whether I replied since). */
  private readonly claimed = new Map<number, number>();
  private routing: Promise<void> | null = null;
  /** Team mode: MAX_CLAIM_ATTEMPTS refused in a row; no more claims until N asks again. */
  private gaveUp = false;
  private ended = false;

  constructor(
    private readonly db: Db,
    private policy: PolicySettings,
    private readonly now: () => number,
    private readonly team?: FocusRouting,
  ) {
    this.startedAt = now();
    this.seq = maxSeq(db);
    db.transaction(() => appendEvent(db, 'focus.started', null, this.startedAt, {})).immediate();
    this.advance();
  }

  setPolicy(p: PolicySettings): void {
    this.policy = p;
  }

  private get teamMode(): boolean {
    return this.team?.team.enabled === true;
  }

  /** A claim is on its way to the hub (team mode): focus shows nothing until it is answered. */
  get claiming(): boolean {
    return this.routing !== null;
  }

  /** Shows the next conversation by policy; null when nothing waits (and in a team, until its claim is answered: see onShow). */
  advance(): number | null {
    if (this.teamMode) {
      this.show(null, null);
      this.routing ??= this.claimNext().finally(() => {
        this.routing = null;
      });
      return null;
    }
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
    this.claimed.delete(id); // handled: it stays mine
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
      this.letGo(this.currentId);
    }
    return this.advance();
  }

  /**
   * The agent chose a breakthrough: it becomes current; the one left is offered again later. In a
   * team it is claimed first (the one left is let go, like a skip); returns what is shown now.
   */
  jump(id: number): number | null {
    const r = rankedOne(this.db, id, this.now());
    if (!r) return this.currentId;
    if (this.teamMode) void this.claimJump(id, r.item.channel);
    else this.show(id, r.item.channel);
    return this.currentId;
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
    // than say "nothing is waiting" under a status bar that counts them. (In a team: not while a
    // claim is out, nor after teammates refused too many in a row — N asks again.)
    if (this.currentId === null && !(this.teamMode && (this.routing !== null || this.gaveUp))) this.advance();
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
    let held = 0;
    for (const r of waiting) {
      if (!this.exclude.has(r.item.id)) {
        if (this.heldByTeammate(r.item.id)) held++;
        continue;
      }
      if (skippedIds.has(r.item.id)) skipped++;
      else handled++;
    }
    if (!this.teamMode) return { waiting: waiting.length, skipped, handled };
    return { waiting: waiting.length, skipped, handled, held, claiming: this.routing !== null };
  }

  /** Offers the conversations skipped (or handled) this session again, from the top of the queue. */
  reconsider(): number | null {
    this.exclude.clear();
    this.handledIds.clear();
    this.refused.clear();
    this.gaveUp = false;
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
    this.ended = true;
    this.letGo(this.currentId);
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

  /** Team mode: assigned to someone else here (the claim would be refused), or refused at the hub a moment ago. */
  private heldByTeammate(id: number): boolean {
    if (!this.teamMode) return false;
    const at = this.refused.get(id);
    if (at !== undefined && this.now() - at < REFUSED_FOR_MS) return true;
    const assignee = assigneeOf(this.db, id);
    return Boolean(assignee) && assignee !== (this.team?.team.me ?? null);
  }

  /** The next by policy that no teammate holds. */
  private pickUnheld(): Ranked<QueueFacts> | null {
    const exclude = new Set(this.exclude);
    const queue = waitingQueue(this.db, this.now(), 1000, this.policy.sla);
    for (;;) {
      const next = pickNext(queue, exclude, this.policy.focus);
      if (!next || !this.heldByTeammate(next.item.id)) return next;
      exclude.add(next.item.id);
    }
  }

  /** Team mode: claims the next by policy at the hub; a refused one (a teammate holds it) is passed over, up to MAX_CLAIM_ATTEMPTS. */
  private async claimNext(): Promise<void> {
    const routing = this.team as FocusRouting;
    const holders: string[] = [];
    // The answer always comes after advance() returned: the console shows what it returned first.
    await Promise.resolve();
    while (!this.ended) {
      const next = this.pickUnheld();
      if (!next) break;
      const id = next.item.id;
      const r = await this.claimOne(id);
      if (this.ended) return;
      if (r.ok) {
        this.show(id, next.item.channel);
        routing.onShow(id, null);
        return;
      }
      this.refused.set(id, this.now());
      holders.push(r.holder);
      if (holders.length >= MAX_CLAIM_ATTEMPTS) {
        this.gaveUp = true;
        const names = [...new Set(holders)].slice(0, 3).join(', ');
        routing.onShow(null, `focus: ${holders.length} conversations in a row are held by teammates (${names}) — N tries again`);
        return;
      }
    }
    if (!this.ended) routing.onShow(null, null);
  }

  /** Team mode: a breakthrough the agent jumps to is claimed first; held by a teammate, focus stays. */
  private async claimJump(id: number, channel: Channel): Promise<void> {
    const routing = this.team as FocusRouting;
    const left = this.currentId;
    const r = await this.claimOne(id);
    if (this.ended) return;
    if (!r.ok) {
      this.refused.set(id, this.now());
      routing.onShow(this.currentId, `${shownRefOf({ db: this.db }, id)} is held by ${r.holder}`);
      return;
    }
    if (left !== id) this.letGo(left);
    this.show(id, channel);
    routing.onShow(id, null);
  }

  /**
   * Claims at the hub and remembers what focus itself assigned (not what was mine already). When
   * the session ended meanwhile, a fresh claim is let go at once. A hub that cannot be asked counts
   * as a refusal: showing it anyway could give two agents the same conversation.
   */
  private async claimOne(id: number): Promise<ClaimResult> {
    const routing = this.team as FocusRouting;
    const mine = assigneeOf(this.db, id) === routing.team.me;
    const mark = lastMessageRowId(this.db, id);
    let r: ClaimResult;
    try {
      r = await routing.team.claim(id);
    } catch (err) {
      routing.log(`focus: claiming ${shownRefOf({ db: this.db }, id)}: ${(err as Error).message}`);
      return { ok: false, holder: 'no answer from the hub' };
    }
    if (r.ok && !mine) this.claimed.set(id, mark);
    if (r.ok && this.ended) this.letGo(id);
    return r;
  }

  /** Skipping, jumping away or leaving releases what focus claimed — unless I replied to it meanwhile. */
  private letGo(id: number | null): void {
    if (id === null || !this.team) return;
    const mark = this.claimed.get(id);
    if (mark === undefined) return;
    this.claimed.delete(id);
    if (outgoingSince(this.db, id, mark).some((m) => m.own)) return;
    const routing = this.team;
    void routing.team.release(id).catch((err: unknown) => routing.log(`focus: releasing ${shownRefOf({ db: this.db }, id)}: ${(err as Error).message}`));
  }
}
