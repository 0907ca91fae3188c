// How attend.chat.v1 travels (PROTOCOL.md, "Transport"): the subprotocol both sides must name,
// the two endpoints, and the largest frame the relay reads.

export const SUBPROTOCOL = 'attend.chat.v1';

/** Browsers (the widget); the upgrade's Origin is checked. */
export const VISITOR_PATH = '/ws/visitor';
/** Agents; `Authorization: Bearer <agent token>` on the upgrade. */
export const AGENT_PATH = '/ws/agent';

/** The relay's `maxPayload`: a bigger frame closes the socket 1009. */
export const MAX_PAYLOAD = 64 * 1024;

/** Where a relay listens unless told otherwise (`attend relay --port`; the built-in relay: ATTEND_RELAY_PORT). */
export const DEFAULT_PORT = 7357;
