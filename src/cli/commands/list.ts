import type { Command } from 'commander';
import type { Channel, Status } from '../../domain/types.js';
import { UsageError } from '../exit-codes.js';
import { age, cell, makeOutput, terminalWidth } from '../output.js';
import { withContext } from '../run.js';
import { listQueue } from '../../app/queue/queue-view.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import { timeLeftCell } from '../../policy/queue.js';
import { fitLabel, rowText } from '../../domain/labels.js';
import { conversationRef } from '../../domain/team.js';
import { myAgentName } from '../../app/conversations/conversation-ref.js';
import { conversationJson } from '../conversation-json.js';

// `history`: what a first sync imported from before the account's open window; `all` includes it.
const STATUS_FILTERS = ['open', 'pending', 'snoozed', 'resolved', 'history', 'all'];

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list conversations in queue order: least time to breach first; backlog (breached past its target) after what is due soon, oldest first')
    .option('--status <status>', 'open | pending | snoozed | resolved | history | all', 'open')
    .option('--channel <channel>', 'email | chat')
    .option('--assignee <who>', 'me | none | NAME | any: mine, unassigned, someone\'s, or everyone\'s (me: my team agent name, alone the settings\' agent name)', 'any')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (o: { status: string; channel?: string; assignee: string; limit: string; json?: boolean }) => {
      if (!STATUS_FILTERS.includes(o.status)) throw new UsageError(`--status must be one of ${STATUS_FILTERS.join(', ')}`);
      if (o.channel !== undefined && o.channel !== 'email' && o.channel !== 'chat') throw new UsageError('--channel must be email or chat');
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      const who = o.assignee.trim();
      if (who === '') throw new UsageError('--assignee must be me, none, a name or any');
      await withContext(async (ctx) => {
        const assignee = who === 'any' ? undefined : who === 'none' ? null : who === 'me' ? await myAgentName(ctx) : who;
        const items = await listQueue(ctx, {
          status: o.status as Status | 'all',
          ...(o.channel ? { channel: o.channel as Channel } : {}),
          ...(assignee !== undefined ? { assignee } : {}),
          limit,
        });
        makeOutput(Boolean(o.json)).data(items.map(conversationJson), () => renderTable(items, ctx.now()));
      }, { settings: false });
    });
}

function renderTable(items: ConversationSummary[], now: number): string {
  if (items.length === 0) return 'nothing here: no conversations match (try --status all, or attend sync)';
  const width = terminalWidth();
  const idW = Math.max(2, ...items.map((c) => conversationRef(c).length));
  const fixed = idW + 1 + 5 + 1 + 8 + 1 + 5 + 1 + 5 + 1; // id, channel, status, due, wait
  const rest = Math.max(20, width - fixed);
  const whoW = Math.min(30, Math.floor(rest * 0.45));
  const subjW = rest - whoW - 1;
  const head = `${'ID'.padStart(idW)} ${cell('CHAN', 5)} ${cell('STATUS', 8)} ${cell('DUE', 5)} ${cell('WAIT', 5)} ${cell('CUSTOMER', whoW)} SUBJECT / LAST MESSAGE`;
  const rows = items.map((c) => {
    const who = fitLabel(c, whoW);
    const wait = c.waitingSince ? age(c.waitingSince, now) : '';
    const due = c.dueAt ? timeLeftCell(Date.parse(c.dueAt) - now) : '';
    return `${conversationRef(c).padStart(idW)} ${cell(c.channel, 5)} ${cell(c.status, 8)} ${cell(due, 5)} ${cell(wait, 5)} ${cell(who, whoW)} ${cell(rowText(c), subjW).trimEnd()}`;
  });
  return [head, ...rows].join('\n');
}
