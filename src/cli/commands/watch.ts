// `attend watch`: stays connected and prints one line per event as it happens — readable text, or
// with --json one JSON object per line (NDJSON, schemas/watch.schema.json). stdout carries
// events only (no "ready" line: `channel.connected` says a channel is up); messages go to stderr.
// `--since SEQ` replays the log first, so a script that restarts misses nothing and sees nothing twice.
import type { Command } from 'commander';
import type { PublicEvent } from '../../domain/public-events.js';
import { jsonStringify, safeLine } from '../../domain/sanitize.js';
import { UsageError } from '../exit-codes.js';
import { stopOnSignals, withContext } from '../run.js';
import { customerLine, emailText } from '../../domain/labels.js';
import { refText } from '../../domain/conversation-ref.js';

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('stay connected and print one line per event (message.received, sla.breached, …) as it happens; Ctrl-C stops')
    .option('--account <name>', 'only this account: its channels and its events')
    .option('--since <seq>', 'first print the events after this seq from the store (each line carries its seq)')
    .option('--json', 'one JSON object per line (NDJSON); see schemas/watch.schema.json')
    .action(async (o: { account?: string; since?: string; json?: boolean }) => {
      if (o.since !== undefined && !/^\d+$/.test(o.since)) throw new UsageError(`--since must be an event seq (0 or more), not "${o.since}"`);
      await withContext(async (ctx) => {
        const { channelsToRun } = await import('../../app/channels/accounts.js');
        const { email, chat } = channelsToRun(ctx, 'join', o.account);
        const { watchEvents } = await import('../../app/automation/event-watch.js');
        const stopped = stopOnSignals();
        const names = [...email.map((a) => `${a.name} (email)`), ...chat.map((a) => `${a.name} (chat)`)];
        ctx.log(names.length ? `watching ${names.join(', ')}; Ctrl-C stops` : 'no accounts to connect: printing what other attend processes record; Ctrl-C stops');
        await watchEvents(ctx, {
          afterSeq: o.since !== undefined ? Number(o.since) : 'end',
          ...(o.account ? { account: o.account } : {}),
          signal: stopped,
          onEvent: (e) => process.stdout.write(`${o.json ? jsonStringify(e) : eventLine(e)}\n`),
        });
      }, { liveSettings: true });
    });
}

const pad = (n: number) => String(n).padStart(2, '0');

function clock(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** One readable line: seq (for --since), local time, type, conversation, what happened. Outside text is made terminal-safe. */
export function eventLine(e: PublicEvent): string {
  const c = e.conversation;
  const head = `${e.seq} ${clock(e.at)} ${e.type}`;
  // A chat visitor's typed address is marked (unverified) here as everywhere.
  const who = c ? customerLine(c.customer, c.customer.name || (c.customer.email ? emailText(c.customer.email, c.customer.emailVerified) : 'unknown')) : '';
  const about = c ? `${refText(c.ref)} ${c.channel} ${safeLine(c.account)} · ${who} · ${safeLine(c.subject || '(no subject)')}` : '';
  const text = (s: string | undefined) => {
    const line = safeLine(s ?? '');
    return line.length > 120 ? `${line.slice(0, 119)}…` : line;
  };
  switch (e.type) {
    case 'message.received':
    case 'message.sent':
      return `${head} ${about}: ${text(e.message?.text)}`;
    case 'message.failed':
      return `${head} ${about}: ${text(e.error ?? 'failed')}`;
    case 'conversation.status':
      return `${head} ${about}: ${e.status}`;
    case 'conversation.assigned':
      return `${head} ${about}: ${e.assignee ? `to ${safeLine(e.assignee)}` : 'unassigned'}`;
    case 'conversation.snoozed':
      return `${head} ${about}: until ${e.until ?? '?'}`;
    case 'conversation.reopened':
      return `${head} ${about}: ${safeLine(e.reason)}`;
    case 'sla.warning':
    case 'sla.breached':
      return `${head} ${about}: due ${e.dueAt}`;
    case 'channel.connected':
      return `${head} ${safeLine(e.account)} (${e.channel})`;
    case 'channel.disconnected':
      return `${head} ${safeLine(e.account)} (${e.channel})${e.reason ? `: ${safeLine(e.reason)}` : ''}`;
    default:
      return `${head} ${about}`;
  }
}
