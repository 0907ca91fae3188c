// The clocks of attend.chat.v1 (PROTOCOL.md): the hello deadline, both heartbeats, reconnect
// backoff, ack batching and typing. Both ends must agree on them, so they live here once.

/** The first frame must be `hello` within this, else close 4408. */
export const HELLO_DEADLINE_MS = 5000;
/** The relay pings every this (announced as `welcome.heartbeatMs`) and cuts a socket that did not pong. */
export const HEARTBEAT_MS = 25_000;
/** Clients send `{"t":"ping"}` this often; no `pong` by the next one → close 4000 and reconnect. */
export const CLIENT_PING_MS = 30_000;

/** Reconnect backoff: full jitter under a cap that doubles from the first value to the second. */
export const RECONNECT_BACKOFF_MIN_MS = 1000;
export const RECONNECT_BACKOFF_MAX_MS = 60_000;

/** Clients ack what they stored every this many events, or this long after the first unacked one. */
export const ACK_EVERY_EVENTS = 20;
export const ACK_AFTER_MS = 1000;

/** At most one `typing on` per this per sender and conversation (the relay drops the rest). */
export const TYPING_ON_INTERVAL_MS = 3000;
/** A `typing on` that no `on:false` followed expires after this. */
export const TYPING_EXPIRES_MS = 6000;
