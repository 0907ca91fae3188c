// MIME helpers for the IMAP sync: pick the readable body from a BODYSTRUCTURE, list the
// attachments, and turn the fetched body bytes into terminal-safe text. No imapflow here: the
// caller converts imapflow's bodyStructure into our MimeNode first.
//
// decodeDisplayText runs once per message of a full sync (100k+), so the common case (ASCII or
// UTF-8 in 7bit/8bit/QP/base64) stays on a short path of native Buffer calls plus a byte loop
// for quoted-printable. Charsets and HTML go through the libraries mailparser uses (libmime,
// which wraps iconv-lite, and html-to-text).

import { Buffer, isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type LibMime from 'libmime';
import type LibCharset from 'libmime/lib/charset.js';
import type { AddressObject, EmailAddress } from 'mailparser';
import { safeFilename, safeLine, safeText } from '../../domain/sanitize.js';
import type { Address, AttachmentMeta } from '../../domain/types.js';
import type { DisplayPart, MimeNode } from './mime-types.js';

const requireCjs = createRequire(import.meta.url);

// libmime and html-to-text load on first use: a sync with nothing new, or only plain UTF-8 text,
// never needs them (~60 ms each at start-up).
let libmimeModule: typeof LibMime | null = null;
let libcharsetModule: typeof LibCharset | null = null;
const libmime = (): typeof LibMime => {
  libmimeModule ??= requireCjs('libmime') as typeof LibMime;
  return libmimeModule;
};
const libcharset = (): typeof LibCharset => {
  libcharsetModule ??= requireCjs('libmime/lib/charset.js') as typeof LibCharset;
  return libcharsetModule;
};

// ---------------------------------------------------------------------------------------------
// Choosing the body

/** Deeper nesting than this is ignored: Dovecot itself stops parsing MIME at 100 levels. */
const MAX_DEPTH = 100;

interface Found {
  node: MimeNode;
  part: string;
  type: 'text/plain' | 'text/html';
}

/** IMAP part path of a child; computed from its position when the converter left it out. */
function childPath(child: MimeNode, parentPath: string, index: number): string {
  return child.part ?? (parentPath ? `${parentPath}.${index + 1}` : String(index + 1));
}

function hasName(node: MimeNode): boolean {
  return rawName(node) !== undefined;
}

function isAttachmentDisposition(node: MimeNode): boolean {
  return node.disposition?.toLowerCase() === 'attachment';
}

/**
 * Machine-readable report parts that are still plain text, and that some mailers put the
 * human explanation of a bounce into (then there is nothing else to show).
 */
const REPORT_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status', 'message/disposition-notification']);

/**
 * A leaf that can be the body. The strict pass takes only unnamed text/plain and text/html;
 * the lenient pass (used when the strict one finds nothing) also takes named inline text and
 * other text/* subtypes and report parts, shown as plain text.
 */
function bodyTypeOf(node: MimeNode, lenient: boolean): Found['type'] | null {
  if (isAttachmentDisposition(node)) return null;
  const type = node.type.toLowerCase();
  if (lenient && REPORT_TYPES.has(type)) return 'text/plain';
  if (!type.startsWith('text/')) return null;
  if (!lenient && hasName(node)) return null;
  if (type === 'text/html') return 'text/html';
  if (type === 'text/plain' || lenient) return 'text/plain';
  return null;
}

function findBody(node: MimeNode, path: string, depth: number, lenient: boolean): Found | null {
  if (depth > MAX_DEPTH) return null;
  const type = node.type.toLowerCase();
  if (type.startsWith('multipart/')) {
    const kids = node.childNodes ?? [];
    if (type === 'multipart/alternative') {
      // Prefer plain text; an empty plain part (size 0) loses to HTML.
      let fallback: Found | null = null;
      for (let i = 0; i < kids.length; i++) {
        const kid = kids[i] as MimeNode;
        const found = findBody(kid, childPath(kid, path, i), depth + 1, lenient);
        if (!found) continue;
        if (found.type === 'text/plain' && found.node.size !== 0) return found;
        if (!fallback || (fallback.type === 'text/plain' && found.type === 'text/html')) fallback = found;
      }
      return fallback;
    }
    // mixed, related, signed, report and unknown multiparts: the first readable part is the body.
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i] as MimeNode;
      const found = findBody(kid, childPath(kid, path, i), depth + 1, lenient);
      if (found) return found;
    }
    return null;
  }
  // A forwarded message/rfc822 is an attachment, never this message's body.
  if (type === 'message/rfc822') return null;
  const bodyType = bodyTypeOf(node, lenient);
  return bodyType ? { node, part: path, type: bodyType } : null;
}

