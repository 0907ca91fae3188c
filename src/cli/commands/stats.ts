// `attend stats`: response times, resolutions and focus numbers from the store's own event log.
import type { Command } from 'commander';
import type { Channel } from '../../domain/types.js';
import { parseSince } from '../../domain/when.js';
import { UsageError } from '../exit-codes.js';
import { makeOutput, terminalWidth } from '../output.js';
import { withContext } from '../run.js';

interface StatsOptions {
  since: string;
  channel?: string;
  json?: boolean;
  csv?: boolean;
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('first/next response times, share within target, resolutions and focus numbers per channel')
    .option('--since <when>', 'start of the period: 24h, 7d, 4w, or an ISO-8601 date/time', '7d')
    .option('--channel <channel>', 'email | chat')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV: one row per channel and one for all, fixed columns')
    .addHelpText('after', '\nDefinitions (nearest-rank p50/p90, what counts as a response): README, "Metrics".')
    .action(async (o: StatsOptions) => {
      if (o.channel !== undefined && o.channel !== 'email' && o.channel !== 'chat') throw new UsageError('--channel must be email or chat');
      if (o.json && o.csv) throw new UsageError('give --json or --csv, not both');
      const now = Date.now();
      const from = parseSince(o.since, now);
      if (from === null) throw new UsageError(`--since: cannot read "${o.since}" (try 24h, 7d or 2026-01-01)`);
      if (from > now) throw new UsageError('--since is in the future');
      await withContext(
        async (ctx) => {
          const { loadStats } = await import('../../app/stats/stats.js');
          const { statsCsv, statsText } = await import('../../app/stats/stats-report.js');
          const stats = await loadStats(ctx, { from, to: now, ...(o.channel ? { channel: o.channel as Channel } : {}) });
          if (o.csv) process.stdout.write(statsCsv(stats));
          else makeOutput(Boolean(o.json)).data(stats, () => statsText(stats, terminalWidth()));
        },
        { settings: false },
      );
    });
}
