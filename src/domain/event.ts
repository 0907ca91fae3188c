// The event noun: one row of the store's append-only event log. Declared once: the store writes and
// reads it (store/events.ts, store/stats-events.ts), the public feed (domain/public-events.ts) and
// stats (policy/stats.ts) read it.

/** One row of the event log. `at` is epoch ms; `data` is the event's own JSON object. */
export interface LoggedEvent {
  /** Position in the log: `attend watch --since SEQ` and hook cursors resume after it. */
  seq: number;
  type: string;
  conversationId: number | null;
  at: number;
  data: Record<string, unknown>;
}
