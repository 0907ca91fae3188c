// Conversation state commands: resolve, reopen, pending, snooze, assign, tag, note.
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { addNote, addTags, assign, getConversation, removeTags, setStatus } from '../../store/conversations.js';
import { parseUntil } from '../../domain/when.js';
import type { Priority } from '../../domain/types.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';
import { type BodyOptions, readBody } from './body.js';
import { conversationId } from './ids.js';

async function onConversation(
  idArg: string,
  json: boolean | undefined,
  fn: (ctx: AppContext, id: number) => string,
  mirror?: 'open' | 'resolved',
): Promise<void> {
  const id = conversationId(idArg);
  await withContext(async (ctx) => {
    const before = getConversation(ctx.db, id);
    if (!before) throw new CliError(`no conversation ${id}`, EXIT.noSuchConversation);
    const message = fn(ctx, id);
    if (mirror && before.channel === 'chat') {
      const { mirrorChatStatus } = await import('../../app/chat/chat-account.js');
      const warning = await mirrorChatStatus(ctx, id, mirror);
      if (warning) process.stderr.write(`attend: ${warning}\n`);
    }
    const c = getConversation(ctx.db, id);
    makeOutput(Boolean(json)).data(c, () => message);
  });
}

export function registerActions(program: Command): void {
  const simple: Array<[string, 'resolved' | 'open' | 'pending', string]> = [
    ['resolve', 'resolved', 'mark resolved (reopens when the customer writes again)'],
    ['reopen', 'open', 'open again'],
    ['pending', 'pending', 'waiting on the customer'],
  ];
  for (const [name, status, description] of simple) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'conversation id')
      .option('--json', 'print the conversation as JSON')
      .action((idArg: string, o: { json?: boolean }) =>
        onConversation(
          idArg,
          o.json,
          (ctx, id) => {
            setStatus(ctx.db, id, status, ctx.now());
            return `#${id} is ${status}`;
          },
          status === 'resolved' ? 'resolved' : status === 'open' ? 'open' : undefined,
        ),
      );
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
      if (until <= Date.now()) throw new UsageError('--until is in the past');
      return onConversation(idArg, o.json, (ctx, id) => {
        setStatus(ctx.db, id, 'snoozed', ctx.now(), until);
        return `#${id} snoozed until ${new Date(until).toISOString()}`;
      });
    });

  program
    .command('assign')
    .description('assign to someone (--to "" unassigns)')
    .argument('<id>', 'conversation id')
    .requiredOption('--to <name>', 'who works on it')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, o: { to: string; json?: boolean }) =>
      onConversation(idArg, o.json, (ctx, id) => {
        const who = o.to.trim() === '' ? null : o.to.trim();
        assign(ctx.db, id, who, ctx.now());
        return who ? `#${id} assigned to ${who}` : `#${id} unassigned`;
      }),
    );

  program
    .command('tag')
    .description('add tags (or remove them with --remove)')
    .argument('<id>', 'conversation id')
    .argument('<tags...>', 'one or more tags')
    .option('--remove', 'remove these tags instead')
    .option('--json', 'print the conversation as JSON')
    .action((idArg: string, tags: string[], o: { remove?: boolean; json?: boolean }) => {
      const clean = tags.map((t) => t.trim()).filter((t) => t !== '');
      if (clean.some((t) => /[\s\p{Cc}]/u.test(t))) throw new UsageError('a tag is one word without spaces or control characters');
      return onConversation(idArg, o.json, (ctx, id) => {
        if (o.remove) removeTags(ctx.db, id, clean, ctx.now());
        else addTags(ctx.db, id, clean, ctx.now());
        return `#${id} ${o.remove ? 'untagged' : 'tagged'} ${clean.join(' ')}`;
      });
    });

  program
    .command('note')
    .description('add an internal note (never sent to the customer)')
    .argument('<id>', 'conversation id')
    .option('--body <text>', 'the note')
    .option('--body-file <path>', 'read the note from a file')
    .option('--stdin', 'read the note from standard input')
    .option('--json', 'print the conversation as JSON')
    .action(async (idArg: string, o: BodyOptions & { json?: boolean }) => {
      const text = await readBody(o);
      await onConversation(idArg, o.json, (ctx, id) => {
        addNote(ctx.db, id, ctx.settings.get('agent').name, text, ctx.now());
        return `note added to #${id}`;
      });
    });

  program
    .command('priority')
    .description('set the priority (urgent | high | normal | low), or auto to let the rules in settings decide')
    .argument('<id>', 'conversation id')
    .argument('<priority>', 'urgent | high | normal | low | auto')
    .option('--json', 'print the conversation as JSON')
    .action(async (idArg: string, priority: string, o: { json?: boolean }) => {
      if (!['urgent', 'high', 'normal', 'low', 'auto'].includes(priority)) throw new UsageError('priority must be urgent, high, normal, low or auto');
      const id = conversationId(idArg);
      await withContext(async (ctx) => {
        if (!getConversation(ctx.db, id)) throw new CliError(`no conversation ${id}`, EXIT.noSuchConversation);
        const { applyAction } = await import('../../app/conversations/actions.js');
        const { prepareQueue } = await import('../../app/queue/policy.js');
        const line = await applyAction(ctx, id, { kind: 'priority', priority: priority === 'auto' ? null : (priority as Priority) });
        await prepareQueue(ctx, ctx.settings);
        makeOutput(Boolean(o.json)).data(getConversation(ctx.db, id), () => line);
      });
    });
}
