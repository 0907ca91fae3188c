// Frame shapes of the chat relay protocol `attend.chat.v1` (../shared/PROTOCOL.md), shared by the relay
// server, the agent client and (by copy of the same names) the widget. Pure: imports only domain types.
import type { EventData } from '../domain/chat.js';

export const SUBPROTOCOL = 'attend.chat.v1';
export const MAX_PAYLOAD = 64 * 1024;
export const MAX_BODY_CHARS = 8000;
export const HELLO_DEADLINE_MS = 5000;
export const HEARTBEAT_MS = 25_000;
export const CLIENT_PING_MS = 30_000;
export const MAX_HISTORY_LIMIT = 100;
export const MAX_NAME_CHARS = 100;
export const MAX_EMAIL_CHARS = 254;
/** The page a visitor wrote from: a path, cut to this many characters. */
export const MAX_PAGE_CHARS = 200;

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

export type ErrorCode = 'bad_frame' | 'not_found' | 'rate_limited' | 'too_long' | 'forbidden' | 'internal';

/** Any frame on the wire. */
export interface Frame<T extends string = string, D = unknown> {
  t: T;
  id?: string;
  seq?: number;
  d?: D;
}

// The durable event shapes are domain types (the store keeps them); the wire re-exports them.

export type { ChatMessage, EventData } from '../domain/chat.js';

export interface RelayEvent {
  t: 'event';
  seq: number;
  d: EventData;
}

export interface VisitorHello {
  token?: string;
  name?: string;
  email?: string;
  /** Addition (docs/protocol-notes.md): the path of the page the widget is on, e.g. "/pricing". */
  page?: string;
  resume?: { afterSeq: number };
}

export interface AgentHello {
  name: string;
  resume?: { epoch: string; afterSeq: number };
}

export interface Welcome {
  token?: string;
  conversation?: number;
  epoch: string;
  lastSeq: number;
  resumed: boolean;
  heartbeatMs: number;
  /** Visitors only (addition to PROTOCOL.md): whether any agent is connected right now (false outside chat hours). */
  agentsOnline?: boolean;
  /** Visitors only, when the relay has chat hours: whether chat is open now. */
  open?: boolean;
  /** Visitors only, while closed: when chat opens next (ISO 8601). */
  opensAt?: string;
}

export interface SendData {
  conversation?: number;
  body: string;
}

export interface SentData {
  messageId: string;
  seq: number;
}

export interface HistoryRequest {
  conversation?: number;
  beforeSeq?: number;
  limit?: number;
}

export interface HistoryReply {
  events: RelayEvent[];
  more: boolean;
}

export interface ErrorData {
  code: ErrorCode;
  message?: string;
  retryAfterMs?: number;
}

export interface TypingData {
  conversation?: number;
  on: boolean;
}

export interface PresenceData {
  conversation: number;
  online: boolean;
}

/** Presence as visitors get it (addition): after `welcome`, and whenever it flips. Ephemeral. */
export interface VisitorPresenceData {
  agentsOnline: boolean;
  /** With chat hours: whether chat is open now, and while closed when it opens (ISO 8601). */
  open?: boolean;
  opensAt?: string;
}

/** agent → relay `status` (answered with `ok`). */
export interface StatusData {
  conversation: number;
  status: 'open' | 'resolved';
}

/** visitor → relay `identify` (addition): contact details mid-session → `ok` + `visitor.identified`. */
export interface IdentifyData {
  name?: string;
  email?: string;
}

export interface AckData {
  upTo: number;
}

/** Parses one text frame; returns null for anything that is not a JSON object with a string `t`. */
export function parseFrame(text: string): Frame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const f = v as Record<string, unknown>;
  if (typeof f.t !== 'string') return null;
  if (f.id !== undefined && (typeof f.id !== 'string' || f.id.length === 0 || f.id.length > 128)) return null;
  if (f.seq !== undefined && !Number.isSafeInteger(f.seq)) return null;
  if (f.d !== undefined && (typeof f.d !== 'object' || f.d === null || Array.isArray(f.d))) return null;
  return f as unknown as Frame;
}
