// `attend watch`'s engine: runs the channels like `sync --watch` (IMAP IDLE, the relay connection),
// records what only a watching process can know (channel states, due times passing) into the event
// log, and follows the log in seq order — its own channels' writes and other processes' alike.
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import { accountOf, type PublicEvent } from '../../domain/public-events.js';
import { wakeSnoozed } from '../../store/conversations.js';
import { maxSeq, readPublicEvents } from '../../store/event-feed.js';
import { ChannelEventLog } from '../channels/channel-events.js';
import type { AppContext } from '../context.js';
import { prepareQueue } from '../queue/policy.js';
import type { Calendars } from '../../policy/business-hours.js';
import { SlaAlerter } from './sla-alerts.js';

export interface EventWatchOptions {
  email: EmailAccount[];
  chat: ChatAccount[];
  /** Print events after this seq (the log's end at start, or `--since`). */
  afterSeq: number;
  /** Only events of this account. */
  account?: string;
  signal: AbortSignal;
  onEvent: (e: PublicEvent) => void;
  pollMs?: number;
}

/** Runs until `signal` aborts; then records the channels as disconnected and prints what is left. */
export async function watchEvents(ctx: AppContext, o: EventWatchOptions): Promise<void> {
  const { watchAccount } = await import('../email/email-account.js');
  const { watchChat } = await import('../chat/chat-account.js');
  const channels = new ChannelEventLog(ctx.db, ctx.now, ctx.log, o.signal);
  const tasks = [
    ...o.email.map((a) => watchAccount(ctx, a, { signal: o.signal, onState: channels.reporter(a.name, 'email') })),
    ...o.chat.map((a) => watchChat(ctx, a, o.signal, { onState: channels.reporter(a.name, 'chat') })),
  ];
  const follow = new LogFollower(ctx, o);
  while (!o.signal.aborted) {
    await follow.tick();
    await sleep(o.pollMs ?? 300, o.signal);
  }
  channels.stopped();
  // Channels get a moment to close cleanly (IMAP LOGOUT); a hung server does not hold us up.
  await Promise.race([Promise.allSettled(tasks), sleep(3000)]);
  await follow.tick();
}

class LogFollower {
  private seq: number;
  private lastTop = -1;
  private lastDataVersion = -1;
  private lead: Record<'email' | 'chat', number> | null = null;
  private calendars: Calendars | undefined;
  private readonly sla: SlaAlerter;
  private lastError = '';

  constructor(
    private readonly ctx: AppContext,
    private readonly o: EventWatchOptions,
  ) {
    this.seq = o.afterSeq;
    this.sla = new SlaAlerter(ctx.db, ctx.now);
  }

  async tick(): Promise<void> {
    try {
      const db = this.ctx.db;
      const now = this.ctx.now();
      wakeSnoozed(db, now);
      // Due times are cached ranks: recompute what changed (here or in another process) before reading them.
      const top = maxSeq(db);
      const dataVersion = db.pragma('data_version', { simple: true }) as number;
      if (this.lead === null || top !== this.lastTop || dataVersion !== this.lastDataVersion) {
        const policy = await prepareQueue(this.ctx);
        this.lead = policy.focus.breakthrough.leadMinutes;
        this.calendars = policy.sla.hours;
        this.lastTop = top;
        this.lastDataVersion = dataVersion;
      }
      this.sla.tick(this.lead, this.calendars);
      for (;;) {
        const page = readPublicEvents(db, this.seq);
        this.seq = page.lastSeq;
        for (const e of page.events) if (!this.o.account || accountOf(e) === this.o.account) this.o.onEvent(e);
        if (!page.more) break;
      }
      this.lastError = '';
    } catch (err) {
      // SQLITE_BUSY past the timeout, a full disk: keep watching, say so once.
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
