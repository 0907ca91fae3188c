// A flood is logged once a minute, as a count, not once per frame or connection: a client sending
// garbage in a loop must not fill the disk with log lines (12,636 in 20 s before this).
export class FloodLog {
  private counts = new Map<string, number>();
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
    private readonly everyMs = 60_000,
  ) {}

  /** Counts one refusal (or rate-limit closure) for `who`; writes the summary when a minute has passed. */
  note(who: string, what = 'refused'): void {
    const key = `${what}\u0000${who}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const t = this.now();
    if (t - this.last < this.everyMs) return;
    this.last = t;
    const parts = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => {
      const [w, addr] = k.split('\u0000');
      return `${n} ${w} from ${addr}`;
    });
    const more = this.counts.size > 5 ? ` (and ${this.counts.size - 5} more)` : '';
    this.log(`rate limits: ${parts.join(', ')}${more} in the last minute`);
    this.counts.clear();
  }
}
