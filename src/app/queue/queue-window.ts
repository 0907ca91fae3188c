// The queue as the console scrolls it: only a page of rows around the cursor is read from the
// store (an index scan), so 100,000 conversations scroll like 10. Re-read when the store changes.
// The console reads the queue only through this module (and starts its focus sessions here), so
// the UI never imports the store.
import type { Channel, Status } from '../../domain/types.js';
import type { ConversationSummary } from '../../domain/conversation.js';
import { countConversations, listConversations, positionInQueue } from '../../store/conversations.js';
import type { Db } from '../../store/db.js';
import type { Runtime } from '../runtime.js';
import { type FocusRouting, FocusSession } from './focus-session.js';

export interface QueueFilter {
  status: Status | 'all';
  channel: Channel | null;
  search: string;
}

const PAGE = 100;

export class QueueWindow {
  private key = '';
  private total = 0;
  private pageStart = 0;
  private page: ConversationSummary[] = [];
  private pageValid = false;

  /** @param now the clock: the queue's order depends on it (backlog sorts by the time, policy/queue.ts). */
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  private static keyOf(version: number, f: QueueFilter): string {
    return `${version}|${f.status}|${f.channel ?? ''}|${f.search}`;
  }

  private filterArgs(f: QueueFilter) {
    return { status: f.status, ...(f.channel ? { channel: f.channel } : {}), ...(f.search ? { search: f.search } : {}) };
  }

  private sync(version: number, f: QueueFilter): void {
    const key = QueueWindow.keyOf(version, f);
    if (key === this.key) return;
    this.key = key;
    this.total = countConversations(this.db, this.filterArgs(f));
    this.pageValid = false;
  }

  count(version: number, f: QueueFilter): number {
    this.sync(version, f);
    return this.total;
  }

  /** No conversation at all, on any status or channel (a first run). Counted by triggers: cheap. */
  storeIsEmpty(): boolean {
    return countConversations(this.db, { status: 'all' }) === 0;
  }

  /** Rows [from, from + n) of the filtered queue. */
  rows(version: number, f: QueueFilter, from: number, n: number): ConversationSummary[] {
    this.sync(version, f);
    if (!this.pageValid || from < this.pageStart || from + n > this.pageStart + this.page.length) {
      this.pageStart = Math.max(0, from - PAGE / 4);
      this.page = listConversations(this.db, { ...this.filterArgs(f), limit: Math.max(PAGE, n * 2), offset: this.pageStart, now: this.now() });
      this.pageValid = true;
    }
    return this.page.slice(from - this.pageStart, from - this.pageStart + n);
  }

  /** Where a conversation now sits, so the selection follows it when the queue reorders. */
  indexOf(f: QueueFilter, id: number): number | null {
    return positionInQueue(this.db, id, { ...this.filterArgs(f), now: this.now() });
  }
}

/** The console's queue window over the runtime's store and clock. */
export function queueWindowOf(runtime: Runtime): QueueWindow {
  return new QueueWindow(runtime.ctx.db, runtime.ctx.now);
}

/**
 * Starts a focus session on the runtime's store, with its current policy and clock. In a team its
 * conversations are claimed at the hub first; `onShow` hears what it shows once claimed.
 */
export function openFocusSession(runtime: Runtime, onShow: FocusRouting['onShow'] = () => {}): FocusSession {
  const team = runtime.team;
  const routing = team.enabled ? { team, onShow, log: (line: string) => runtime.log(line) } : undefined;
  return new FocusSession(runtime.ctx.db, runtime.policy, runtime.ctx.now, routing);
}
