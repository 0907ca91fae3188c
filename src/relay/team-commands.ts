// Team frames (docs/protocol-notes.md, "Team"): team.register numbers conversations, team.change
// changes one's team state, activity says what an agent is doing. Agents only. Changes go through
// the committer like sends: committed first (state, event and the key's answer in one
// transaction), answered second, fanned out third — so every agent applies them in the hub's order.
import { type ConversationAction, claimAllowed, foldTeamAction, type TeamState } from '../domain/team.js';
import type { ClaimedError, EventData, Frame, TeamChange, TeamChangeOk, TeamRegistered } from '../protocol/frames.js';
import type { RelayCore } from './core.js';
import type { Session } from './session.js';
import type { StoredEvent } from './relay-store.js';
import type { TeamAnswer, TeamEntry } from './team-store.js';
import { checkActivity, checkChange, checkRegister } from './team-validate.js';

const NOT_STORED = 'the relay could not store this; retry with the same id';

/** Team frames come from agents with an id; anything else is answered here (false = handled). */
function accept(s: Session, f: Frame, needsId: string | null): boolean {
  if (s.role !== 'agent') {
    s.error('forbidden', `${f.t} is for agents`, f.id);
    return false;
  }
  if (needsId !== null && (f.id === undefined || f.id === '')) {
    s.error('bad_frame', `${f.t} needs an "id" (${needsId})`);
    return false;
  }
  return true;
}

export function onTeamRegister(core: RelayCore, s: Session, f: Frame): void {
  if (!accept(s, f, 'a request id')) return;
  const items = checkRegister(f.d);
  if (!items.ok) {
    s.error(items.code, items.message, f.id);
    return;
  }
  const id = f.id as string;
  let entries: TeamEntry[] = [];
  core.committer.enqueue({
    commit: () => {
      entries = core.store.team.register(items.value);
      return [];
    },
    done: () => {
      const d: TeamRegistered = { conversations: entries };
      s.frame('team.registered', d, id);
    },
    failed: () => s.error('internal', NOT_STORED, id),
  });
}

const sameState = (a: TeamState, b: TeamState) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a change does to a conversation: refused (claimed), skipped (its precondition does not
 * hold), or applied — with an event when it changes the state or is a note, without one when the
 * state already is what it asks (a retried resolve, an assign to the assignee).
 */
function decide(entry: TeamEntry, change: TeamChange, by: string): { claimedBy: string } | { applied: false } | { applied: true; state: TeamState; event: boolean } {
  const { action } = change;
  if (change.ifAssignee !== undefined && entry.state.assignee !== change.ifAssignee) return { applied: false };
  if (action.kind === 'assign' && change.claim && !claimAllowed(entry.state, by, action.to, change.claim.take)) {
    return { claimedBy: entry.state.assignee as string };
  }
  const state = foldTeamAction(entry.state, action);
  return { applied: true, state, event: action.kind === 'note' || !sameState(state, entry.state) };
}

export function onTeamChange(core: RelayCore, s: Session, f: Frame): void {
  if (!accept(s, f, 'the idempotency key: retry with the same one')) return;
  const id = f.id as string; // at most 128 characters (parseFrame)
  const change = checkChange(f.d);
  if (!change.ok) {
    s.error(change.code, change.message, id);
    return;
  }
  const by = s.agent;
  const now = core.now();
  let answer: TeamAnswer | undefined;
  core.committer.enqueue({
    // A repeat of the key — in this batch or within 24 h — finds the first one's answer here.
    commit: () =>
      core.store.batch(() => {
        const team = core.store.team;
        answer = team.answerOf(by, id, now);
        if (answer) return [];
        const [entry] = team.register([{ key: change.value.key }]) as [TeamEntry];
        const outcome = decide(entry, change.value, by);
        let stored: StoredEvent[] = [];
        if ('claimedBy' in outcome) {
          const d: ClaimedError = { code: 'claimed', holder: outcome.claimedBy, message: `#${entry.number} is assigned to ${outcome.claimedBy}` };
          answer = { t: 'error', d };
        } else if (!outcome.applied || !outcome.event) {
          const d: TeamChangeOk = { seq: entry.seq, number: entry.number, applied: outcome.applied, state: outcome.applied ? outcome.state : entry.state };
          answer = { t: 'ok', d };
        } else {
          stored = core.store.append([changeEvent(entry, change.value.action, by, outcome.state, id)], now);
          const seq = (stored[0] as StoredEvent).seq;
          if (!sameState(outcome.state, entry.state)) team.setState(entry.number, outcome.state, seq);
          const d: TeamChangeOk = { seq, number: entry.number, applied: true, state: outcome.state };
          answer = { t: 'ok', d };
        }
        team.recordAnswer(by, id, answer, now);
        return stored;
      }),
    done: (stored) => {
      const a = answer as TeamAnswer;
      s.frame(a.t, a.d, id);
      core.hub.publish(stored);
    },
    failed: () => s.error('internal', NOT_STORED, id),
  });
}

function changeEvent(entry: TeamEntry, action: ConversationAction, by: string, state: TeamState, changeId: string): EventData {
  return { kind: 'team.change', conversation: 0, number: entry.number, key: entry.key, by, action, state, changeId };
}

export function onActivity(core: RelayCore, s: Session, f: Frame): void {
  if (!accept(s, f, null)) return;
  const r = checkActivity(f.d);
  if (!r.ok) {
    s.error(r.code, r.message, f.id);
    return;
  }
  core.presence.report(s, r.value);
}
