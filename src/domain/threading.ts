// Pure helpers for grouping email into conversations (Message-ID / In-Reply-To / References).

const REPLY_PREFIX = /^\s*((re|fwd?|aw|sv|vs|antw|wg|tr)\s*(\[\d+\])?\s*:\s*)+/i;

/** "Re: Fwd: Hello " → "Hello": used to compare subjects as a last resort and to title a conversation. */
export function normalizeSubject(subject: string): string {
  return subject.replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim();
}

export function isReplySubject(subject: string): boolean {
  return REPLY_PREFIX.test(subject);
}

/** Strips angle brackets and whitespace; lower-cases nothing (Message-IDs are case-sensitive on the left). */
export function cleanMessageId(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

/** Splits a References / In-Reply-To header value into ids. */
export function parseIdList(value: string | undefined | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const m of value.matchAll(/<([^<>\s]+)>/g)) if (m[1]) out.push(m[1]);
  if (out.length === 0) {
    for (const token of value.split(/[\s,]+/)) {
      const id = cleanMessageId(token);
      if (id.includes('@')) out.push(id);
    }
  }
  return out;
}

/**
 * The ids that may place a message in an existing conversation, nearest relative first:
 * its own id (a reply seen before its parent registered the parent's id), In-Reply-To,
 * then References from the newest ancestor back. Duplicates and cycles are dropped.
 */
export function threadKeys(messageId: string, inReplyTo: string[], references: string[]): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  for (const id of [messageId, ...inReplyTo, ...[...references].reverse()]) {
    if (id && !seen.has(id)) {
      seen.add(id);
      keys.push(id);
    }
  }
  return keys;
}
