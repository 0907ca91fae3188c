import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { describeFirstSync, type FirstSyncSummary } from '../../app/email/first-sync.js';
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { wakeSnoozedNow } from '../../app/queue/queue-view.js';
import { CliError, EXIT } from '../exit-codes.js';
import { makeOutput, type Output } from '../output.js';
import { stopOnSignals, withContext } from '../run.js';

interface Report {
  account: string;
  channel: 'email' | 'chat';
  ok: boolean;
  error: string | null;
  fetched: number;
  added: number;
  flagUpdates: number;
  skipped: number;
  uidValidityChanged: boolean;
  outbox: { sent: number; queued: number; failed: number; error: string | null };
  /** The account's first sync happened in this run: what it imported, open and as history. */
  firstSync: FirstSyncSummary | null;
  /** Email: the Sent mailbox read for replies sent from elsewhere (null: none, or a chat account). */
  sent: { mailbox: string; fetched: number; added: number } | null;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('fetch new mail and chat, send queued replies, then exit; --watch keeps going (IMAP IDLE, live chat)')
    .option('--account <name>', 'only this account')
    .option('--watch', 'stay connected: new mail through IDLE, chat live; reconnect after drops (Ctrl-C stops)')
    .option('--json', 'print a JSON report on stdout')
    .action(async (o: { account?: string; watch?: boolean; json?: boolean }) => {
      const out = makeOutput(Boolean(o.json));
      await withContext(async (ctx) => {
        const { channelsToRun } = await import('../../app/channels/accounts.js');
        const { email, chat, builtin } = channelsToRun(ctx, 'join', o.account);
        if (email.length + chat.length === 0) throw new CliError('no accounts yet: add one with `attend account add email NAME …` or `attend account add chat NAME …`');
        wakeSnoozedNow(ctx);
        if (o.watch) return watch(ctx, o.account, out);

        const reports: Report[] = [];
        for (const a of email) reports.push(await syncEmail(ctx, a, out));
        for (const a of chat) {
          const r = await syncChat(ctx, a);
          // An unreachable built-in relay just means the console is not running: not a failure.
          if (r.error && a === builtin && !o.account) out.info(`local chat relay not running (start it with \`attend relay\` or \`attend\`)`);
          else reports.push(r);
        }
        for (const r of reports) if (r.error) out.info(r.error);
        out.data(reports, () => reports.map(describe).join('\n'));
        if (reports.some((r) => r.error !== null)) process.exitCode = EXIT.failed;
      }, { liveSettings: Boolean(o.watch) });
    });
}

async function syncEmail(ctx: AppContext, a: EmailAccount, out: Output): Promise<Report> {
  const { syncAccountOnce } = await import('../../app/email/email-account.js');
  const started = Date.now();
  const r = await syncAccountOnce(ctx, a, {
    onBatch: (rep) => {
      if (!out.json && process.stderr.isTTY) process.stderr.write(`\r${a.name}: ${rep.fetched} messages…`);
    },
  });
  if (!out.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (!r.error && !out.json) out.info(`${a.name}: synced in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (r.firstSync && !out.json) out.info(describeFirstSync(a.name, r.firstSync));
  return {
    account: a.name,
    channel: 'email',
    ok: r.error === null,
    error: r.error,
    fetched: r.sync?.fetched ?? 0,
    added: r.sync?.added ?? 0,
    flagUpdates: r.sync?.flagUpdates ?? 0,
    skipped: r.sync?.skipped ?? 0,
    uidValidityChanged: r.sync?.uidValidityChanged ?? false,
    outbox: { sent: r.outbox.sent.length, queued: r.outbox.queued.length, failed: r.outbox.failed.length, error: r.outbox.lastError },
    firstSync: r.firstSync,
    sent: r.sent ? { mailbox: r.sent.mailbox, fetched: r.sent.fetched, added: r.sent.added } : null,
  };
}

async function syncChat(ctx: AppContext, a: ChatAccount): Promise<Report> {
  const { syncChatOnce } = await import('../../app/chat/chat-account.js');
  const r = await syncChatOnce(ctx, a);
  return {
    account: a.name,
    channel: 'chat',
    ok: r.error === null,
    error: r.error,
    fetched: r.events,
    added: r.events,
    flagUpdates: 0,
    skipped: 0,
    uidValidityChanged: false,
    outbox: { sent: r.outbox.sent, queued: r.outbox.queued, failed: r.outbox.failed, error: r.outbox.lastError },
    firstSync: null,
    sent: null,
  };
}

function describe(r: Report): string {
  const parts = [r.error ? `${r.account}: failed` : `${r.account}: ${r.added} new ${r.channel === 'chat' ? 'chat event(s)' : 'message(s)'}`];
  if (r.sent?.added) parts.push(`${r.sent.added} sent from elsewhere`);
  if (r.skipped) parts.push(`${r.skipped} skipped (see above)`);
  if (r.outbox.sent) parts.push(`${r.outbox.sent} queued repl(ies) sent`);
  if (r.outbox.queued) parts.push(`${r.outbox.queued} still queued`);
  if (r.outbox.failed) parts.push(`${r.outbox.failed} failed`);
  return parts.join(', ');
}

async function watch(ctx: AppContext, only: string | undefined, out: Output): Promise<void> {
  const { ChannelSupervisor } = await import('../../app/channels/supervisor.js');
  const stopped = stopOnSignals();
  const line = (v: Record<string, unknown>, text: string) => (out.json ? process.stdout.write(`${JSON.stringify(v)}\n`) : out.info(text));
  const ready = new Set<string>();
  const channels = await ChannelSupervisor.start(ctx, {
    builtinRelay: 'join',
    ...(only ? { only } : {}),
    duties: false,
    onSynced: (a, r) => {
      // One line when an account is caught up and waiting, so scripts know when to expect pushes.
      if (!ready.has(a.name)) {
        ready.add(a.name);
        line({ account: a.name, channel: 'email', ready: true }, `${a.name}: up to date, waiting for new mail`);
      }
      if (r.added > 0 || r.flagUpdates > 0) line({ account: r.account, channel: 'email', added: r.added, flagUpdates: r.flagUpdates }, `${r.account}: ${r.added} new`);
    },
    onActivity: (a) => line({ account: a.name, channel: 'chat', activity: true }, `${a.name}: chat activity`),
  });
  await new Promise<void>((resolve) => (stopped.aborted ? resolve() : stopped.addEventListener('abort', () => resolve(), { once: true })));
  await channels.close();
}
