// Team state: what a team shares about each conversation (status, snooze, assignee, priority,
// tags; notes are appended beside it), and how one change folds into it. Pure: the hub (relay)
// and every agent's store use the same fold, so all of them reach the same state in the hub's order.
import type { Priority } from './types.js';

/** A change an agent makes to a conversation (the CLI's commands, the console's keys, a template's actions). */
export type ConversationAction =
  | { kind: 'resolve' }
  | { kind: 'reopen' }
  | { kind: 'pending' }
  | { kind: 'snooze'; until: number }
  /** `take`: even when a teammate holds it (else the claim fails naming the holder). */
  | { kind: 'assign'; to: string | null; take?: boolean }
  | { kind: 'tag'; add: string[]; remove: string[] }
  | { kind: 'note'; text: string }
  | { kind: 'priority'; priority: Priority | null };

export type TeamStatus = 'open' | 'pending' | 'snoozed' | 'resolved';

/** A conversation's team state; `tags` sorted, `priority` null = from the rules, `snoozedUntil` epoch ms. */
export interface TeamState {
  status: TeamStatus;
  snoozedUntil: number | null;
  assignee: string | null;
  priority: Priority | null;
  tags: string[];
}

export const INITIAL_TEAM_STATE: TeamState = { status: 'open', snoozedUntil: null, assignee: null, priority: null, tags: [] };

/**
 * The key that names one conversation for the whole team, whichever agent saw it first:
 * `email:<mailbox address, lower case>:<thread root Message-ID>` or `chat:<relay conversation id>`.
 */
export type ConversationKey = string;

export function emailConversationKey(mailboxAddress: string, rootMessageId: string): ConversationKey {
  return `email:${mailboxAddress.trim().toLowerCase()}:${rootMessageId.trim().replace(/^<|>$/g, '')}`;
}

export function chatConversationKey(relayConversation: number): ConversationKey {
  return `chat:${relayConversation}`;
}

/** The state after one action (notes leave it as it is: they are appended, not state). */
export function foldTeamAction(s: TeamState, a: ConversationAction): TeamState {
  switch (a.kind) {
    case 'resolve':
      return { ...s, status: 'resolved', snoozedUntil: null };
    case 'reopen':
      return { ...s, status: 'open', snoozedUntil: null };
    case 'pending':
      return { ...s, status: 'pending', snoozedUntil: null };
    case 'snooze':
      return { ...s, status: 'snoozed', snoozedUntil: a.until };
    case 'assign':
      return { ...s, assignee: a.to };
    case 'tag': {
      const tags = new Set(s.tags);
      for (const t of a.add) tags.add(t);
      for (const t of a.remove) tags.delete(t);
      return { ...s, tags: [...tags].sort() };
    }
    case 'priority':
      return { ...s, priority: a.priority };
    case 'note':
      return s;
  }
}

/** Who may assign: nobody holds it, the holder is the one assigning or the one it goes to, or `take`. */
export function claimAllowed(s: TeamState, by: string, to: string | null, take: boolean): boolean {
  return take || s.assignee === null || s.assignee === by || s.assignee === to;
}

/** The number people say ("#41"), or `~12` for a conversation the hub has not numbered yet (local id). */
export function conversationRef(c: { id: number; number: number | null }): string {
  return c.number === null ? `~${c.id}` : String(c.number);
}

/** The durable event a team.change commits, fanned out to agents only (`d` of an `event` frame). */
export interface TeamChangeEvent {
  kind: 'team.change';
  number: number;
  key: string;
  by: string;
  action: ConversationAction;
  /** The conversation's whole team state after this change: applying the newest one is enough. */
  state: TeamState;
  /** The idempotency key of the change: a note's identity (so its author's own copy is not doubled). */
  changeId: string;
}

