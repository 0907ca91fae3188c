// `attend reply`: parses the options, hands the reply to the conversation service (queue → try to
// send → then status and a template's actions) and prints its result with an honest exit code.
import type { Command } from 'commander';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';
import { type BodyOptions, readBody } from './body.js';
import { templateOptions } from './reply-template.js';
import { conversationArg, resolveConversation } from './ids.js';
import { numberOf } from '../../app/conversations/conversation-ref.js';
import { conversationRef } from '../../domain/team.js';

export function registerReply(program: Command): void {
  program
    .command('reply')
    .description('reply to a conversation (queued durably first; exit 75 if it could not be sent yet)')
    .argument('<id>', 'conversation number (41, #41, or ~12 for one not numbered yet)')
    .option('--body <text>', 'the reply text')
    .option('--body-file <path>', 'read the reply from a file')
    .option('--stdin', 'read the reply from standard input')
    .option('--template <name>', 'reply with a canned reply (attend template list); applies its actions unless the reply fails for good')
    .option('--var <key=value>', 'a template variable, repeatable (overrides the conversation\'s own)', (v: string, all?: string[]) => [...(all ?? []), v])
    .option('--status <status>', 'then set the conversation to pending or resolved, unless the reply fails for good (overrides a template\'s status/snooze)')
    .option('--json', 'print JSON')
    .action(async (idArg: string, o: BodyOptions & { status?: string; json?: boolean; template?: string; var?: string[] }) => {
      const ref = conversationArg(idArg);
      if (o.status !== undefined && o.status !== 'pending' && o.status !== 'resolved') throw new UsageError('--status must be pending or resolved');
      const vars = templateOptions(o);
      const body = o.template === undefined ? await readBody(o) : '';
      const out = makeOutput(Boolean(o.json));
      await withContext(async (ctx) => {
        const id = resolveConversation(ctx, ref);
        const { ConversationService } = await import('../../app/conversations/service.js');
        const r = await new ConversationService(ctx).reply({
          conversationId: id,
          content: o.template === undefined ? { text: body } : { template: o.template, vars },
          ...(o.status === 'pending' || o.status === 'resolved' ? { status: o.status } : {}),
        });
        if (!r.ok) {
          if (r.failure === 'no-such-conversation') throw new CliError(r.message, EXIT.noSuchConversation);
          throw r.failure === 'invalid' ? new UsageError(r.message) : new CliError(r.message);
        }
        for (const line of r.notes) out.info(line);
        for (const w of r.warnings) out.info(`attend: ${w}`);
        const c = numberOf(ctx, id);
        out.data({ conversationId: c.number, ref: conversationRef(c), messageId: r.messageId, state: r.state, error: r.error }, () => r.message);
        if (r.state === 'failed') process.exitCode = EXIT.failed;
        else if (r.state === 'queued') process.exitCode = EXIT.queued;
      });
    });
}
