// Conversation state commands: resolve, reopen, pending, snooze, assign, tag, note, priority.
// Each parses its arguments into an action, hands it to the conversation service (which
// validates, writes and words the result) and prints that.
import type { Command } from 'commander';
import type { ConversationAction } from '../../app/conversations/actions.js';
import { parseUntil } from '../../domain/when.js';
import type { Priority } from '../../domain/types.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';
import { type BodyOptions, readBody } from './body.js';
import { conversationArg, resolveConversation } from './ids.js';
import type { AppContext } from '../../app/context.js';
import { myAgentName } from '../../app/conversations/conversation-ref.js';
import { conversationJson } from '../conversation-json.js';

/** Applies one action and prints the conversation (--json) or the service's line. */
async function act(idArg: string, json: boolean | undefined, action: ConversationAction | ((ctx: AppContext) => Promise<ConversationAction>)): Promise<void> {
  const ref = conversationArg(idArg);
  await withContext(async (ctx) => {
    const id = resolveConversation(ctx, ref);
    // The service's actions alone: the reply machinery (templates, senders) is not loaded for them.
    const { applyAction } = await import('../../app/conversations/actions.js');
    const r = await applyAction(ctx, id, typeof action === 'function' ? await action(ctx) : action);
    const out = makeOutput(Boolean(json));
    if (!r.ok) {
      if (r.failure === 'claimed') {
        // Someone else holds it: exit 4, the holder named; with --json the refusal on stdout too, for scripts.
        if (out.json) out.data({ error: 'claimed', holder: r.holder ?? '', message: r.message }, () => '');
        throw new CliError(r.message, EXIT.claimed);
      }
      throw r.failure === 'no-such-conversation' ? new CliError(r.message, EXIT.noSuchConversation) : new UsageError(r.message);
    }
    for (const w of r.warnings) process.stderr.write(`attend: ${w}\n`);
    out.data(conversationJson(r.conversation), () => r.message);
  });
}

/** `assign`'s who: "me" (my agent name: see myAgentName), "none" or "" (unassigns), or a name. */
function assignAction(who: string, take: boolean): (ctx: AppContext) => Promise<ConversationAction> {
  return async (ctx) => {
    const w = who.trim();
    const to = w === 'me' ? await myAgentName(ctx) : w === 'none' ? null : w;
    return { kind: 'assign', to, ...(take ? { take: true } : {}) };
  };
}

export function registerActions(program: Command): void {
  const simple: Array<[string, ConversationAction, string]> = [
    ['resolve', { kind: 'resolve' }, 'mark resolved (reopens when the customer writes again)'],
    ['reopen', { kind: 'reopen' }, 'open again'],
    ['pending', { kind: 'pending' }, 'waiting on the customer'],
  ];
  for (const [name, action, description] of simple) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
      .option('--json', 'print the conversation as JSON')
      .action((idArg: string, o: { json?: boolean }) => act(idArg, o.json, action));
  }

  program
    .command('snooze')
    .description('hide until a time; reopens then, or as soon as the customer writes again')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .requiredOption('--until <when>', '90m, 2h, 3d, 1w, or an ISO-8601 time')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, o: { until: string; json?: boolean }) => {
      const until = parseUntil(o.until, Date.now());
      if (until === null) throw new UsageError(`--until: cannot read "${o.until}" (try 2h, 3d or 2026-12-01T09:00)`);
      return act(idArg, o.json, { kind: 'snooze', until });
    });

  program
    .command('assign')
    .description('assign to me, someone, or none; a claim in a team: exit 4 naming the holder when a teammate has it, unless --take')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .argument('[who]', 'me | NAME | none')
    .option('--to <name>', 'the same as WHO (kept for scripts; --to "" unassigns)')
    .option('--take', 'assign even when a teammate holds it')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, who: string | undefined, o: { to?: string; take?: boolean; json?: boolean }) => {
      if (who !== undefined && o.to !== undefined) throw new UsageError('give who either as an argument or with --to, not both');
      const to = who ?? o.to;
      if (to === undefined) throw new UsageError('assign to whom? attend assign ID me|NAME|none');
      return act(idArg, o.json, assignAction(to, o.take === true));
    });

  program
    .command('tag')
    .description('add tags (or remove them with --remove)')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .argument('<tags...>', 'one or more tags')
    .option('--remove', 'remove these tags instead')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, tags: string[], o: { remove?: boolean; json?: boolean }) =>
      act(idArg, o.json, { kind: 'tag', add: o.remove ? [] : tags, remove: o.remove ? tags : [] }),
    );

  program
    .command('note')
    .description('add an internal note (never sent to the customer)')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .option('--body <text>', 'the note')
    .option('--body-file <path>', 'read the note from a file')
    .option('--stdin', 'read the note from standard input')
    .option('--json', 'print the conversation as JSON')
    .action(async (idArg: string, o: BodyOptions & { json?: boolean }) => act(idArg, o.json, { kind: 'note', text: await readBody(o) }));

  program
    .command('priority')
    .description('set the priority (urgent | high | normal | low), or auto to let the rules in settings decide')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .argument('<priority>', 'urgent | high | normal | low | auto')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, priority: string, o: { json?: boolean }) =>
      act(idArg, o.json, { kind: 'priority', priority: priority === 'auto' ? null : (priority as Priority) }),
    );
}
