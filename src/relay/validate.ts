// Checks on the fields of client frames. Each returns the cleaned value or the error to send;
// nothing from a client reaches the store or another client unchecked.
import type { ErrorCode } from '../protocol/frames.js';
import { MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PAGE_CHARS } from '../protocol/limits.js';
import { safeLine } from '../domain/sanitize.js';

export type Check<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = <T>(message: string, code: ErrorCode = 'bad_frame'): Check<T> => ({ ok: false, code, message });

/** A message body: trimmed, not empty, at most `max` UTF-16 code units; CRLF becomes LF. */
export function checkBody(v: unknown, max: number): Check<string> {
  if (typeof v !== 'string') return bad('d.body must be a string');
  const body = v.replace(/\r\n?/g, '\n').trim();
  if (body === '') return bad('d.body is empty');
  if (body.length > max) return bad(`d.body is longer than ${max} characters`, 'too_long');
  return ok(body);
}

/** A display name: one line, no control characters; empty means "not given". */
export function checkName(v: unknown, field = 'name'): Check<string | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v !== 'string') return bad(`d.${field} must be a string`);
  const name = safeLine(v);
  if (name.length > MAX_NAME_CHARS) return bad(`d.${field} is longer than ${MAX_NAME_CHARS} characters`, 'too_long');
  return ok(name === '' ? undefined : name);
}

// Loose on purpose: something@something.tld with no spaces, controls or brackets. Whether it
// really receives mail is for the agent to find out.
const EMAIL = /^[^\s@<>()",;:\\[\]\x00-\x1f\x7f]+@[^\s@<>()",;:\\[\]\x00-\x1f\x7f]+\.[^\s@<>()",;:\\[\]\x00-\x1f\x7f.]+$/;

export function checkEmail(v: unknown): Check<string | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v !== 'string') return bad('d.email must be a string');
  const email = v.trim();
  if (email === '') return ok(undefined);
  if (email.length > MAX_EMAIL_CHARS) return bad(`d.email is longer than ${MAX_EMAIL_CHARS} characters`, 'too_long');
  if (!EMAIL.test(email)) return bad('d.email does not look like an email address');
  return ok(email);
}

/**
 * The page a visitor writes from, as a path ("/pricing"): a full URL is cut to its path, the query
 * and fragment are dropped (they carry session ids and e-mail addresses more often than meaning),
 * and an over-long path is shortened. Lenient: a page that cannot be read is "not given", never an
 * error — the chat matters more than the label.
 */
export function checkPage(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  let path = v.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  path = safeLine(path.replace(/[?#].*$/s, ''));
  if (!path.startsWith('/')) return undefined;
  return path.length > MAX_PAGE_CHARS ? `${path.slice(0, MAX_PAGE_CHARS - 1)}…` : path;
}

/** A conversation id: a positive integer, or absent. */
export function checkConversation(v: unknown): Check<number | undefined> {
  if (v === undefined) return ok(undefined);
  if (!Number.isSafeInteger(v) || (v as number) < 1) return bad('d.conversation must be a positive integer');
  return ok(v as number);
}

/** A sequence number (cursor): a non-negative integer, or absent. */
export function checkSeq(v: unknown, field: string): Check<number | undefined> {
  if (v === undefined) return ok(undefined);
  if (!Number.isSafeInteger(v) || (v as number) < 0) return bad(`${field} must be a non-negative integer`);
  return ok(v as number);
}

/** `d` as a plain record (parseFrame already refused non-objects). */
export const fields = (d: unknown): Record<string, unknown> => (d ?? {}) as Record<string, unknown>;