/** Where the root's body lives. A non-multipart root has no part path in IMAP terms: it is "1". */
function findRootBody(root: MimeNode): Found | null {
  const rootPath = root.type.toLowerCase().startsWith('multipart/') ? (root.part ?? '') : (root.part ?? '1');
  return findBody(root, rootPath, 0, false) ?? findBody(root, rootPath, 0, true);
}

function cleanCharset(charset: string | undefined): string {
  const cs = (charset ?? '').trim().replace(/^["']|["']$/g, '').toLowerCase();
  return cs || 'us-ascii'; // RFC 2045 default
}

/**
 * A multipart without a boundary cannot be split. Dovecot then reports one empty child, and
 * the text is only in the root's BODY[TEXT] section.
 */
function isBoundaryless(root: MimeNode): boolean {
  const kids = root.childNodes ?? [];
  return (
    root.type.toLowerCase().startsWith('multipart/') &&
    !root.parameters?.boundary &&
    kids.length <= 1 &&
    !kids[0]?.size &&
    !kids[0]?.childNodes?.length
  );
}

/**
 * The best readable body of a message, or null when it has none (attachment-only, encrypted).
 * `part` is an IMAP section for BODY.PEEK[…]: a part path such as "1.2", or "text" for the
 * whole body of a multipart that has no boundary (lower case: imapflow upper-cases it on the
 * wire and keys its bodyParts map in lower case).
 */
export function chooseDisplayPart(root: MimeNode): DisplayPart | null {
  if (isBoundaryless(root)) return { part: 'text', type: 'text/plain', charset: 'us-ascii', encoding: '7bit', size: 0 };
  const found = findRootBody(root);
  if (!found) return null;
  return {
    part: found.part,
    type: found.type,
    charset: cleanCharset(found.node.parameters?.charset),
    encoding: (found.node.encoding ?? '7bit').trim().toLowerCase(),
    size: found.node.size ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Attachments

/** The name a part carries, if any. imapflow has usually decoded RFC 2047/2231 already. */
function rawName(node: MimeNode): string | undefined {
  const dp = node.dispositionParameters;
  const p = node.parameters;
  const name = dp?.filename || dp?.['filename*'] || p?.name || p?.['name*'];
  return name?.trim() ? name : undefined;
}

/** Decodes a name that is still RFC 2231 (`utf-8''%E2%82%AC.pdf`) or RFC 2047 (`=?utf-8?B?…?=`). */
export function decodeParamValue(value: string): string {
  try {
    const rfc2231 = /^([\w!#$&+^`{}~.-]*)'[^']*'(.*)$/s.exec(value);
    if (rfc2231 && /%[0-9a-f]{2}/i.test(rfc2231[2] ?? '')) {
      const bytes = Buffer.from(
        (rfc2231[2] ?? '').replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
      return decodeCharset(bytes, rfc2231[1] || 'utf-8');
    }
    if (value.includes('=?')) return libmime().decodeWords(value);
  } catch {
    // A broken encoding is no reason to lose the name: show it as it came.
  }
  return value;
}

/**
 * Decoded size from the transfer-encoded size. Base64 carries 3 bytes per 4 characters, and
 * mailers wrap it at 76 characters + CRLF, so 57 bytes per 78-byte line.
 */
function decodedSize(node: MimeNode): number {
  const size = node.size ?? 0;
  if (node.encoding?.toLowerCase() !== 'base64') return size;
  return Math.floor(((size - 2 * Math.floor(size / 78)) * 3) / 4);
}

function attachmentMeta(node: MimeNode, type: string): AttachmentMeta {
  const name = rawName(node);
  const contentType = safeLine(type).replace(/\s/g, '') || 'application/octet-stream';
  const fallback = `${type === 'message/rfc822' ? 'message' : 'attachment'}.${libmime().detectExtension(contentType)}`;
  return {
    filename: safeFilename(name ? decodeParamValue(name) : fallback),
    contentType,
    size: decodedSize(node),
  };
}

/**
 * Every part a user would call an attachment: anything with disposition attachment or a name,
 * every non-text leaf that is not the body (inline images included), and forwarded messages
 * (listed once; what they contain belongs to them). Other text parts, such as the HTML
 * alternative of a plain-text body, are not attachments.
 */
export function listAttachments(root: MimeNode): AttachmentMeta[] {
  const body = findRootBody(root)?.node;
  const out: AttachmentMeta[] = [];
  // Explicit stack, children pushed in reverse: document order without recursion limits.
  const stack: Array<{ node: MimeNode; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: MimeNode; depth: number };
    const type = node.type.toLowerCase();
    if (type.startsWith('multipart/')) {
      const kids = node.childNodes ?? [];
      if (depth >= MAX_DEPTH) continue;
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i] as MimeNode, depth: depth + 1 });
      continue;
    }
    if (node === body) continue;
    if (type === 'message/rfc822' || isAttachmentDisposition(node) || hasName(node) || !type.startsWith('text/')) {
      out.push(attachmentMeta(node, type));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transfer encodings

/** Node's base64 decoder skips garbage and whitespace but stops at the first "=". */
function decodeBase64(raw: Buffer): Buffer {
  const s = raw.toString('latin1');
  const pad = s.indexOf('=');
  if (pad < 0 || /^[=\s]*$/.test(s.slice(pad))) return Buffer.from(s, 'base64');
  // Padding in the middle: pieces encoded separately and concatenated (some mailers do it
  // line by line), or garbage. Decode piece by piece so nothing after the "=" is lost.
  return Buffer.concat(s.split(/=+/).map((piece) => Buffer.from(piece, 'base64')));
}

/** Best-effort uudecode of the first `begin … end` block; input without one is kept as is. */
function decodeUu(raw: Buffer): Buffer {
  const lines = raw.toString('latin1').split(/\r?\n|\r/);
  const begin = lines.findIndex((l) => /^begin(-base64)?\s+[0-7]{3,4}\s/.test(l));
  if (begin < 0) return raw;
  if (lines[begin]?.startsWith('begin-base64')) {
    const end = lines.indexOf('====', begin);
    return decodeBase64(Buffer.from(lines.slice(begin + 1, end < 0 ? undefined : end).join(''), 'latin1'));
  }
  const out: number[] = [];
  for (let i = begin + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^end\s*$/.test(line)) break;
    const count = (line.charCodeAt(0) - 32) & 63;
    if (!line || count === 0) continue;
    const sextet = (j: number) => (j < line.length ? (line.charCodeAt(j) - 32) & 63 : 0);
    let written = 0;
    for (let j = 1; written < count && j < line.length; j += 4) {
      const [a, b, c, d] = [sextet(j), sextet(j + 1), sextet(j + 2), sextet(j + 3)];
      const bytes = [(a << 2) | (b >> 4), ((b & 15) << 4) | (c >> 2), ((c & 3) << 6) | d];
      for (const byte of bytes) if (written++ < count) out.push(byte & 255);
    }
  }
  return Buffer.from(out);
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20; // lower-case hex digits are wrong but common
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Quoted-printable, leniently: "=XX" in either case, soft breaks with CRLF, LF or CR and
 * trailing whitespace after the "=", and a broken "=" kept literally. A plain byte loop: this
 * runs for a large share of all bodies and is several times faster than a stream decoder.
 */
function decodeQuotedPrintable(raw: Buffer): Buffer {
  if (raw.indexOf(0x3d) < 0) return raw;
  const n = raw.length;
  const out = Buffer.allocUnsafe(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = raw[i] as number;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const hi = hexValue(raw[i + 1]);
    const lo = hexValue(raw[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[o++] = (hi << 4) | lo;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < n && (raw[j] === 0x20 || raw[j] === 0x09)) j++;
    if (j >= n) break; // "=" at the very end: a soft break with nothing after it
    if (raw[j] === 0x0d) {
      i = raw[j + 1] === 0x0a ? j + 1 : j;
      continue;
    }
    if (raw[j] === 0x0a) {
      i = j;
      continue;
    }
    out[o++] = c; // not an escape: keep the "=" as written
  }
  return out.subarray(0, o);
}

function decodeTransfer(raw: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(raw);
    case 'quoted-printable':
      return decodeQuotedPrintable(raw);
    case 'x-uuencode':
    case 'uuencode':
    case 'x-uue':
      return decodeUu(raw);
    default:
      return raw; // 7bit, 8bit, binary, and unknown encodings taken as 8bit
  }
}

// ---------------------------------------------------------------------------------------------
// Charsets

const knownCharsets = new Map<string, boolean>();

/** Whether libmime can decode this charset (its own verdict, so aliases and Japanese count). */
function isKnownCharset(cs: string): boolean {
  let known = knownCharsets.get(cs);
  if (known === undefined) {
    try {
      known = libmime().createDecodeStream(cs).supported;
    } catch {
      known = false;
    }
    // Charset labels come from outside: bound the cache.
    if (knownCharsets.size > 500) knownCharsets.clear();
    knownCharsets.set(cs, known);
  }
  return known;
}

/**
 * Undeclared or mislabelled 8-bit text is almost always Windows-1252. It is also what browsers
 * use for "iso-8859-1"/"us-ascii": true Latin-1 would turn its curly quotes into C1 controls.
 */
function decodeLegacy(buf: Buffer): string {
  return libcharset().decode(buf, 'windows-1252');
}

/** Bytes that claim UTF-8 but are not: a few broken sequences, or Latin-1 text mislabelled. */
function decodeBrokenUtf8(buf: Buffer): string {
  const text = buf.toString('utf8');
  return /[^\x00-\x7f\ufffd]/.test(text) ? text : decodeLegacy(buf);
}

const LEGACY_LABELS = new Set(['us-ascii', 'ascii', 'iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'windows-1252', 'cp1252']);

/** Bytes to text in the declared charset; never throws, unknown charsets degrade gracefully. */
export function decodeCharset(buf: Buffer, charset: string): string {
  const cs = cleanCharset(charset);
  if (cs === 'utf-8' || cs === 'utf8') return isUtf8(buf) ? buf.toString('utf8') : decodeBrokenUtf8(buf);
  // ASCII-labelled mail often carries UTF-8 or 1252 bytes anyway; pure ASCII is valid UTF-8.
  if (LEGACY_LABELS.has(cs) || !isKnownCharset(cs)) return isUtf8(buf) ? buf.toString('utf8') : decodeLegacy(buf);
  try {
    return libcharset().decode(buf, cs);
  } catch {
    return isUtf8(buf) ? buf.toString('utf8') : decodeLegacy(buf);
  }
}

// ---------------------------------------------------------------------------------------------
// HTML to text

/** HTML beyond this is cut (html-to-text appends "..."); a readable body needs far less. */
const MAX_HTML = 2_000_000;
/** htmlparser2 is quadratic in nesting depth and html-to-text's walk overflows near 2000. */
const MAX_HTML_DEPTH = 1000;

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));

/** html-to-text is loaded on the first HTML body (most syncs never meet one): ~60 ms saved at start. */
let converter: ((html: string) => string) | null = null;
const convertHtml = (html: string): string => {
  converter ??= (requireCjs('html-to-text') as typeof import('html-to-text')).compile({
  wordwrap: false, // the terminal view wraps to its own width
  limits: { maxInputLength: MAX_HTML, maxDepth: MAX_HTML_DEPTH },
  selectors: [
    // Links stay readable as "text [url]"; data: URLs are noise, images (tracking pixels,
    // inline data: images) have nothing to read.
    {
      selector: 'a',
      options: {
        hideLinkHrefIfSameAsText: true,
        noAnchorUrl: true,
        pathRewrite: (path: string) => (/^\s*data:/i.test(path) ? '' : path),
      },
    },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'head', format: 'skip' },
    ...HEADINGS,
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],

  });
  return converter(html);
};

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Closed implicitly by their next sibling, so runs of them do not nest. */
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);

/** Linear upper bound of the element nesting, checked before handing HTML to the parser. */
function nestsTooDeep(html: string): boolean {
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>/g;
  let depth = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    const name = (m[2] as string).toLowerCase();
    if (VOID_ELEMENTS.has(name) || IMPLIED_END.has(name) || m[0].endsWith('/>')) continue;
    if (m[1]) depth = Math.max(0, depth - 1);
    else if (++depth > MAX_HTML_DEPTH) return true;
  }
  return false;
}

/** Last resort when the HTML cannot be converted: drop tags, keep the words. */
function stripTags(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h\d)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/gi, '&');
}

/** Readable text from HTML: links as text, scripts, styles and images dropped. Never throws. */
export function htmlToReadable(html: string): string {
  let text: string;
  try {
    text = nestsTooDeep(html) ? stripTags(html) : convertHtml(html);
  } catch {
    text = stripTags(html);
  }
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
}

// ---------------------------------------------------------------------------------------------
// Display text

/** Fetched body bytes (BODY.PEEK[part]) to terminal-safe readable text. Never throws. */
export function decodeDisplayText(raw: Buffer, part: DisplayPart): string {
  try {
    let text = decodeCharset(decodeTransfer(raw, part.encoding), part.charset);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM
    if (part.type === 'text/html') text = htmlToReadable(text);
    return safeText(text);
  } catch {
    // Unreachable in practice (every step has its own fallback); a body must never stop a sync.
    return Buffer.isBuffer(raw) ? safeText(raw.toString('latin1')) : '';
  }
}

// ---------------------------------------------------------------------------------------------
// Whole messages (fallback when the server gives no BODYSTRUCTURE)

export interface ParsedMessage {
  subject: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  /** Without angle brackets; empty when the message has none. */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  /** Epoch ms, null when the Date header is missing or unparseable. */
  date: number | null;
  text: string;
  attachments: AttachmentMeta[];
}

/** References headers can be huge: keep the root and the most recent ancestors. */
const MAX_REFERENCES = 100;

/** Message-IDs from a header value: `<a@b> <c@d>`, or bare ids when the brackets are missing. */
export function extractMessageIds(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(' ') : (value ?? '');
  const bracketed = [...joined.matchAll(/<([^<>]*)>/g)].map((m) => m[1] as string);
  const raw = bracketed.length > 0 ? bracketed : joined.split(/[\s,]+/).filter((t) => t.includes('@'));
  const ids = [...new Set(raw.map((id) => safeLine(id).replace(/\s/g, '').slice(0, 998)).filter(Boolean))];
  return ids.length > MAX_REFERENCES ? [ids[0] as string, ...ids.slice(ids.length - MAX_REFERENCES + 1)] : ids;
}

function flattenAddresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const out: Address[] = [];
  const visit = (list: EmailAddress[]) => {
    for (const a of list) {
      if (a.group) {
        visit(a.group); // the group's display name is not an address
        continue;
      }
      const email = safeLine(a.address ?? '').replace(/\s/g, '');
      const name = safeLine(a.name ?? '');
      if (email || name) out.push({ name, email });
    }
  };
  for (const obj of Array.isArray(value) ? value : value ? [value] : []) visit(obj.value ?? []);
  return out;
}

