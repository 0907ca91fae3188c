// `attend team`: connect once to the team's hub, take its roster (sent right after welcome) and say
// who is online and what each one is looking at, by the conversation's team number.
import { safeLine } from '../../domain/sanitize.js';
import { conversationRef } from '../../domain/team.js';
import type { ChatAccount } from '../../config/settings.js';
import type { AgentActivity } from '../../protocol/frames.js';
import { conversationIdByNumber } from '../../store/conversation-refs.js';
import { teamAccountName } from '../../store/team-numbers.js';
import { activeChatAccounts, findChatAccount } from '../channels/accounts.js';
import type { AppContext } from '../context.js';

export interface TeamMemberView {
  agent: string;
  /** This is me (my token's name). */
  me: boolean;
  online: boolean;
  /** The team number of the conversation they look at (null: none). */
  conversation: number | null;
  /** How this store shows it: "41", or null when none. */
  ref: string | null;
  replying: boolean;
  /** ISO time of their last change. */
  since: string | null;
}

export interface TeamView {
  me: string;
  account: string;
  agents: TeamMemberView[];
}

/** How long `attend team` waits for the roster after welcome. */
const ROSTER_WAIT_MS = 2000;

/**
 * The team as the hub sees it now; null when no chat account's relay is a team hub.
 * Throws when the team's hub cannot be reached.
 */
export async function loadTeam(ctx: AppContext, timeoutMs = 3000): Promise<TeamView | null> {
  const known = teamAccountName(ctx.db);
  const account = known === null ? undefined : findChatAccount(ctx, known);
  const candidates: ChatAccount[] = account ? [account] : activeChatAccounts(ctx);
  const { connectChat } = await import('../chat/chat-account.js');
  let lastError: Error | null = null;
  for (const a of candidates) {
    let session: Awaited<ReturnType<typeof connectChat>>;
    try {
      session = await connectChat(ctx, a, false, { connectTimeoutMs: timeoutMs });
    } catch (err) {
      lastError = err as Error;
      continue;
    }
    try {
      if (session.welcome.team !== true || !session.welcome.agent) continue;
      const client = session.client;
      if (client.roster.length === 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ROSTER_WAIT_MS);
          client.once('roster', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return view(ctx, a.name, session.welcome.agent, client.roster);
    } finally {
      await session.client.close();
    }
  }
  if (account && lastError) throw lastError;
  return null;
}

function view(ctx: AppContext, account: string, me: string, roster: AgentActivity[]): TeamView {
  const agents = roster.map((a): TeamMemberView => {
    const number = typeof a.conversation === 'number' ? a.conversation : null;
    const id = number === null ? undefined : conversationIdByNumber(ctx.db, number);
    return {
      agent: safeLine(a.agent),
      me: a.agent === me,
      online: a.online === true,
      conversation: number,
      ref: number === null ? null : id === undefined ? String(number) : conversationRef({ id, number }),
      replying: a.online === true && a.replying === true,
      since: typeof a.since === 'number' && a.since > 0 ? new Date(a.since).toISOString() : null,
    };
  });
  agents.sort((x, y) => Number(y.online) - Number(x.online) || x.agent.localeCompare(y.agent));
  return { me: safeLine(me), account, agents };
}
