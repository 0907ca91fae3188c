// The team link running in this process (the console, `attend watch`), by store: a change made
// here goes out over its open connection; without one, the CLI connects once (team-changes.ts).
import type { TeamChangeOk } from '../../protocol/frames.js';
import type { Db } from '../../store/db.js';
import type { QueuedTeamChange } from '../../store/team-outbox.js';

/** What became of one team change. */
export type ChangeOutcome =
  | { kind: 'ok'; ok: TeamChangeOk }
  /** Someone else holds the conversation: the local assignment was put back. */
  | { kind: 'claimed'; holder: string }
  /** The hub refused it for good (dropped from the outbox, the local write put back). */
  | { kind: 'rejected'; message: string }
  /** The hub could not be asked now: it waits in the team outbox and is replayed when the hub is back. */
  | { kind: 'queued'; reason: string };

export interface LiveTeam {
  /** Sends what waits in the outbox (in order) and resolves with this change's outcome, or queued after `timeoutMs`. */
  deliver(item: QueuedTeamChange, timeoutMs: number): Promise<ChangeOutcome>;
}

const links = new WeakMap<Db, LiveTeam>();

export function setLiveTeam(db: Db, link: LiveTeam | null): void {
  if (link) links.set(db, link);
  else links.delete(db);
}

export function liveTeam(db: Db): LiveTeam | undefined {
  return links.get(db);
}
