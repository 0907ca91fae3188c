// What people type to name a conversation: "41" or "#41" is its number (the one the whole team
// uses, domain/team.ts conversationRef), "~12" is this store's own id, for a conversation the
// team's hub has not numbered yet (shown as ~12 until it is). Pure: the store resolves it.

export type ConversationRefInput = { by: 'number'; number: number } | { by: 'id'; id: number };

/** Reads "41", "#41" or "~12" (spaces around are fine); null for anything else. */
export function parseConversationRef(text: string): ConversationRefInput | null {
  const m = /^#?(~?)(\d{1,15})$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) return null;
  return m[1] === '~' ? { by: 'id', id: n } : { by: 'number', number: n };
}

/** How an input is named back in messages: "#41" or "~12". */
export function refInputLabel(r: ConversationRefInput): string {
  return r.by === 'id' ? `~${r.id}` : `#${r.number}`;
}

/**
 * How a conversation is named on screen: "#41", or "~12" while the team's hub has not numbered it.
 * `number` absent (queue facts built without it: simulations, tests) reads as the id, as working alone.
 */
export function shownRef(c: { id: number; number?: number | null }): string {
  if (c.number === undefined) return `#${c.id}`;
  return c.number === null ? `~${c.id}` : `#${c.number}`;
}

/** The same for a ref string (domain/team.ts conversationRef: "41" or "~12"). */
export function refText(ref: string): string {
  return ref.startsWith('~') ? ref : `#${ref}`;
}
