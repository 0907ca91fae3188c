// Numbers for conversations: every conversation the hub has not numbered is registered by its key,
// 500 to a frame, offering its state here (the hub keeps the first registrant's). The answer gives
// the team's number and the hub's state, which this store then follows.
import { randomUUID } from 'node:crypto';
import type { RelayClient } from '../../adapters/chat/relay-client.js';
import type { TeamRegister } from '../../protocol/frames.js';
import { MAX_REGISTER_KEYS } from '../../protocol/limits.js';
import { MAX_PAYLOAD } from '../../protocol/transport.js';
import { appendEvent } from '../../store/events.js';
import { maxConversationId, setTeamIdentity, setTeamKey, teamAccountName, unnumberedConversations } from '../../store/team-numbers.js';
import { ALL_TEAM_FIELDS, applyHubState, localTeamState } from '../../store/team-state.js';
import type { AppContext } from '../context.js';
import { teamKeyFor } from './team-keys.js';

/** At most this many keys in one team.register (the wire's limit). */
export const REGISTER_PAGE = MAX_REGISTER_KEYS;

/** Room left in a frame for its envelope (`{"t":"team.register","id":…,"d":{"conversations":[…]}}`). */
const FRAME_BUDGET = MAX_PAYLOAD - 1024;

/** Splits an offer so each frame fits the wire's limit: a bigger one closes the socket (1009). Keys can be long. */
function* byFrameSize(offer: TeamRegister['conversations']): Generator<TeamRegister['conversations']> {
  let chunk: TeamRegister['conversations'] = [];
  let bytes = 0;
  for (const entry of offer) {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (chunk.length > 0 && bytes + size > FRAME_BUDGET) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Registers every unnumbered conversation after `afterId`; returns the highest id it went through (to continue after). */
export async function registerConversations(ctx: AppContext, client: RelayClient, afterId = 0): Promise<number> {
  const db = ctx.db;
  const teamAccount = teamAccountName(db);
  // Every conversation up to here is looked at (those with a number need nothing): the caller
  // continues after it, so a store where all are numbered is not scanned again and again.
  const upTo = maxConversationId(db);
  let cursor = afterId;
  while (client.connected) {
    const page = unnumberedConversations(db, cursor, REGISTER_PAGE);
    if (page.length === 0) return Math.max(cursor, upTo);
    const byKey = new Map<string, number>();
    const offer: TeamRegister['conversations'] = [];
    for (const c of page) {
      const key = teamKeyFor(ctx, c, teamAccount);
      // No key (a chat of another relay), or a second local conversation with the same key: not shared.
      if (key === null || byKey.has(key) || (!c.teamKey && !setTeamKey(db, c.id, key))) continue;
      byKey.set(key, c.id);
      offer.push({ key, state: localTeamState(db, c.id) });
    }
    for (const chunk of byFrameSize(offer)) {
      const reply = await client.register(chunk, `register-${randomUUID()}`);
      db.transaction(() => {
        let numbered = 0;
        for (const r of reply.conversations) {
          const id = byKey.get(r.key);
          if (id === undefined || !setTeamIdentity(db, id, r.key, r.number)) continue;
          applyHubState(db, r, { fields: ALL_TEAM_FIELDS, by: 'hub', now: ctx.now(), orEqual: true, always: true });
          numbered++;
        }
        // Internal: a console in this process re-reads on a new event (its own writes move no data_version).
        if (numbered > 0) appendEvent(db, 'team.numbered', null, ctx.now(), { count: numbered });
      }).immediate();
    }
    cursor = page[page.length - 1]?.id ?? cursor;
    if (page.length < REGISTER_PAGE) return Math.max(cursor, upTo);
  }
  return cursor; // the connection dropped: the next welcome starts over
}
