import type { Command } from 'commander';
import type { QueuedReply } from '../../app/conversations/replies.js';
import { setStatus } from '../../store/conversations.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';
import { type BodyOptions, readBody } from './body.js';
import { prepareTemplate, templateOptions } from './reply-template.js';
import type { PreparedTemplateReply } from '../../app/conversations/template-reply.js';
import { conversationId } from './ids.js';

export function registerReply(program: Command): void {
  program
    .command('reply')
    .description('reply to a conversation (queued durably first; exit 75 if it could not be sent yet)')
    .argument('<id>', 'conversation id')
    .option('--body <text>', 'the reply text')
    .option('--body-file <path>', 'read the reply from a file')
    .option('--stdin', 'read the reply from standard input')
    .option('--template <name>', 'reply with a canned reply (attend template list); applies its actions unless the reply fails for good')
    .option('--var <key=value>', 'a template variable, repeatable (overrides the conversation\'s own)', (v: string, all?: string[]) => [...(all ?? []), v])
    .option('--status <status>', 'then set the conversation to pending or resolved, unless the reply fails for good (overrides a template\'s status/snooze)')
    .option('--json', 'print JSON')
    .action(async (idArg: string, o: BodyOptions & { status?: string; json?: boolean; template?: string; var?: string[] }) => {
      const id = conversationId(idArg);
      if (o.status !== undefined && o.status !== 'pending' && o.status !== 'resolved') throw new UsageError('--status must be pending or resolved');
      const vars = templateOptions(o);
      const body = o.template === undefined ? await readBody(o) : '';
      const out = makeOutput(Boolean(o.json));
      await withContext(async (ctx) => {
        const { NotFoundError, queueReply } = await import('../../app/conversations/replies.js');
        let queued: QueuedReply;
        let prepared: PreparedTemplateReply | null = null;
        try {
          // Rendered before anything is queued: an unknown variable must never half-send.
          if (o.template !== undefined) prepared = await prepareTemplate(ctx, id, o.template, vars);
          queued = queueReply(ctx, id, prepared?.body ?? body);
        } catch (err) {
          if (err instanceof NotFoundError) throw new CliError(err.message, EXIT.noSuchConversation);
          if (err instanceof CliError) throw err;
          throw new CliError((err as Error).message);
        }
        const { sendNow, sendChatNow } = await import('../../app/conversations/send-now.js');
        const result =
          queued.channel === 'chat' ? await sendChatNow(ctx, queued.account, queued.item.id) : await sendNow(ctx, queued.account, queued.item.id);
        const delivered = result.state === 'accepted' || result.state === 'sent';
        const state = delivered ? 'sent' : result.state === 'failed' ? 'failed' : 'queued';
        // Status, tags and a template's actions follow a reply that went out or waits for a retry;
        // one refused for good reached nobody, so the conversation stays as it was, still waiting.
        if (state !== 'failed') {
          if (prepared) {
            const { applyTemplateActions } = await import('../../app/conversations/template-reply.js');
            const done = applyTemplateActions(ctx, id, prepared, o.status as 'pending' | 'resolved' | undefined);
            if (done.length) out.info(`#${id}: ${done.join(', ')} (template ${prepared.template.name})`);
          }
          if (o.status === 'pending' || o.status === 'resolved') setStatus(ctx.db, id, o.status, ctx.now());
        } else if (o.status !== undefined || (prepared && (prepared.template.actions.tags?.length || prepared.template.actions.status || prepared.snoozeUntil !== null))) {
          out.info(`#${id}: status and tags left as they were: the reply was not sent`);
        }
        out.data({ conversationId: id, messageId: queued.item.messageId, state, error: delivered ? null : result.error }, () =>
          delivered
            ? `sent reply to #${id}`
            : state === 'failed'
              ? `reply to #${id} failed: ${result.error}`
              : `reply to #${id} queued (${result.error ?? 'server unreachable'}); it goes out with the next attend sync or reply`,
        );
        if (state === 'failed') process.exitCode = EXIT.failed;
        else if (state === 'queued') process.exitCode = EXIT.queued;
      });
    });
}
