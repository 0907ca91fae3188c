// Text helpers for the console. Everything from outside goes through safeText/safeLine first, so
// a subject can never move the cursor or retitle the terminal; wrapping works on clean text only.
import { safeLine, safeText } from '../domain/sanitize.js';

export { safeLine, safeText };

/** Cuts one clean line to a width (code points), with an ellipsis when cut. */
export function clip(s: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...s];
  if (chars.length <= width) return s;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function pad(s: string, width: number): string {
  const f = clip(s, width);
  const n = [...f].length;
  return n < width ? f + ' '.repeat(width - n) : f;
}

/** Word-wraps sanitized text to a width; long words are broken. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of safeText(text).replace(/\t/g, '  ').split('\n')) {
    if (para.trim() === '') {
      out.push('');
      continue;
    }
    let line = '';
    for (const word of para.split(/ +/)) {
      let rest = word;
      while ([...rest].length > w) {
        if (line !== '') {
          out.push(line);
          line = '';
        }
        const chars = [...rest];
        out.push(chars.slice(0, w).join(''));
        rest = chars.slice(w).join('');
      }
      if (line === '') line = rest;
      else if ([...line].length + 1 + [...rest].length <= w) line += ` ${rest}`;
      else {
        out.push(line);
        line = rest;
      }
    }
    out.push(line);
  }
  return out;
}

export function clock(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

const WEEKDAY = new Intl.DateTimeFormat('en', { weekday: 'short' }); // one formatter: building one costs ~0.3 ms

/** "14:02" today, "Mon 14:02" this week, "2026-03-01" before. */
export function when(iso: string, now: number): string {
  const t = Date.parse(iso);
  const d = new Date(t);
  if (now - t < 20 * 3600_000 && new Date(now).getDate() === d.getDate()) return clock(t);
  if (now - t < 6 * 86_400_000) return `${WEEKDAY.format(d)} ${clock(t)}`;
  return d.toISOString().slice(0, 10);
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
