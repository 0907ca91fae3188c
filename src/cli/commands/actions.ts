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
import { conversationId } from './ids.js';

/** Applies one action and prints the conversation (--json) or the service's line. */
async function act(idArg: string, json: boolean | undefined, action: ConversationAction): Promise<void> {
  const id = conversationId(idArg);
  await withContext(async (ctx) => {
    // The service's actions alone: the reply machinery (templates, senders) is not loaded for them.
    const { applyAction } = await import('../../app/conversations/actions.js');
    const r = await applyAction(ctx, id, action);
    if (!r.ok) throw r.failure === 'no-such-conversation' ? new CliError(r.message, EXIT.noSuchConversation) : new UsageError(r.message);
    for (const w of r.warnings) process.stderr.write(`attend: ${w}\n`);
    makeOutput(Boolean(json)).data(r.conversation, () => r.message);
  });
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
      .argument('<id>', 'conversation id')
      .option('--json', 'print the conversation as JSON')
      .action((idArg: string, o: { json?: boolean }) => act(idArg, o.json, action));
  }

  program
    .command('snooze')
    .description('hide until a time; reopens then, or as soon as the customer writes again')
    .argument('<id>', 'conversation id')
    .requiredOption('--until <when>', '90m, 2h, 3d, 1w, or an ISO-8601 time')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, o: { until: string; json?: boolean }) => {
      const until = parseUntil(o.until, Date.now());
      if (until === null) throw new UsageError(`--until: cannot read "${o.until}" (try 2h, 3d or 2026-12-01T09:00)`);
      return act(idArg, o.json, { kind: 'snooze', until });
    });

  program
    .command('assign')
    .description('assign to someone (--to "" unassigns)')
    .argument('<id>', 'conversation id')
    .requiredOption('--to <name>', 'who works on it')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, o: { to: string; json?: boolean }) => act(idArg, o.json, { kind: 'assign', to: o.to }));

  program
    .command('tag')
    .description('add tags (or remove them with --remove)')
    .argument('<id>', 'conversation id')
    .argument('<tags...>', 'one or more tags')
    .option('--remove', 'remove these tags instead')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, tags: string[], o: { remove?: boolean; json?: boolean }) =>
      act(idArg, o.json, { kind: 'tag', add: o.remove ? [] : tags, remove: o.remove ? tags : [] }),
    );

  program
    .command('note')
    .description('add an internal note (never sent to the customer)')
    .argument('<id>', 'conversation id')
    .option('--body <text>', 'the note')
    .option('--body-file <path>', 'read the note from a file')
    .option('--stdin', 'read the note from standard input')
    .option('--json', 'print the conversation as JSON')
    .action(async (idArg: string, o: BodyOptions & { json?: boolean }) => act(idArg, o.json, { kind: 'note', text: await readBody(o) }));

  program
    .command('priority')
    .description('set the priority (urgent | high | normal | low), or auto to let the rules in settings decide')
    .argument('<id>', 'conversation id')
    .argument('<priority>', 'urgent | high | normal | low | auto')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, priority: string, o: { json?: boolean }) =>
      act(idArg, o.json, { kind: 'priority', priority: priority === 'auto' ? null : (priority as Priority) }),
    );
}
