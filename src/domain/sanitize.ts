// Terminal-safe text. Everything that arrives from outside (subjects, names, bodies, file names)
// passes through here before it can reach a terminal or a log: mail is full of escape sequences
// that set window titles, write the clipboard (OSC 52), fake hyperlinks or repaint the screen.
// Pure and dependency-free; a linear scan so hostile input cannot make it slow.

const ESC = 0x1b;
const BEL = 0x07;
const ST8 = 0x9c; // 8-bit String Terminator
const CSI8 = 0x9b;

/**
 * Anything that needs work: C0 controls other than \t and \n (so \r too), DEL, C1, and the bidi
 * embedding/override/isolate controls. U+200E/U+200F (LRM/RLM) are plain marks and may stay.
 * Used as a fast pre-check: clean text (the common case) is returned untouched.
 */
const NEEDS_WORK = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u202a-\u202e\u2066-\u2069]/;

/** Introducers of string sequences (OSC, DCS, SOS, PM, APC) in their 8-bit form. */
function isC1StringIntroducer(c: number): boolean {
  return c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f;
}

/** Skips CSI parameters, intermediates and the final byte; returns the index after them. */
function skipCsi(s: string, j: number): number {
  const n = s.length;
  while (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j++;
  while (j < n && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  if (j < n && s.charCodeAt(j) >= 0x40 && s.charCodeAt(j) <= 0x7e) j++;
  return j;
}

/**
 * Skips the payload of an OSC/DCS/SOS/PM/APC string up to and including its terminator
 * (BEL, ESC \ or 8-bit ST). A terminal would also abort the string at another ESC or C1
 * introducer, so we stop there too; that keeps the whole scan linear. An unterminated string
 * is removed only to the end of its line, so one stray "ESC ]" cannot swallow a whole body.
 */
function skipString(s: string, j: number): number {
  const n = s.length;
  let firstNewline = -1;
  for (let k = j; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c === BEL || c === ST8) return k + 1;
    if (c === ESC) return s.charCodeAt(k + 1) === 0x5c ? k + 2 : k;
    if (c === CSI8 || isC1StringIntroducer(c)) return k;
    if ((c === 0x0a || c === 0x0d) && firstNewline < 0) firstNewline = k;
  }
  return firstNewline < 0 ? n : firstNewline;
}

/** Skips an escape sequence starting at the ESC at index i; returns the index after it. */
function skipEsc(s: string, i: number): number {
  const next = s.charCodeAt(i + 1);
  if (next === 0x5b) return skipCsi(s, i + 2); // ESC [
  // ESC ] (OSC), ESC P (DCS), ESC X (SOS), ESC ^ (PM), ESC _ (APC)
  if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
    return skipString(s, i + 2);
  }
  let j = i + 1;
  // nF sequences (e.g. ESC ( B): intermediates, then one final byte
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  const c = s.charCodeAt(j);
  if (c >= 0x30 && c <= 0x7e) j++; // 2-char sequences such as ESC c (reset), ESC 7, ESC =
  return j;
}

/** Jumps straight to the next character that needs work; clean runs are copied as slices. */
const NEXT_WORK = new RegExp(NEEDS_WORK.source, 'g');

/** Makes outside text safe to print: no escape sequences, controls or bidi overrides; \r\n → \n. */
export function safeText(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  const out: string[] = [];
  let start = 0; // start of the pending clean run
  NEXT_WORK.lastIndex = 0;
  for (let m = NEXT_WORK.exec(s); m !== null; m = NEXT_WORK.exec(s)) {
    let i = m.index;
    if (i > start) out.push(s.slice(start, i));
    const c = s.charCodeAt(i);
    if (c === ESC) i = skipEsc(s, i);
    else if (c === CSI8) i = skipCsi(s, i + 1);
    else if (isC1StringIntroducer(c)) i = skipString(s, i + 1);
    else if (c === 0x0d) {
      out.push('\n');
      i += s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    } else i++;
    start = i;
    NEXT_WORK.lastIndex = i;
  }
  if (start < s.length) out.push(s.slice(start));
  return out.join('');
}

/** safeText for one line (subjects, names, list rows): all whitespace runs become one space. */
export function safeLine(s: string): string {
  return safeText(s).replace(/\s+/g, ' ').trim();
}

const MAX_FILENAME = 200;

/**
 * A file name that is safe to show and to save under: no path components (so no `../`
 * traversal), no characters Windows refuses, not hidden, not empty, not absurdly long.
 */
export function safeFilename(s: string): string {
  let name = safeLine(s);
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^[\s.]+/, '') // "..", ".bashrc": no hidden files, no parent references
    .replace(/[\s.]+$/, ''); // Windows strips trailing dots and spaces itself
  if (name.length > MAX_FILENAME) {
    // Keep the extension: it is what decides how the file gets opened.
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    const head = name.slice(0, MAX_FILENAME - ext.length).replace(/[\ud800-\udbff]$/, ''); // no half pair
    name = head + ext;
  }
  return name || 'attachment';
}

/**
 * Characters JSON.stringify leaves raw that still act on a terminal or editor: DEL, C1, bidi
 * controls, and U+2028/U+2029 (line breaks to JavaScript). They can only occur inside JSON
 * strings, so escaping them keeps the output valid and parsing gives back the same strings.
 */
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** JSON.stringify whose output holds no raw control character (machine-readable CLI output). */
export function jsonStringify(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space) ?? 'null';
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
