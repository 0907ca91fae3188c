// What the relay's stores share about keys and tokens (a module of its own: the stores import it,
// not each other).
import { createHash } from 'node:crypto';

/** Idempotency keys are answered for this long (PROTOCOL.md: 24 h). */
export const KEY_TTL_MS = 24 * 3600_000;

/** How a token is kept: its sha256, so a leaked relay.db leaks no visitor's or agent's token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
