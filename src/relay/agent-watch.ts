// The running relay follows `attend relay agent add|remove`, which write relay.db from another
// process: PRAGMA data_version (one cheap call on our own connection) changes only when another
// connection commits, and then the agents are read again. A removed agent — or one whose token
// was replaced — has its sockets closed 4401 within one interval; the upgrade already refuses
// its token (it looks the hash up in relay.db each time).
import { CLOSE } from '../protocol/close-codes.js';
import { OWNER } from './agent-registry.js';
import type { RelayCore } from './core.js';

export const AGENT_WATCH_MS = 250;
/** "Service restart" (RFC 6455): clients reconnect, and this time get the team's welcome. */
const RECONNECT = 1012;

/** Starts watching; returns the stop. */
export function watchAgents(core: RelayCore, everyMs = AGENT_WATCH_MS): () => void {
  const { store } = core;
  let version = store.dataVersion();
  let known = store.agents.hashes();
  let team = store.agents.isTeam();
  const check = () => {
    const v = store.dataVersion();
    if (v === version) return;
    version = v;
    const agents = store.agents.hashes();
    const nowTeam = store.agents.isTeam();
    for (const s of core.sessions) {
      if (s.role !== 'agent' || s.agent === OWNER || s.state === 'closed') continue;
      if (agents.get(s.agent) !== s.tokenHash) {
        core.log(`agent ${s.agent} was removed: closing its connection`);
        s.close(CLOSE.unauthorized, 'agent removed');
      }
    }
    for (const name of agents.keys()) if (!known.has(name)) core.presence.added(name);
    if (nowTeam && !team) {
      // The first agent was added: the ones connected were welcomed alone. A reconnect (which
      // resumes, losing nothing) gives them the team's welcome and roster.
      for (const s of core.hub.agents) if (!s.teamWelcomed) s.close(RECONNECT, 'the relay is a team hub now: reconnect');
    }
    known = agents;
    team = nowTeam;
  };
  const timer = setInterval(() => {
    try {
      check();
    } catch (err) {
      core.log(`checking the agents in relay.db: ${(err as Error).message}`);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
