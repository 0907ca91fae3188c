// Figures of a simulated run, per channel: share answered within target, p50/p90 of first and next
// responses (nearest rank, as `attend stats`), the gap between channels, and how long a backlog took.
import type { Channel } from '../../src/domain/types.js';
import type { DayResult, Response } from './engine.js';

const CHANNELS: readonly Channel[] = ['chat', 'email'];
const HOUR = 3_600_000;

export interface ChannelFigures {
  responses: number;
  /** Share of answers (first and next) within their target, fresh conversations only; null without data. */
  within: number | null;
  firstP50: number | null;
  firstP90: number | null;
  nextP50: number | null;
  nextP90: number | null;
}

export interface Figures {
  policy: string;
  mode: string;
  channels: Record<Channel, ChannelFigures>;
  /** The lowest within-target share over channels with answers. */
  worstWithin: number | null;
  /** Slowest channel's first-response p50 minus the fastest one's (ms). */
  gapMs: number | null;
  /** Hours from the day's start until the last backlog email was answered: median and worst day; null without backlog. */
  backlogDrainHours: { median: number; max: number; undrained: number } | null;
  interruptionsPerDay: number;
}

/** Nearest rank: the value at position ceil(p·n) of the sorted list; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] ?? null;
}

const sortedMs = (rs: readonly Response[]) => rs.map((r) => r.ms).sort((a, b) => a - b);

/** @param dayEndMs how long arrivals last, from the day's start (a backlog answered later did not drain within the day) */
export function figuresOf(policy: string, mode: string, days: readonly DayResult[], dayEndMs: number): Figures {
  const all = days.flatMap((d) => d.responses);
  const fresh = all.filter((r) => !r.backlog);
  const channels = {} as Record<Channel, ChannelFigures>;
  for (const ch of CHANNELS) {
    const rs = fresh.filter((r) => r.channel === ch);
    const first = sortedMs(rs.filter((r) => r.kind === 'first'));
    const next = sortedMs(rs.filter((r) => r.kind === 'next'));
    channels[ch] = {
      responses: rs.length,
      within: rs.length === 0 ? null : rs.filter((r) => r.within).length / rs.length,
      firstP50: percentile(first, 0.5),
      firstP90: percentile(first, 0.9),
      nextP50: percentile(next, 0.5),
      nextP90: percentile(next, 0.9),
    };
  }
  const shares = CHANNELS.map((c) => channels[c].within).filter((w): w is number => w !== null);
  const p50s = CHANNELS.map((c) => channels[c].firstP50).filter((v): v is number => v !== null);
  let backlogDrainHours: Figures['backlogDrainHours'] = null;
  if (all.some((r) => r.backlog)) {
    const drains = days.map((d) => Math.max(0, ...d.responses.filter((r) => r.backlog).map((r) => r.at)) / HOUR).sort((a, b) => a - b);
    backlogDrainHours = { median: percentile(drains, 0.5) as number, max: drains[drains.length - 1] as number, undrained: drains.filter((h) => h * HOUR > dayEndMs).length };
  }
  return {
    policy,
    mode,
    channels,
    worstWithin: shares.length ? Math.min(...shares) : null,
    gapMs: p50s.length > 1 ? Math.max(...p50s) - Math.min(...p50s) : null,
    backlogDrainHours,
    interruptionsPerDay: days.reduce((n, d) => n + d.interruptions, 0) / Math.max(1, days.length),
  };
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
function dur(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 90 * 60) return `${(s / 60).toFixed(1)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** A plain-text table, one row per policy and agent mode. */
export function table(rows: readonly Figures[]): string {
  const head = ['policy', 'agent', 'chat ok', 'email ok', 'worst', 'chat 1st p50/p90', 'chat next p50/p90', 'email p50/p90', 'gap', 'backlog drained'];
  const body = rows.map((f) => [
    f.policy,
    f.mode,
    pct(f.channels.chat.within),
    pct(f.channels.email.within),
    pct(f.worstWithin),
    `${dur(f.channels.chat.firstP50)} / ${dur(f.channels.chat.firstP90)}`,
    `${dur(f.channels.chat.nextP50)} / ${dur(f.channels.chat.nextP90)}`,
    `${dur(f.channels.email.firstP50)} / ${dur(f.channels.email.firstP90)}`,
    dur(f.gapMs),
    f.backlogDrainHours ? `${f.backlogDrainHours.median.toFixed(1)}h (worst ${f.backlogDrainHours.max.toFixed(1)}h)` : '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
