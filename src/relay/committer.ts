// Group commit. Every durable change (send, status, identify) is queued; everything queued in
// one turn of the event loop commits in one transaction — one WAL write instead of one per
// message — and only then are the senders answered and the events fanned out, in queue order.
// Under light load a batch holds one job, so nothing waits; under heavy load batches grow and
// the cost per message falls. The promise "committed before acknowledged" is unchanged.
import type { SentData } from '../protocol/frames.js';
import type { RelayStore, StoredEvent } from './relay-store.js';
import { batchWrites } from './session.js';

export interface Job {
  /** Inside the transaction: reads what it needs and appends. Throwing fails this job only. */
  commit(): StoredEvent[];
  /** After the batch committed: answer the sender, fan out. */
  done(events: StoredEvent[]): void;
  /** The job (or the whole batch) was not committed. */
  failed(err: Error): void;
}

export class Committer {
  private queue: Job[] = [];
  /** Idempotency keys of queued sends: a repeat that arrives before the commit waits for it. */
  private readonly pendingKeys = new Map<string, Array<(outcome: SentData | Error) => void>>();

  constructor(
    private readonly store: RelayStore,
    private readonly log: (line: string) => void,
  ) {}

  enqueue(job: Job, key?: string): void {
    if (key !== undefined) this.pendingKeys.set(key, []);
    this.queue.push(job);
    if (this.queue.length === 1) setImmediate(() => this.flush());
  }

  /** For a key whose send is queued: call `then` with its outcome. Returns false if none is queued. */
  joinPending(key: string, then: (outcome: SentData | Error) => void): boolean {
    const waiters = this.pendingKeys.get(key);
    if (!waiters) return false;
    waiters.push(then);
    return true;
  }

  /** Settles a key's waiters (called by the job that owns it). */
  settleKey(key: string, outcome: SentData | Error): void {
    const waiters = this.pendingKeys.get(key);
    this.pendingKeys.delete(key);
    for (const w of waiters ?? []) w(outcome);
  }

  flush(): void {
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const results: Array<StoredEvent[] | Error> = [];
    try {
      this.store.batch(() => {
        for (const job of jobs) {
          try {
            results.push(job.commit());
          } catch (err) {
            results.push(err as Error);
          }
        }
      });
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      this.log(`commit failed, ${jobs.length} change(s) not stored: ${(err as Error).message}`);
      for (const job of jobs) job.failed(err as Error);
      return;
    }
    batchWrites(() =>
      jobs.forEach((job, i) => {
        const r = results[i] as StoredEvent[] | Error;
        if (r instanceof Error) {
          this.log(`change not stored: ${r.message}`);
          job.failed(r);
        } else job.done(r);
      }),
    );
  }
}
