// Sizes and rates the protocol promises (PROTOCOL.md, "Transport" and "Liveness, limits, errors",
// plus the additions in docs/protocol-notes.md). The relay enforces them (its rate limits can be
// tuned per relay; these are the defaults); clients stay inside them so they are never refused.

/** A message body, in UTF-16 code units (what a browser's maxlength counts). */
export const MAX_BODY_CHARS = 8000;
/** `history.limit` at most. */
export const MAX_HISTORY_LIMIT = 100;
export const MAX_NAME_CHARS = 100;
export const MAX_EMAIL_CHARS = 254;
/** The page a visitor wrote from: a path, cut to this many characters. */
export const MAX_PAGE_CHARS = 200;
/** Conversations in one `team.register` (and the frame must still fit MAX_PAYLOAD). */
export const MAX_REGISTER_KEYS = 500;

/** Visitor `send`: a burst of this many, then one per `VISITOR_SEND_REFILL_MS`. */
export const VISITOR_SEND_BURST = 5;
export const VISITOR_SEND_REFILL_MS = 2000;
/** New visitor sessions (a token issued) per IP per minute. */
export const NEW_VISITORS_PER_IP_PER_MINUTE = 10;
/** A client whose unsent buffer passes this is closed 4008 (it resumes and loses nothing). */
export const SLOW_CONSUMER_BYTES = 1024 * 1024;
