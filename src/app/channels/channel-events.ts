// channel.connected / channel.disconnected: the connection states that watchAccount and watchChat
// report (their onState hooks), appended to the event log on each change so they get a seq like
// every other event. Only changes: a reconnect loop that keeps failing logs one disconnect.
import type { Channel } from '../../domain/types.js';
import type { Db } from '../../store/db.js';
import { appendEvent } from '../../store/events.js';

type State = 'connecting' | 'online' | 'offline';

export class ChannelEventLog {
  private readonly last = new Map<string, { state: 'online' | 'offline'; channel: Channel }>();

  /** `stopping`: once it aborts, states are no longer recorded (closing our own connections is no drop). */
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly log: (line: string) => void = () => {},
    private readonly stopping?: AbortSignal,
  ) {}

  /** The onState hook for one account: `watchAccount(ctx, a, { onState: events.reporter(a.name, 'email') })`. */
  reporter(account: string, channel: Channel): (state: State, detail?: string) => void {
    return (state, detail) => this.report(account, channel, state, detail);
  }

  report(account: string, channel: Channel, state: State, detail?: string): void {
    if (this.stopping?.aborted || state === 'connecting' || this.last.get(account)?.state === state) return;
    this.record(account, channel, state, detail);
  }

  /** This process stops watching: every channel it had up is disconnected from now on. */
  stopped(reason = 'watch stopped'): void {
    for (const [account, { state, channel }] of this.last) {
      if (state === 'online') this.record(account, channel, 'offline', reason);
    }
  }

  private record(account: string, channel: Channel, state: 'online' | 'offline', detail?: string): void {
    this.last.set(account, { state, channel });
    const type = state === 'online' ? 'channel.connected' : 'channel.disconnected';
    const data = state === 'online' ? { account, channel } : { account, channel, reason: detail ?? null };
    try {
      this.db.transaction(() => appendEvent(this.db, type, null, this.now(), data)).immediate();
    } catch (err) {
      // A busy or full store must not take the channel down with it.
      this.log(`cannot record ${type} for ${account}: ${(err as Error).message}`);
    }
  }
}
