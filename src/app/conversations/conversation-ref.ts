// Conversations as people name them: "#41" (the team's number, the id when working alone) or
// "~12" (this store's id, until the hub numbers it), and who "me" is in `assign 41 me` and
// `list --assignee me`. Internally the app keeps passing local ids around.
import { type ConversationRefInput, parseConversationRef, shownRef } from '../../domain/conversation-ref.js';
import { conversationRef } from '../../domain/team.js';
import { conversationIdByNumber, conversationNumberOf } from '../../store/conversation-refs.js';
import { getMeta } from '../../store/ranks.js';
import type { AppContext } from '../context.js';
import type { TeamPort } from '../team/port.js';

/** The local id of the conversation a typed reference names; undefined when there is none. */
export function resolveConversationRef(ctx: Pick<AppContext, 'db'>, r: ConversationRefInput): number | undefined {
  if (r.by === 'number') return conversationIdByNumber(ctx.db, r.number);
  return conversationNumberOf(ctx.db, r.id) !== undefined ? r.id : undefined;
}

/** "41", or "~12" while not numbered (domain/team.ts conversationRef); "~id" too for a conversation not stored. */
export function refOf(ctx: Pick<AppContext, 'db'>, id: number): string {
  const c = conversationNumberOf(ctx.db, id);
  return c ? conversationRef(c) : `~${id}`;
}

/**
 * Who "me" is: in a team, my agent name at the hub (from my token, kept in the store's meta
 * 'team.agent' while in a team); working alone, the settings' agent name ($USER by default), the
 * name notes are signed with.
 */
export async function myAgentName(ctx: AppContext): Promise<string> {
  return getMeta(ctx.db, 'team.agent') ?? (await ctx.loadSettings()).get('agent').name;
}

/**
 * The same, without waiting (the console's "mine" view): the team port's name once linked, the
 * store's, else the settings' when loaded, else $USER (the settings' default).
 */
export function myAgentNameNow(ctx: AppContext, team?: Pick<TeamPort, 'me'>): string {
  const fromTeam = team?.me ?? getMeta(ctx.db, 'team.agent');
  if (fromTeam) return fromTeam;
  try {
    return ctx.settings.get('agent').name;
  } catch {
    return ctx.env.USER ?? 'agent'; // the settings are not loaded yet (the console's first frame)
  }
}

/** The local id behind a ref string as events and `--json` print it ("41" or "~12"). */
export function localIdOfRef(ctx: Pick<AppContext, 'db'>, ref: string): number | undefined {
  const r = parseConversationRef(ref);
  return r ? resolveConversationRef(ctx, r) : undefined;
}

/** A conversation's local id and number (null: not numbered yet); a conversation not stored reads as not numbered. */
export function numberOf(ctx: Pick<AppContext, 'db'>, id: number): { id: number; number: number | null } {
  return conversationNumberOf(ctx.db, id) ?? { id, number: null };
}

/** How messages name a conversation: "#41", or "~12" while the team's hub has not numbered it. */
export function shownRefOf(ctx: Pick<AppContext, 'db'>, id: number): string {
  return shownRef(numberOf(ctx, id));
}
