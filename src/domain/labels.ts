// Pure: how a conversation is named in a row — who wrote, and what. A chat visitor often gives no
// name; "visitor 4" (the relay's counter) tells an agent nothing and changes meaning across relays,
// so an anonymous visitor gets a short tag derived from where they are (stable for the conversation)
// and the page they wrote from. Everything here is visitor-supplied or derived from it: sanitized.
import { safeLine } from './sanitize.js';
import type { Channel } from './types.js';

export interface WhoFacts {
  channel: Channel;
  account: string;
  /** The relay's conversation id (chat), null for email. */
  externalRef: string | null;
  name: string;
  email: string | null;
  /** False when the address is only what a chat visitor typed (nobody checked it receives mail). */
  emailVerified: boolean;
  page: string | null;
}

/** Longest name or address kept in a label: a row has little room and a name is not an essay. */
const MAX_PART = 80;

const part = (s: string): string => {
  const line = safeLine(s).trim();
  return line.length > MAX_PART ? `${line.slice(0, MAX_PART - 1)}…` : line;
};

/** FNV-1a: a tiny, stable hash (no crypto import in the domain), enough to tell visitors apart at a glance. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** "visitor 7f3a": the same for the same relay conversation on the same account, every time. */
export function visitorTag(account: string, ref: string): string {
  return `visitor ${(fnv1a(`${account}\n${ref}`) & 0xffff).toString(16).padStart(4, '0')}`;
}

/** The marker shown wherever an address the visitor typed is shown. */
export const UNVERIFIED = 'unverified';

/** "ann@example.com (unverified)" for a typed address, the address alone for a real sender. */
export function emailText(email: string, verified: boolean): string {
  return verified ? part(email) : `${part(email)} (${UNVERIFIED})`;
}

/**
 * Who, in one short line: the name when known, else the address (marked when unverified), else —
 * for an anonymous chat visitor — "visitor 7f3a · /pricing".
 */
export function customerLabel(f: WhoFacts): string {
  const name = part(f.name);
  if (name) return name;
  if (f.email) return emailText(f.email, f.emailVerified);
  if (f.channel === 'chat') {
    const page = f.page ? part(f.page) : '';
    return `${visitorTag(f.account, f.externalRef ?? '')}${page ? ` · ${page}` : ''}`;
  }
  return 'unknown sender';
}

/** What a row says: for chat what the visitor said last; for email the subject (else its preview). */
export function rowText(c: { channel: Channel; subject: string; preview: string }): string {
  const text = c.channel === 'chat' ? c.preview || c.subject : c.subject || c.preview;
  return safeLine(text) || (c.channel === 'chat' ? '(no message yet)' : '(no subject)');
}

/** "claims to be ann@example.com (unverified) — 3 email conversations": a link to follow, never a merge. */
export function claimLine(c: { email: string; emailConversations: number; recent?: Array<number | string> }): string {
  const n = c.emailConversations;
  // Numbers people use ("#41"), or "~12" for one the team's hub has not numbered yet.
  const ids = c.recent?.length ? `: ${c.recent.map((r) => (typeof r === 'number' ? `#${r}` : r)).join(' ')}${n > c.recent.length ? ' …' : ''}` : '';
  const history = n > 0 ? `${n} email conversation${n === 1 ? '' : 's'}${ids}` : 'no email history here';
  return `claims to be ${emailText(c.email, false)} — ${history}`;
}

/** The customer in a header: "Ann <ann@example.com> (unverified)", else the row label. */
export function customerLine(c: { name: string; email: string | null; emailVerified: boolean }, label: string): string {
  const name = part(c.name);
  if (name && c.email) return `${name} <${part(c.email)}>${c.emailVerified ? '' : ` (${UNVERIFIED})`}`;
  return safeLine(label);
}

/**
 * The label fitted to a column of `width` characters. A typed (unverified) address keeps its
 * marker even when the address itself has to be cut — "ann@e… (unverified)", or "(?)" when the
 * column is very narrow — so truncation can never make a claim look verified.
 */
export function fitLabel(c: { label: string; customer: { name: string; email: string | null; emailVerified: boolean } }, width: number): string {
  const cut = (s: string, w: number) => ([...s].length <= w ? s : `${[...s].slice(0, Math.max(0, w - 1)).join('')}…`);
  const typed = !c.customer.name.trim() && c.customer.email !== null && !c.customer.emailVerified;
  if (!typed) return cut(safeLine(c.label), width);
  const mark = width >= 19 ? ` (${UNVERIFIED})` : ' (?)';
  return `${cut(part(c.customer.email ?? ''), Math.max(3, width - mark.length))}${mark}`;
}
