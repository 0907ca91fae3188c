// Who "me" is: in a team, my agent name at the hub (from my token, recorded when a relay said
// "team"); working alone, the agent name of the settings. `attend assign ID me` and the queue view
// "mine" resolve through here.
import { teamAgent } from '../../store/team-numbers.js';
import type { AppContext } from '../context.js';

export function myAgentName(ctx: Pick<AppContext, 'db' | 'settings'>): string {
  return teamAgent(ctx.db) ?? ctx.settings.get('agent').name;
}

/** Whether this store is in a team (a relay said so, now or earlier). */
export function inTeam(ctx: Pick<AppContext, 'db'>): boolean {
  return teamAgent(ctx.db) !== null;
}