function emptyMessage(): ParsedMessage {
  return { subject: '', from: null, to: [], cc: [], messageId: '', inReplyTo: [], references: [], date: null, text: '', attachments: [] };
}

/** Where the header ends and the body starts; either line ending, or both mixed. */
function headerEnd(raw: Buffer): { headEnd: number; bodyStart: number } | null {
  const candidates = [
    { at: raw.indexOf('\n\r\n'), len: 3 },
    { at: raw.indexOf('\n\n'), len: 2 },
  ].filter((c) => c.at >= 0);
  if (candidates.length === 0) return null;
  const first = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { headEnd: first.at + 1, bodyStart: first.at + first.len };
}

/**
 * One header's raw bytes (unfolded), decoded ourselves. mailparser reads raw 8-bit headers as
 * UTF-8, so Latin-1 bytes come out as U+FFFD; decodeCharset falls back to Windows-1252.
 */
function rawHeader(raw: Buffer, name: string): string | null {
  const head = raw.subarray(0, headerEnd(raw)?.headEnd ?? raw.length).toString('latin1'); // bytes 1:1
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  if (!m) return null;
  const bytes = Buffer.from((m[1] as string).replace(/\r?\n(?=[ \t])/g, ''), 'latin1');
  return libmime().decodeWords(decodeCharset(bytes, 'utf-8'));
}

