// Checks shared by the frame handlers: rate-limit answers (with strikes) and which
// conversation a frame may touch.
import { CLOSE } from '../protocol/close-codes.js';
import type { Frame } from '../protocol/frames.js';
import type { RelayCore } from './core.js';
import type { Session } from './session.js';
import { checkConversation, fields } from './validate.js';

/** Answers `rate_limited`, and closes 4429 once the client keeps ignoring it. */
/** Whose budget a frame spends: the visitor once known, else this connection (not its address). */
export const budgetKey = (s: Session): string => (s.visitorId ? String(s.visitorId) : `conn:${s.conn}`);

export function rateLimited(core: RelayCore, s: Session, retryAfterMs: number, id?: string): void {
  s.error('rate_limited', 'slow down', id, { retryAfterMs });
  const strikes = core.rates.strikes.hit(budgetKey(s), core.now());
  if (strikes >= core.limits.abuseStrikes) {
    core.floods.note(s.ip, 'closed for ignoring rate limits');
    s.close(CLOSE.rateLimited, 'rate limited');
  }
}

/**
 * Resolves the conversation a frame is about. Visitors may omit it (their own) and naming
 * another one closes the socket 4403; agents must name one that exists. Undefined = handled.
 */
export function targetConversation(core: RelayCore, s: Session, f: Frame, required: boolean): number | undefined {
  const c = checkConversation(fields(f.d).conversation);
  if (!c.ok) {
    s.error(c.code, c.message, f.id);
    return undefined;
  }
  if (s.role === 'visitor') {
    if (c.value !== undefined && c.value !== s.conversation) {
      s.close(CLOSE.forbidden, 'not your conversation');
      return undefined;
    }
    return s.conversation;
  }
  if (c.value === undefined) {
    if (required) s.error('bad_frame', `${f.t} needs d.conversation`, f.id);
    return undefined;
  }
  if (!core.store.conversation(c.value)?.opened) {
    s.error('not_found', `no conversation ${c.value}`, f.id);
    return undefined;
  }
  return c.value;
}
