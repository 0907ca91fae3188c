// Frame shapes of attend.chat.v1 (PROTOCOL.md; additions in docs/protocol-notes.md): what the
// relay, the agent client and the widget put in `{"t", "id"?, "seq"?, "d"?}`. Types only.
import type { EventData } from '../domain/chat.js';
import type { ConversationAction, TeamState } from '../domain/team.js';

export type ErrorCode = 'bad_frame' | 'not_found' | 'rate_limited' | 'too_long' | 'forbidden' | 'internal' | 'claimed';

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

// ---- Team mode (docs/protocol-notes.md, "Team"): agents only; a visitor never sees any of it. ----

export type { ConversationAction, TeamChangeEvent, TeamState } from '../domain/team.js';

/** Added to an agent's `welcome`: who the token says this agent is, and whether the relay is a team hub. */
export interface AgentWelcome extends Welcome {
  agent?: string;
  team?: boolean;
}

/** agent → hub `team.register` (id: request id): numbers for conversations, at most 500 per frame. */
export interface TeamRegister {
  conversations: Array<{ key: string; state?: TeamState }>;
}

/** hub → agent `team.registered` (same id). `seq`: the last event that changed it (0: none yet). */
export interface TeamRegistered {
  conversations: Array<{ key: string; number: number; state: TeamState; seq: number }>;
}

/**
 * agent → hub `team.change` (id: idempotency key, kept 24 h like `send`'s). The hub numbers the
 * conversation if it has not yet. `claim`: an assign that fails with `claimed` when someone else
 * holds it (unless `take`). `ifAssignee`: applied only while the assignee is this (else applied:false).
 */
export interface TeamChange {
  key: string;
  action: ConversationAction;
  claim?: { take: boolean };
  ifAssignee?: string | null;
}

/** hub → agent `ok` (same id) for a team.change. */
export interface TeamChangeOk {
  seq: number;
  number: number;
  applied: boolean;
  state: TeamState;
}

/** Ephemeral, agent → hub `activity`: what this agent is looking at (team number) and whether it is replying. */
export interface ActivityReport {
  conversation: number | null;
  replying: boolean;
}

/** Ephemeral, hub → other agents `activity`, and each entry of `roster` (sent right after `welcome`). */
export interface AgentActivity {
  agent: string;
  online: boolean;
  conversation: number | null;
  replying: boolean;
  /** Epoch ms of the last change. */
  since: number;
}

export interface Roster {
  agents: AgentActivity[];
}

/** `error` code `claimed` carries who holds the conversation. */
export interface ClaimedError extends ErrorData {
  holder: string;
}
