import type { Command } from 'commander';
import type { AccountSyncResult } from '../../app/email-account.js';
import type { EmailAccount } from '../../config/settings.js';
import { wakeSnoozed } from '../../store/conversations.js';
import { CliError, EXIT } from '../exit-codes.js';
import { makeOutput } from '../output.js';
import { withContext } from '../run.js';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('fetch new mail (and send queued replies), then exit; --watch keeps going with IMAP IDLE')
    .option('--account <name>', 'only this account')
    .option('--watch', 'keep the connection, wait for new mail with IDLE, reconnect after drops (Ctrl-C stops)')
    .option('--json', 'print a JSON report on stdout')
    .action(async (o: { account?: string; watch?: boolean; json?: boolean }) => {
      const out = makeOutput(Boolean(o.json));
      await withContext(async (ctx) => {
        const { syncAccountOnce, watchAccount } = await import('../../app/email-account.js');
        const all = ctx.settings.get('accounts');
        const accounts: EmailAccount[] = o.account ? all.filter((a) => a.name === o.account) : all;
        if (o.account && accounts.length === 0) throw new CliError(`no account named ${o.account}`);
        if (accounts.length === 0) throw new CliError('no accounts yet: add one with `attend account add email NAME …`');
        wakeSnoozed(ctx.db, ctx.now());

        if (o.watch) {
          const stop = new AbortController();
          const onSignal = () => stop.abort();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          await Promise.all(
            accounts.map((a) =>
              watchAccount(ctx, a, {
                signal: stop.signal,
                onSynced: (r) => {
                  if (r.added > 0 || r.flagUpdates > 0) {
                    if (o.json) process.stdout.write(`${JSON.stringify({ account: r.account, added: r.added, flagUpdates: r.flagUpdates })}\n`);
                    else out.info(`${r.account}: ${r.added} new`);
                  }
                },
              }),
            ),
          );
          return;
        }

        const results: Array<AccountSyncResult & { account: string }> = [];
        for (const a of accounts) {
          const started = Date.now();
          const r = await syncAccountOnce(ctx, a, {
            onBatch: (rep) => {
              if (!o.json && process.stderr.isTTY) process.stderr.write(`\r${a.name}: ${rep.fetched} messages…`);
            },
          });
          if (!o.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          results.push({ account: a.name, ...r });
          if (r.error) out.info(r.error);
          else if (!o.json) out.info(`${a.name}: synced in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        }
        out.data(
          results.map((r) => ({
            account: r.account,
            ok: r.error === null,
            error: r.error,
            fetched: r.sync?.fetched ?? 0,
            added: r.sync?.added ?? 0,
            flagUpdates: r.sync?.flagUpdates ?? 0,
            skipped: r.sync?.skipped ?? 0,
            uidValidityChanged: r.sync?.uidValidityChanged ?? false,
            outbox: { sent: r.outbox.sent.length, queued: r.outbox.queued.length, failed: r.outbox.failed.length, error: r.outbox.lastError },
          })),
          () =>
            results
              .map((r) => {
                const parts = [r.error ? `${r.account}: failed` : `${r.account}: ${r.sync?.added ?? 0} new message(s)`];
                if (r.sync?.skipped) parts.push(`${r.sync.skipped} skipped (see above)`);
                if (r.outbox.sent.length) parts.push(`${r.outbox.sent.length} queued repl(ies) sent`);
                if (r.outbox.queued.length) parts.push(`${r.outbox.queued.length} still queued`);
                if (r.outbox.failed.length) parts.push(`${r.outbox.failed.length} failed`);
                return parts.join(', ');
              })
              .join('\n'),
        );
        if (results.some((r) => r.error !== null)) process.exitCode = EXIT.failed;
      });
    });
}
