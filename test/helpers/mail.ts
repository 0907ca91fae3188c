/**
 * Builders for raw RFC 5322 test messages (CRLF line ends, as they sit on a server).
 * Non-ASCII header text becomes RFC 2047 encoded words; non-ASCII bodies go out as 8bit UTF-8.
 */

export interface EmailSpec {
  from?: string;
  to?: string | string[];
  cc?: string | string[];
  subject?: string;
  body?: string;
  /** Adds a text/html alternative next to the plain body. */
  html?: string;
  /** With or without angle brackets; generated when missing. */
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  date?: Date | string;
  /** Emitted verbatim after the standard headers (use them for odd or duplicate headers). */
  extraHeaders?: Record<string, string> | Array<[string, string]>;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let idCounter = 0;

/** RFC 5322 date in UTC, e.g. "Mon, 01 Jan 2024 10:00:00 +0000". */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const isAscii = (s: string) => /^\p{ASCII}*$/u.test(s);

/** RFC 2047 B-encoding, split into words of at most 45 bytes without splitting characters. */
function encodeWords(text: string): string {
  if (isAscii(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** "Name <addr>" with a non-ASCII name gets the name encoded; bare addresses pass through. */
function encodeAddress(addr: string): string {
  const m = /^\s*"?(.*?)"?\s*<([^>]*)>\s*$/.exec(addr);
  if (!m || isAscii(addr)) return addr;
  return `${encodeWords(m[1] ?? '')} <${m[2]}>`;
}

const angle = (id: string) => (id.startsWith('<') ? id : `<${id}>`);
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

function textPart(type: 'plain' | 'html', text: string): string {
  const cte = isAscii(text) ? '7bit' : '8bit';
  return `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${crlf(text)}`;
}

export function makeEmail(spec: EmailSpec = {}): string {
  const date = spec.date === undefined ? new Date() : new Date(spec.date);
  const headers: Array<[string, string]> = [
    ['From', encodeAddress(spec.from ?? 'customer@example.test')],
    ['To', list(spec.to ?? 'agent@example.test').map(encodeAddress).join(', ')],
  ];
  if (spec.cc) headers.push(['Cc', list(spec.cc).map(encodeAddress).join(', ')]);
  headers.push(
    ['Subject', encodeWords(spec.subject ?? 'Hello')],
    ['Date', typeof spec.date === 'string' ? spec.date : rfc5322Date(date)],
    ['Message-ID', angle(spec.messageId ?? `test-${Date.now()}-${++idCounter}@example.test`)],
  );
  if (spec.inReplyTo) headers.push(['In-Reply-To', angle(spec.inReplyTo)]);
  const refs = list(spec.references);
  if (refs.length) headers.push(['References', refs.map(angle).join('\r\n ')]);
  headers.push(['MIME-Version', '1.0']);
  const extra = spec.extraHeaders ?? [];
  headers.push(...(Array.isArray(extra) ? extra : Object.entries(extra)));

  const body = spec.body ?? 'Hello,\n\nthis is a test message.\n';
  let content: string;
  if (spec.html === undefined) {
    content = textPart('plain', body);
  } else {
    const boundary = `=_alt_${Date.now().toString(36)}_${++idCounter}`;
    content =
      `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
      `--${boundary}\r\n${textPart('plain', body)}\r\n` +
      `--${boundary}\r\n${textPart('html', spec.html)}\r\n` +
      `--${boundary}--\r\n`;
  }
  return `${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n${content}`;
}

export interface BulkOptions {
  /** Recipient of every message. Default agent@example.test. */
  to?: string;
  /** Number of distinct senders. Default min(500, ceil(n / 4)). */
  senders?: number;
  /** Share of messages that reply into an earlier thread. Default 0.3. */
  replyRatio?: number;
  /** Date of the first message; each next one is stepMs later. Default 30 days ago, 1 minute. */
  start?: Date;
  stepMs?: number;
  /** Same seed → same messages (Message-IDs included). Use another seed for another batch. */
  seed?: number;
}

const TOPICS = ['Order not arrived', 'Refund request', 'Cannot log in', 'Invoice question', 'Feature idea', 'Bug report'];

/** Deterministic PRNG (mulberry32), so benchmarks see the same mail every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n distinct messages from varied senders, oldest first; some reply into earlier threads. */
export function makeBulk(n: number, opts: BulkOptions = {}): string[] {
  const seed = opts.seed ?? 1;
  const rand = prng(seed);
  const senders = opts.senders ?? Math.min(500, Math.max(1, Math.ceil(n / 4)));
  const replyRatio = opts.replyRatio ?? 0.3;
  const step = opts.stepMs ?? 60_000;
  const start = (opts.start ?? new Date(Date.now() - 30 * 86_400_000)).getTime();
  const threads: Array<{ from: string; subject: string; ids: string[] }> = [];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const messageId = `<bulk-${seed}-${i}@example.com>`;
    const reply = threads.length > 0 && rand() < replyRatio;
    const thread = reply ? threads[Math.floor(rand() * threads.length)] : undefined;
    let from: string;
    let subject: string;
    if (thread) {
      ({ from, subject } = thread);
    } else {
      const s = Math.floor(rand() * senders);
      from = `Customer ${s} <customer${s}@example.com>`;
      subject = `${TOPICS[i % TOPICS.length]} #${10_000 + i}`;
    }
    out.push(
      makeEmail({
        from,
        to: opts.to ?? 'agent@example.test',
        subject: thread ? `Re: ${subject}` : subject,
        body: `Message ${i} from ${from}.\n\n${thread ? 'Any news on this?' : 'Please help.'}\n`,
        messageId,
        inReplyTo: thread?.ids.at(-1),
        // Like mail clients: the root plus the most recent ancestors.
        references: thread && [...new Set([thread.ids[0] ?? '', ...thread.ids.slice(-9)])],
        date: new Date(start + i * step),
      }),
    );
    if (thread) thread.ids.push(messageId);
    else threads.push({ from, subject, ids: [messageId] });
  }
  return out;
}