/** What can be had without a MIME parser: the Subject and the bytes after the header. */
function crudeParse(raw: Buffer): ParsedMessage {
  const result = emptyMessage();
  try {
    result.subject = safeLine(rawHeader(raw, 'subject') ?? '');
    const end = headerEnd(raw);
    result.text = end ? safeText(decodeCharset(raw.subarray(end.bodyStart), '')) : '';
  } catch {
    // Nothing more to be had.
  }
  return result;
}

/**
 * The Date header in epoch ms. Not mailparser's `date`: it substitutes the current time for an
 * unparseable header, which would sort junk mail to the top of every queue.
 */
function headerDate(lines: ReadonlyArray<{ key: string; line: string }>): number | null {
  const line = lines.find((l) => l.key === 'date')?.line;
  if (!line) return null;
  const ms = new Date(line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim()).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Replaces a mailparser value holding U+FFFD by our own decoding of the raw header. */
function recoverSubject(raw: Buffer, parsed: string): string {
  return parsed.includes('\ufffd') ? (rawHeader(raw, 'subject') ?? parsed) : parsed;
}

/** mailparser is loaded only for the rare message that needs a full parse (it costs ~100 ms to import). */
let mailparser: typeof import('mailparser') | null = null;

function recoverFrom(raw: Buffer, parsed: AddressObject | undefined): AddressObject | undefined {
  const parseAddressHeader = (mailparser as typeof import('mailparser')).parseAddressHeader;
  if (!parsed?.text.includes('\ufffd')) return parsed;
  const value = rawHeader(raw, 'from');
  return value === null ? parsed : parseAddressHeader(value);
}

/** Parses a whole raw message with mailparser. Never throws: malformed input gives what it can. */
export async function parseFullMessage(raw: Buffer): Promise<ParsedMessage> {
  try {
    mailparser ??= await import('mailparser');
    const mail = await mailparser.simpleParser(raw, {
      skipHtmlToText: true, // converted below, the same way as decodeDisplayText does
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      checksumAlgo: false,
    });
    const text = mail.text?.trim() ? mail.text : typeof mail.html === 'string' ? htmlToReadable(mail.html) : '';
    return {
      subject: safeLine(recoverSubject(raw, mail.subject ?? '')),
      from: flattenAddresses(recoverFrom(raw, mail.from))[0] ?? null,
      to: flattenAddresses(mail.to),
      cc: flattenAddresses(mail.cc),
      messageId: extractMessageIds(mail.messageId)[0] ?? '',
      inReplyTo: extractMessageIds(mail.inReplyTo),
      references: extractMessageIds(mail.references),
      date: headerDate(mail.headerLines),
      text: safeText(text.replace(/^\ufeff/, '')),
      attachments: mail.attachments.map((a) => ({
        filename: safeFilename(a.filename || `attachment.${libmime().detectExtension(a.contentType)}`),
        contentType: safeLine(a.contentType || '').replace(/\s/g, '') || 'application/octet-stream',
        size: a.size ?? a.content?.length ?? 0,
      })),
    };
  } catch {
    return crudeParse(raw);
  }
}
