import type { FloodLog } from './flood-log.js';
// What every part of a running relay shares. One object, built by startRelay, passed explicitly.
import type { Committer } from './committer.js';
import type { Hub } from './fanout.js';
import type { RateLimits, RelayLimits } from './rate-limit.js';
import type { RelayStore } from './relay-store.js';
import type { Session } from './session.js';
import type { TeamPresence } from './team-presence.js';

export interface RelayCore {
  store: RelayStore;
  committer: Committer;
  hub: Hub;
  /** Team mode: who is online and doing what (roster, activity). */
  presence: TeamPresence;
  limits: RelayLimits;
  rates: RateLimits;
  heartbeatMs: number;
  helloDeadlineMs: number;
  sessions: Set<Session>;
  log: (line: string) => void;
  /** Rate-limit refusals and closures, summarised once a minute. */
  floods: FloodLog;
  now: () => number;
}
