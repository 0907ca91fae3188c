// WebSocket close codes of attend.chat.v1 (PROTOCOL.md, "Liveness, limits, errors"). Clients act
// on them: 4409 means another tab took the session (do not reconnect), 4429 means back off.
export const CLOSE = {
  heartbeatTimeout: 4000,
  sequenceGap: 4001,
  slowConsumer: 4008,
  unauthorized: 4401,
  forbidden: 4403,
  helloTimeout: 4408,
  sessionReplaced: 4409,
  rateLimited: 4429,
  tooBig: 1009,
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];
