// Everything the CLI prints goes through here: JSON on stdout with no raw control byte,
// text with outside strings made terminal-safe, logs on stderr.
import { jsonStringify, safeLine } from '../domain/sanitize.js';
import { formatDuration } from '../policy/queue.js';

export interface Output {
  json: boolean;
  /** Writes data: JSON (one document) or text lines. */
  data(value: unknown, text: () => string): void;
  /** Writes a human message to stderr (never to stdout, so `--json` stays parseable). */
  info(line: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    data(value, text) {
      process.stdout.write(json ? `${jsonStringify(value, 2)}\n` : ensureNewline(text()));
    },
    info(line) {
      process.stderr.write(`${line}\n`);
    },
  };
}

const ensureNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/** Compact age of a timestamp: "42s", "5m", "3h", "2d". */
export function age(fromIso: string | null, now: number): string {
  return fromIso ? formatDuration(Math.max(0, now - Date.parse(fromIso))) : '';
}

/** Cuts to a display width (code points; wide glyphs are rare enough in this column to accept). */
export function cell(s: string, width: number): string {
  const clean = safeLine(s);
  const chars = [...clean];
  if (chars.length <= width) return clean + ' '.repeat(width - chars.length);
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function terminalWidth(): number {
  return process.stdout.columns && process.stdout.columns > 20 ? process.stdout.columns : 80;
}
