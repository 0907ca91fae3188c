// Feeds public events to the hooks in settings. It follows the event log with its own cursor
// (claimed in a transaction, see store/event-feed.ts), not with `attend watch`'s output, so:
// each event's hooks run once even when several processes watch (watch + the console), a
// `watch --since` replay does not run them again, and events written while no watcher ran
// (a cron `attend sync`) still reach them. At most once: a crash loses the few claimed but unrun.
//
//   const hooks = new HookRunner(ctx); hooks.start(); … await hooks.close();
import { maxSeq, claimPublicEvents } from '../../store/event-feed.js';
import type { AppContext } from '../context.js';
import { HookPool, hookTable, hooksFor } from './hooks.js';

export interface HookRunnerOptions {
  pollMs?: number;
  /** Hooks running at once. */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
}

/** Stop claiming while this many hooks run or wait: the log keeps the rest. */
const HIGH_WATER = 100;

export class HookRunner {
  private readonly pool: HookPool;
  private timer: NodeJS.Timeout | null = null;
  private seenTop = -1;
  private lastError = '';

  constructor(
    private readonly ctx: Pick<AppContext, 'db' | 'log' | 'settings'>,
    private readonly opts: HookRunnerOptions = {},
  ) {
    this.pool = new HookPool((line) => ctx.log(line), opts.concurrency ?? 4, opts.env ?? process.env);
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.pollMs ?? 300);
  }

  /** Claims new events and hands their hooks to the pool. Safe to call any time (the console can after each change). */
  tick(): void {
    try {
      while (this.pool.pending < HIGH_WATER) {
        const top = maxSeq(this.ctx.db);
        if (top === this.seenTop) return;
        const table = hookTable(this.ctx.settings.get('hooks'));
        const { events, more } = claimPublicEvents(this.ctx.db, 'hooks');
        for (const e of events) for (const spec of hooksFor(table, e.type)) this.pool.submit(e, spec);
        if (!more) this.seenTop = top;
      }
    } catch (err) {
      // A busy store or a settings file being edited: try again on the next tick, say so once.
      const message = (err as Error).message;
      if (message !== this.lastError) this.ctx.log(`hooks: ${message}`);
      this.lastError = message;
    }
  }

  /** Stops claiming; lets running hooks finish for up to `graceMs`, then kills them. */
  async close(graceMs = 3000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pool.close(graceMs);
  }
}
