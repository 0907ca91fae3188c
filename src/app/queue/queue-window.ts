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
import { myAgentNameNow } from '../conversations/conversation-ref.js';

/** Whose conversations the queue shows: everyone's (absent), mine, or unassigned ones. */
export type QueueView = 'everyone' | 'mine' | 'unassigned';

export interface QueueFilter {
  status: Status | 'all';
  channel: Channel | null;
  search: string;
  /** Absent: everyone's. */
  view?: QueueView;
}

const PAGE = 100;

export class QueueWindow {
  private key = '';
  private total = 0;
  private pageStart = 0;
  private page: ConversationSummary[] = [];
  private pageValid = false;

  /** @param now the clock: the queue's order depends on it (backlog sorts by the time, policy/queue.ts). */
  /** @param me who "mine" means (conversation-ref.ts myAgentNameNow): read each time, it can change when a team link comes up. */
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly me: () => string = () => '',
  ) {}

  private keyOf(version: number, f: QueueFilter): string {
    const view = f.view === 'mine' ? `mine:${this.me()}` : (f.view ?? '');
    return `${version}|${f.status}|${f.channel ?? ''}|${f.search}|${view}`;
  }

  private filterArgs(f: QueueFilter) {
    const assignee = f.view === 'mine' ? { assignee: this.me() } : f.view === 'unassigned' ? { assignee: null } : {};
    return { status: f.status, ...(f.channel ? { channel: f.channel } : {}), ...(f.search ? { search: f.search } : {}), ...assignee };
  }

  private sync(version: number, f: QueueFilter): void {
    const key = this.keyOf(version, f);
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
  return new QueueWindow(runtime.ctx.db, runtime.ctx.now, () => myAgentNameNow(runtime.ctx, runtime.team));
}

/**
 * Starts a focus session on the runtime's store, with its current policy and clock. In a team its
 * conversations are claimed at the hub first; `onShow` hears what it shows once claimed.
 */
export function openFocusSession(runtime: Runtime, onShow: FocusRouting['onShow'] = () => {}): FocusSession {
  // The same port all along: working alone it is disabled (focus as ever), in a team it claims.
  const routing = { team: runtime.team, onShow, log: (line: string) => runtime.log(line) };
  return new FocusSession(runtime.ctx.db, runtime.policy, runtime.ctx.now, routing);
}
