// Conversation arguments: "41" or "#41" is the number everyone on the team uses, "~12" this
// store's id for a conversation the hub has not numbered yet. Parsed before the store opens
// (a typo is a usage error, exit 2), resolved inside it (no such conversation: exit 3).
import type { AppContext } from '../../app/context.js';
import { resolveConversationRef } from '../../app/conversations/conversation-ref.js';
import { type ConversationRefInput, parseConversationRef, refInputLabel } from '../../domain/conversation-ref.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';

export function conversationArg(arg: string): ConversationRefInput {
  const r = parseConversationRef(arg);
  if (!r) throw new UsageError(`not a conversation number: ${arg} (41, #41, or ~12 for one not numbered yet)`);
  return r;
}

/** The local id the argument names, or exit 3. */
export function resolveConversation(ctx: Pick<AppContext, 'db'>, r: ConversationRefInput): number {
  const id = resolveConversationRef(ctx, r);
  if (id === undefined) throw new CliError(`no conversation ${refInputLabel(r)}`, EXIT.noSuchConversation);
  return id;
}
