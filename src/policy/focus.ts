// Focus-mode decisions: which conversation comes next, what activity is deferred or hidden, what
// breaks through, and the digest shown when focus ends. Pure: the queue (already ranked with a
// clock passed in) and settings in, decisions out.
import type { Channel } from '../domain/types.js';
import { compareRanked, type QueueFacts, type Ranked } from './queue.js';

export interface FocusSettings {
  /** Higher outranks. Activity on a channel ranked lower than the focused one is hidden until focus ends. */
  channelRank: Record<Channel, number>;
  /** e.g. { email: ['chat'] }: email is not offered while any chat waits. */
  waitsFor: Partial<Record<Channel, Channel[]>>;
  breakthrough: {
    /** A waiting conversation breaks through this many minutes before its target (and once breached). */
    leadMinutes: Record<Channel, number>;
    /** Waiting VIP conversations always break through. */
    vip: boolean;
    /** Ring the terminal bell on a new breakthrough (for the UI). */
    bell: boolean;
    /** Desktop notification on a new breakthrough (for the UI). */
    notify: boolean;
  };
  /** Tell waiting chat visitors their place in line. `{{position}}` is replaced. */
  queueNotice: { enabled: boolean; text: string };
}

export const DEFAULT_FOCUS: FocusSettings = {
  channelRank: { chat: 2, email: 1 },
  waitsFor: {},
  breakthrough: { leadMinutes: { chat: 2, email: 30 }, vip: true, bell: false, notify: false },
  queueNotice: { enabled: false, text: 'Thanks for waiting — you are number {{position}} in line. We will be with you shortly.' },
};

const MIN = 60_000;

const waiting = (r: Ranked): boolean => r.timeLeft !== null;

/** Late by more than this (and by more than its own target), a conversation has already failed. */
const GIVEN_UP_MS = 60 * MIN;

/**
 * Really at risk: a customer waits, the (open) time left is within the channel's breakthrough lead,
 * and it has not missed its target by more than both its own target and an hour. A months-old
 * email has already failed, and naming it would hide the conversation that can still be saved; a
 * chat visitor who has waited ten minutes may still be on the page.
 */
export function atRisk(r: Ranked, s: FocusSettings): boolean {
  if (r.timeLeft === null) return false;
  const lead = (s.breakthrough.leadMinutes[r.item.channel] ?? 0) * MIN;
  const givenUp = Math.max(r.targetMs ?? 0, GIVEN_UP_MS);
  // The lead counts open hours (business-hours.ts): an email due Monday 09:10 is near on Friday 16:45.
  return (r.openLeft ?? r.timeLeft) <= lead && r.timeLeft > -givenUp;
}

/**
 * The next conversation to focus: the first in queue order that someone waits on, is not excluded
 * (skipped, the current one…) and whose channel is not held back by `waitsFor`. A channel is held
 * back only while a non-excluded waiting conversation of a channel it waits for exists, and never
 * a conversation at risk (the queue order is the one decision; a channel rule does not hide what it
 * ranks as urgent). When the rules hold back everything that waits (a cycle such as email⇄chat),
 * the first waiting one is offered rather than nothing. Null when nothing waits.
 */
export function pickNext<T extends QueueFacts>(queue: readonly Ranked<T>[], exclude: ReadonlySet<number>, s: FocusSettings): Ranked<T> | null {
  const candidates = queue.filter((r) => waiting(r) && !exclude.has(r.item.id));
  const waitingChannels = new Set(candidates.map((r) => r.item.channel));
  const free = candidates.find((r) => atRisk(r, s) || !(s.waitsFor[r.item.channel] ?? []).some((c) => waitingChannels.has(c)));
  return free ?? candidates[0] ?? null;
}

export type ActivityClass = 'current' | 'deferred' | 'hidden';

/**
 * Activity while focused: in the focused conversation → 'current'; on a channel ranked lower than
 * the focused conversation's → 'hidden' (not even counted until focus ends) unless the queue ranks
 * that conversation ahead of the focused one (`rankedAhead`: a deferred channel never hides what
 * the policy puts first); else 'deferred' (counted quietly). With nothing focused: 'deferred'.
 */
export function classifyActivity(
  a: { conversationId: number; channel: Channel },
  current: { id: number; channel: Channel } | null,
  s: FocusSettings,
  rankedAhead = false,
): ActivityClass {
  if (current === null) return 'deferred';
  if (a.conversationId === current.id) return 'current';
  if (rankedAhead) return 'deferred';
  return (s.channelRank[a.channel] ?? 0) < (s.channelRank[current.channel] ?? 0) ? 'hidden' : 'deferred';
}

/**
 * Other waiting conversations that should interrupt as one line: at risk (time left within the lead
 * of their channel, and not breached by more than their own target), or VIP when
 * `breakthrough.vip`. In queue order. The caller decides what is new (to ring the bell once); this
 * never switches conversation.
 */
