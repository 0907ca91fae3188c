// Pure time parsing for --until and similar options.

const UNITS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90m", "2h", "3d", "1w" (from now) or an ISO-8601 date/time. Returns epoch ms, or null when unreadable. */
export function parseUntil(input: string, now: number): number | null {
  const s = input.trim().toLowerCase();
  const rel = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/.exec(s);
  if (rel) return now + Math.round(Number(rel[1]) * (UNITS[rel[2] as string] as number));
  if (!/^\d{4}-\d{2}-\d{2}/.test(input.trim())) return null;
  const t = Date.parse(input.trim());
  return Number.isFinite(t) ? t : null;
}

/** "7d", "24h", "90m", "2w" (that long before now) or an ISO-8601 date/time. Epoch ms, or null when unreadable. */
export function parseSince(input: string, now: number): number | null {
  const t = parseUntil(input, now);
  if (t === null) return null;
  return /^\d{4}-\d{2}-\d{2}/.test(input.trim()) ? t : now - (t - now);
}
