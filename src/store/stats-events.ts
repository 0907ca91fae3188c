// What `attend stats` reads from the event log: the events that count, for the conversations active
// in the period — with their earlier history, because a first response needs the conversation's
// first message and a resolution its creation, both possibly before the period starts.
import type { LoggedEvent } from '../domain/event.js';
import type { Channel } from '../domain/types.js';
import type { Db } from './db.js';
import { stmt } from './statements.js';

export interface StatsEvents {
  events: LoggedEvent[];
  channels: Map<number, Channel>;
}

/** Events of these types up to `to`: the period's own, and all earlier ones of conversations active in it. */
export function statsEvents(db: Db, types: readonly string[], from: number, to: number): StatsEvents {
  // Event type names are code constants (a-z, dots), never user input; checked anyway.
  if (types.some((t) => !/^[a-z.]+$/.test(t))) throw new Error('internal: bad event type');
  const TYPES = types.map((t) => `'${t}'`).join(', ');
  const rows = stmt(
    db,
    `SELECT e.seq, e.type, e.conversation_id, e.at, e.data_json, c.channel
       FROM events e LEFT JOIN conversations c ON c.id = e.conversation_id
      WHERE e.type IN (${TYPES}) AND e.at <= ?
        AND (e.conversation_id IN (SELECT conversation_id FROM events WHERE at >= ? AND at <= ? AND conversation_id IS NOT NULL)
             OR (e.conversation_id IS NULL AND e.at >= ?))
      ORDER BY e.seq`,
  ).all(to, from, to, from) as Array<{ seq: number; type: string; conversation_id: number | null; at: number; data_json: string; channel: Channel | null }>;
  const channels = new Map<number, Channel>();
  const events = rows.map((r) => {
    if (r.conversation_id !== null && r.channel) channels.set(r.conversation_id, r.channel);
    return { seq: r.seq, type: r.type, conversationId: r.conversation_id, at: r.at, data: parseData(r.data_json) };
  });
  return { events, channels };
}

/** A hand-edited or truncated row must not take the whole report down. */
function parseData(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}
