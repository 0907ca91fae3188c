// `attend watch`'s engine: runs the channels with the watcher's duties (channel states, snoozes
// ending and SLA alerts recorded, hooks run: channels/supervisor.ts), and follows the event log in
// seq order — its own channels' writes and other processes' alike.
import { accountOf, type PublicEvent } from '../../domain/public-events.js';
import { maxSeq, readPublicEvents } from '../../store/event-feed.js';
import { ChannelSupervisor } from '../channels/supervisor.js';
import type { AppContext } from '../context.js';

export interface EventWatchOptions {
  /** Only this account: its channels and its events. */
  account?: string;
  /** Print events after this seq (`--since`), or those after the log's end at start. */
  afterSeq: number | 'end';
  signal: AbortSignal;
  onEvent: (e: PublicEvent) => void;
  pollMs?: number;
}

/** Runs until `signal` aborts; then records the channels as disconnected and prints what is left. */
export async function watchEvents(ctx: AppContext, o: EventWatchOptions): Promise<void> {
  const channels = await ChannelSupervisor.start(ctx, {
    builtinRelay: 'join',
    ...(o.account ? { only: o.account } : {}),
    duties: true,
    stopReason: 'watch stopped',
  });
  const follow = new EventFollower(ctx, o.afterSeq, (e) => {
    if (!o.account || accountOf(e) === o.account) o.onEvent(e);
  });
  while (!o.signal.aborted) {
    follow.tick();
    await sleep(o.pollMs ?? 300, o.signal);
  }
  await channels.close();
  follow.tick();
}

/** Reads the event log from a seq on, a page at a time, handing each public event on once. */
export class EventFollower {
  private lastError = '';

  private seq: number;

  /** `from`: hand on the events after this seq, or after the log's end now ('end'). */
  constructor(
    private readonly ctx: AppContext,
    from: number | 'end',
    private readonly onEvent: (e: PublicEvent) => void,
  ) {
    this.seq = from === 'end' ? maxSeq(ctx.db) : from;
  }

  tick(): void {
    try {
      for (;;) {
        const page = readPublicEvents(this.ctx.db, this.seq);
        this.seq = page.lastSeq;
        for (const e of page.events) this.onEvent(e);
        if (!page.more) break;
      }
      this.lastError = '';
    } catch (err) {
      // SQLITE_BUSY past the timeout, a full disk: keep following, say so once.
      const message = (err as Error).message;
      if (message !== this.lastError) this.ctx.log(`watch: ${message}`);
      this.lastError = message;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