export function breakthroughs<T extends QueueFacts>(queue: readonly Ranked<T>[], currentId: number | null, s: FocusSettings): Ranked<T>[] {
  return queue.filter((r) => r.item.id !== currentId && r.timeLeft !== null && (atRisk(r, s) || (s.breakthrough.vip && r.vip)));
}

/** One message (or other activity) that arrived in another conversation while focused. */
export interface DeferredActivity {
  conversationId: number;
  channel: Channel;
  at: number;
}

export interface HandledItem {
  conversationId: number;
  ms: number;
  outcome: 'replied' | 'resolved' | 'pending' | 'snoozed';
}

export interface DigestItem {
  conversationId: number;
  messages: number;
  timeLeft: number | null;
  breached: boolean;
}

export interface Digest {
  /** Channels with the most urgent first (by their most urgent item); items most urgent first. */
  byChannel: Array<{ channel: Channel; conversations: number; messages: number; items: DigestItem[] }>;
  handled: { count: number; medianMs: number | null };
  /** Normalised reasons (see normaliseSkipReason), most frequent first, then alphabetical. */
  skipped: Array<{ reason: string; count: number }>;
}

/**
 * What happened while focused. Items are ordered by queue order through `rankOf` (compareRanked);
 * conversations it does not know come last, by their first activity, then id.
 */
export function digest(input: {
  deferred: readonly DeferredActivity[];
  handled: readonly HandledItem[];
  skipped: readonly { conversationId: number; reason: string }[];
  rankOf: (id: number) => Ranked | undefined;
}): Digest {
  const byConv = new Map<number, { channel: Channel; messages: number; firstAt: number }>();
  for (const a of input.deferred) {
    const c = byConv.get(a.conversationId);
    if (c) {
      c.messages++;
      c.firstAt = Math.min(c.firstAt, a.at);
    } else byConv.set(a.conversationId, { channel: a.channel, messages: 1, firstAt: a.at });
  }

  type Entry = { id: number; messages: number; firstAt: number; rank: Ranked | undefined };
  const byCh = new Map<Channel, Entry[]>();
  for (const [id, c] of byConv) {
    const list = byCh.get(c.channel) ?? [];
    list.push({ id, messages: c.messages, firstAt: c.firstAt, rank: input.rankOf(id) });
    byCh.set(c.channel, list);
  }
  const cmp = (a: Entry, b: Entry): number => {
    if (a.rank && b.rank) return compareRanked(a.rank, b.rank);
    if (a.rank || b.rank) return a.rank ? -1 : 1;
    return a.firstAt - b.firstAt || a.id - b.id;
  };

  const channels = [...byCh.entries()].map(([channel, entries]) => ({ channel, entries: entries.sort(cmp) }));
  channels.sort((a, b) => {
    const [x, y] = [a.entries[0], b.entries[0]];
    return x && y ? cmp(x, y) || a.channel.localeCompare(b.channel) : 0;
  });

  const reasons = new Map<string, number>();
  for (const s of input.skipped) {
    const r = normaliseSkipReason(s.reason);
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }

  return {
    byChannel: channels.map(({ channel, entries }) => ({
      channel,
      conversations: entries.length,
      messages: entries.reduce((n, e) => n + e.messages, 0),
      items: entries.map((e) => ({ conversationId: e.id, messages: e.messages, timeLeft: e.rank?.timeLeft ?? null, breached: e.rank?.breached ?? false })),
    })),
    handled: { count: input.handled.length, medianMs: median(input.handled.map((h) => h.ms)) },
    skipped: [...reasons.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}

/**
 * A skip reason is kept as one word so metrics group well: trimmed, lower-cased, the first
 * whitespace-separated word, punctuation at its ends dropped ("Waiting on billing." → "waiting",
 * "  Spam! " → "spam"); nothing left → "none".
 */
export function normaliseSkipReason(reason: string): string {
  const first = reason.trim().toLowerCase().split(/\s+/)[0] ?? '';
  const word = first.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  return word === '' ? 'none' : word;
}

/** The middle value (mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] as number;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

/** 1-based place among the waiting conversations of the same channel, in queue order; null if not waiting. */
export function queuePosition<T extends QueueFacts>(queue: readonly Ranked<T>[], id: number): number | null {
  const self = queue.find((r) => r.item.id === id);
  if (!self || !waiting(self)) return null;
  const line = queue.filter((r) => waiting(r) && r.item.channel === self.item.channel);
  return line.indexOf(self) + 1;
}

/** Fills `{{position}}` (spaces inside the braces allowed). Unknown placeholders are left as written. */
export function renderQueueNotice(text: string, vars: { position: number }): string {
  return text.replace(/\{\{\s*position\s*\}\}/g, String(vars.position));
}
