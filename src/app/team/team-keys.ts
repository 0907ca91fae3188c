// The key that names a conversation for the whole team (domain/team.ts): an email thread by its
// mailbox address and thread root, a chat by the hub relay's conversation id. A chat from another
// relay, or a thread whose root is unknown, has no key: it stays this agent's own ("~12").
import { emailAccounts } from '../../config/accounts.js';
import { chatConversationKey, type ConversationKey, emailConversationKey } from '../../domain/team.js';
import { type TeamCandidate, setTeamKey, teamAccountName, teamCandidate, threadRootOf } from '../../store/team-numbers.js';
import type { AppContext } from '../context.js';

/** Computes (without storing) a conversation's team key. */
export function teamKeyFor(ctx: Pick<AppContext, 'db' | 'settings'>, c: TeamCandidate, teamAccount: string | null): ConversationKey | null {
  if (c.teamKey) return c.teamKey;
  if (c.channel === 'chat') {
    const ref = Number(c.externalRef);
    return c.account === teamAccount && c.externalRef !== null && Number.isInteger(ref) ? chatConversationKey(ref) : null;
  }
  const address = mailboxAddress(ctx, c.account);
  const root = c.threadRoot ?? threadRootOf(ctx.db, c.id);
  return address && root ? emailConversationKey(address, root) : null;
}

/** A conversation's team key, stored once known (null: it has none, or another conversation here holds it). */
export function ensureTeamKey(ctx: Pick<AppContext, 'db' | 'settings'>, conversationId: number): ConversationKey | null {
  const c = teamCandidate(ctx.db, conversationId);
  if (!c) return null;
  if (c.teamKey) return c.teamKey;
  const key = teamKeyFor(ctx, c, teamAccountName(ctx.db));
  return key !== null && setTeamKey(ctx.db, conversationId, key) ? key : null;
}

function mailboxAddress(ctx: Pick<AppContext, 'settings'>, account: string): string | null {
  try {
    return emailAccounts(ctx.settings).find((a) => a.name === account)?.email ?? null;
  } catch {
    return null; // a context opened without settings: no key now, one later
  }
}
