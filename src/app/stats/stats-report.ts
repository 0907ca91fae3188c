// Stats as text (a table and small bar charts of eighth blocks) and as CSV. Pure: the console's
// stats screen can print the same lines. No colour at all, so NO_COLOR and pipes need no care;
// a missing number is "—", never NaN.
import type { ChannelStats, Durations, Stats } from '../../policy/stats.js';

const NONE = '—';
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** "45s", "12m 5s", "3h 20m", "2d 4h"; "—" for no value. At most two units: enough to compare. */
export function formatSpan(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NONE;
  const s = Math.round(Math.max(0, ms) / 1000);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) => (small ? `${big}${bigUnit} ${small}${smallUnit}` : `${big}${bigUnit}`);
  if (s < 60) return `${s}s`;
  if (s < 3600) return two(Math.floor(s / 60), 'm', s % 60, 's');
  if (s < 86_400) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm');
  return two(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

export const formatShare = (share: number | null): string => (share === null || !Number.isFinite(share) ? NONE : `${Math.round(share * 100)}%`);

/** A bar of `value / max` of `width` cells, to an eighth of a cell; a non-zero value is never invisible. */
export function bar(value: number, max: number, width: number): string {
  if (!(value > 0) || !(max > 0) || width <= 0) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] as string);
}

const pad = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

/** Text report for a terminal `width` columns wide (capped at 80: a report, not a dashboard). */
export function statsText(stats: Stats, width = 80): string {
  const w = Math.max(40, Math.min(80, width));
  const cols: ChannelStats[] = stats.channels.length > 1 ? [...stats.channels, stats.overall] : stats.channels;
  const labelW = 24;
  const colW = Math.max(8, Math.min(10, Math.floor((w - labelW) / cols.length)));
  const row = (label: string, cell: (c: ChannelStats) => string) => `${label.padEnd(labelW)}${cols.map((c) => pad(cell(c), colW)).join('')}`.trimEnd();
  const spans = (label: string, pick: (c: ChannelStats) => Durations) => [
    row(`${label} p50`, (c) => formatSpan(pick(c).p50Ms)),
    row(`${label} p90`, (c) => formatSpan(pick(c).p90Ms)),
  ];
  const lines = [
    `${stats.from.slice(0, 16).replace('T', ' ')} → ${stats.to.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    row('', (c) => c.channel),
    row('opened', (c) => String(c.opened)),
    row('resolved', (c) => String(c.resolved)),
    row('first responses', (c) => String(c.firstResponse.count)),
    ...spans('first response', (c) => c.firstResponse),
    row('  within target', (c) => formatShare(c.firstResponse.withinTarget)),
    row('  target', (c) => (c.firstResponse.targetMs === null ? '' : formatSpan(c.firstResponse.targetMs))),
    row('  unanswered', (c) => String(c.firstResponse.unanswered)),
    ...spans('next response', (c) => c.nextResponse),
    ...spans('resolution', (c) => c.resolution),
  ];
  if (stats.channels.length > 1) lines.push('', ...firstResponseChart(stats, w));
  lines.push('', ...focusLines(stats, w));
  return lines.join('\n');
}

function firstResponseChart(stats: Stats, w: number): string[] {
  const measured = stats.channels.filter((c) => c.firstResponse.p50Ms !== null);
  if (measured.length === 0) return ['first response p50: no first responses in this period'];
  const max = Math.max(...measured.map((c) => c.firstResponse.p50Ms as number));
  const valueW = 9;
  const barW = w - 2 - 6 - 1 - valueW;
  const out = ['first response p50 by channel'];
  for (const c of stats.channels) out.push(`  ${c.channel.padEnd(6)} ${bar(c.firstResponse.p50Ms ?? 0, max, barW).padEnd(barW)} ${pad(formatSpan(c.firstResponse.p50Ms), valueW - 1)}`.trimEnd());
  const g = stats.gap;
  out.push(
    g === null
      ? 'gap: needs first responses on two channels'
      : g.ms === 0
        ? `gap: none — ${g.fastest} and ${g.slowest} are as fast at the median`
        : `gap: ${g.slowest} is ${formatSpan(g.ms)} slower than ${g.fastest} at the median`,
  );
  return out;
}

function focusLines(stats: Stats, w: number): string[] {
  const f = stats.focus;
  const skips = f.skipped.reduce((n, s) => n + s.count, 0);
  const out = [`focus: ${f.sessions} session${f.sessions === 1 ? '' : 's'} · ${f.handled} handled · median ${formatSpan(f.medianHandleMs)} · ${skips} skipped`];
  if (f.skipped.length === 0) return out;
  const labelW = Math.min(20, Math.max(...f.skipped.map((s) => [...s.reason].length)));
  const countW = String(Math.max(...f.skipped.map((s) => s.count))).length;
  const barW = Math.max(4, w - 2 - labelW - 1 - 1 - countW);
  const max = Math.max(...f.skipped.map((s) => s.count));
  out.push('skips by reason');
  for (const s of f.skipped) out.push(`  ${clip(s.reason, labelW)} ${bar(s.count, max, barW).padEnd(barW)} ${pad(String(s.count), countW)}`);
  return out;
}

function clip(s: string, w: number): string {
  const chars = [...s.replace(/[\p{Cc}\p{Cf}]/gu, '')];
  return chars.length <= w ? chars.join('') + ' '.repeat(w - chars.length) : `${chars.slice(0, w - 1).join('')}…`;
}

export const STATS_CSV_COLUMNS = [
  'from',
  'to',
  'channel',
  'opened',
  'resolved',
  'first_response_count',
  'first_response_p50_ms',
  'first_response_p90_ms',
  'first_response_target_ms',
  'within_target',
  'unanswered',
  'next_response_count',
  'next_response_p50_ms',
  'next_response_p90_ms',
  'resolution_count',
  'resolution_p50_ms',
  'resolution_p90_ms',
] as const;

/** One row per channel and one for all; a missing number is an empty field. Fixed columns, so weeks can be appended. */
export function statsCsv(stats: Stats): string {
  const n = (v: number | null) => (v === null ? '' : String(Math.round(v * 10_000) / 10_000));
  const rows = (stats.channels.length > 1 ? [...stats.channels, stats.overall] : stats.channels).map((c) =>
    [
      stats.from,
      stats.to,
      c.channel,
      n(c.opened),
      n(c.resolved),
      n(c.firstResponse.count),
      n(c.firstResponse.p50Ms),
      n(c.firstResponse.p90Ms),
      n(c.firstResponse.targetMs),
      n(c.firstResponse.withinTarget),
      n(c.firstResponse.unanswered),
      n(c.nextResponse.count),
      n(c.nextResponse.p50Ms),
      n(c.nextResponse.p90Ms),
      n(c.resolution.count),
      n(c.resolution.p50Ms),
      n(c.resolution.p90Ms),
    ].join(','),
  );
  return `${[STATS_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
