// widget.js is plain browser JS served as written, so it cannot import src/protocol/: it keeps a
// copy of the constants it needs in one marked block. This compares that block with src/protocol/
// — `npm run build` (scripts/bundle.mjs) runs it and fails on any difference, so the widget and
// the relay cannot drift apart unnoticed. Pure: text in, problems out.
import * as protocol from '../../protocol/wire.js';

export const BLOCK_BEGIN = '/* ---------- attend.chat.v1 constants (checked by the build) ---------- */';
export const BLOCK_END = '/* ---------- end of attend.chat.v1 constants ---------- */';

/** What the widget copies, by its name in src/protocol/ (`CLOSE.sessionReplaced` is `CLOSE_SESSION_REPLACED`). */
export const WIDGET_COPIES = [
  'SUBPROTOCOL',
  'VISITOR_PATH',
  'MAX_BODY_CHARS',
  'MAX_NAME_CHARS',
  'MAX_EMAIL_CHARS',
  'MAX_PAGE_CHARS',
  'MAX_HISTORY_LIMIT',
  'CLIENT_PING_MS',
  'TYPING_ON_INTERVAL_MS',
  'TYPING_EXPIRES_MS',
  'RECONNECT_BACKOFF_MIN_MS',
  'RECONNECT_BACKOFF_MAX_MS',
  'ACK_EVERY_EVENTS',
  'ACK_AFTER_MS',
  'VISITOR_SEND_REFILL_MS',
  'CLOSE_HEARTBEAT_TIMEOUT',
  'CLOSE_SESSION_REPLACED',
  'CLOSE_RATE_LIMITED',
] as const;

type Literal = string | number;

/** Every constant src/protocol/ exports, under the name the widget gives it. */
export function protocolConstants(): Map<string, Literal> {
  const out = new Map<string, Literal>();
  for (const [name, value] of Object.entries(protocol)) {
    if (typeof value === 'string' || typeof value === 'number') out.set(name, value);
  }
  for (const [key, code] of Object.entries(protocol.CLOSE)) out.set(`CLOSE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, code);
  return out;
}

// One declaration per line: `const NAME = 'text';` or `const NAME = 12_000;`, a `//` comment allowed.
const DECLARATION = /^const ([A-Z][A-Z0-9_]*) = ('[^'\\]*'|"[^"\\]*"|\d[\d_]*);\s*(?:\/\/.*)?$/;

function literal(text: string): Literal {
  return /^['"]/.test(text) ? text.slice(1, -1) : Number(text.replaceAll('_', ''));
}

/** The differences between widget.js's protocol block and src/protocol/; empty when they agree. */
export function widgetDrift(source: string, expected: Map<string, Literal> = protocolConstants()): string[] {
  const lines = source.split('\n').map((l) => l.trim());
  const begin = lines.indexOf(BLOCK_BEGIN);
  const end = lines.indexOf(BLOCK_END);
  if (begin < 0 || end < begin || lines.lastIndexOf(BLOCK_BEGIN) !== begin || lines.lastIndexOf(BLOCK_END) !== end) {
    return [`the protocol block must appear exactly once, from "${BLOCK_BEGIN}" to "${BLOCK_END}"`];
  }
  const problems: string[] = [];
  const found = new Map<string, Literal>();
  for (let i = begin + 1; i < end; i++) {
    const line = lines[i] ?? '';
    if (line === '' || line.startsWith('//')) continue;
    const m = DECLARATION.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: not of the form \`const NAME = literal;\`: ${line}`);
      continue;
    }
    const [, name = '', text = ''] = m;
    if (found.has(name)) problems.push(`line ${i + 1}: ${name} is declared twice`);
    found.set(name, literal(text));
  }
  for (const [name, value] of found) {
    if (!expected.has(name)) problems.push(`${name} is not a constant of src/protocol/`);
    else if (expected.get(name) !== value) problems.push(`${name} is ${JSON.stringify(value)} here but ${JSON.stringify(expected.get(name))} in src/protocol/`);
    else if (!(WIDGET_COPIES as readonly string[]).includes(name)) problems.push(`${name} is not in WIDGET_COPIES (src/relay/widget/protocol-block.ts)`);
  }
  for (const name of WIDGET_COPIES) if (!found.has(name)) problems.push(`${name} is missing from the block`);
  return problems;
}
