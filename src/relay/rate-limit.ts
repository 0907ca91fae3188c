import { readFileSync } from 'node:fs';
// Rate limits and their defaults (PROTOCOL.md, "Liveness, limits, errors"). Keyed by visitor id or
// IP rather than by socket, so reconnecting does not refill anything. Time is passed in (tests).
import { MAX_BODY_CHARS, NEW_VISITORS_PER_IP_PER_MINUTE, SLOW_CONSUMER_BYTES, VISITOR_SEND_BURST, VISITOR_SEND_REFILL_MS } from '../protocol/limits.js';
import { TYPING_ON_INTERVAL_MS } from '../protocol/timing.js';

export interface RelayLimits {
  /** Longest message body, in UTF-16 code units (what a browser's maxlength counts). */
  maxBodyChars: number;
  /** Visitor `send`: a burst of this many, then one per `sendRefillMs`. */
  sendBurst: number;
  sendRefillMs: number;
  /** New visitors (a token issued) per IP per minute. */
  newVisitorsPerIpPerMinute: number;
  /** Visitor connections (WebSocket upgrades) per IP per minute; over it, 429. */
  connectionsPerIpPerMinute: number;
  /** Any visitor frame: burst, then this many per second (stops floods of ping/typing/garbage). */
  frameBurst: number;
  framesPerSecond: number;
  /** At most one `typing on` per this interval per sender and conversation; extra ones are dropped. */
  typingOnIntervalMs: number;
  /** This many rate-limit violations within `abuseWindowMs` close the socket 4429. */
  abuseStrikes: number;
  abuseWindowMs: number;
  /** A socket whose unsent buffer passes this is closed 4008 (slow consumer). */
  slowConsumerBytes: number;
  /** A connection that has not sent a whole request (or upgrade) within this is closed (408). */
  firstRequestMs: number;
  /** Open TCP connections at most (visitors' sockets included); over it a new one gets a 503. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxBodyChars: MAX_BODY_CHARS,
  sendBurst: VISITOR_SEND_BURST,
  sendRefillMs: VISITOR_SEND_REFILL_MS,
  newVisitorsPerIpPerMinute: NEW_VISITORS_PER_IP_PER_MINUTE,
  connectionsPerIpPerMinute: 120,
  frameBurst: 40,
  framesPerSecond: 10,
  typingOnIntervalMs: TYPING_ON_INTERVAL_MS,
  abuseStrikes: 10,
  abuseWindowMs: 60_000,
  slowConsumerBytes: SLOW_CONSUMER_BYTES,
  firstRequestMs: 5000,
  maxConnections: defaultMaxConnections(),
};

/** A token bucket per key. `take` returns 0 when allowed, else the ms until a token is back. */
export class Buckets {
  private readonly state = new Map<string | number, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
  ) {}

  take(key: string | number, now: number): number {
    const s = this.state.get(key) ?? { tokens: this.burst, at: now };
    s.tokens = Math.min(this.burst, s.tokens + (now - s.at) / this.refillMs);
    s.at = now;
    if (s.tokens >= 1) {
      s.tokens -= 1;
      this.state.set(key, s);
      return 0;
    }
    this.state.set(key, s);
    return Math.ceil((1 - s.tokens) * this.refillMs);
  }

  /** Gives back a token taken for something that turned out free (a retry of a stored message). */
  refund(key: string | number): void {
    const s = this.state.get(key);
    if (s) s.tokens = Math.min(this.burst, s.tokens + 1);
  }

  /** Forgets keys whose bucket has refilled: they behave exactly like unknown keys. */
  sweep(now: number): void {
    for (const [k, s] of this.state) if (s.tokens + (now - s.at) / this.refillMs >= this.burst) this.state.delete(k);
  }
}

/** Counts events per key in a sliding window; `hit` returns how many are in the window now. */
export class WindowCounter {
  private readonly state = new Map<string | number, number[]>();

  constructor(private readonly windowMs: number) {}

  hit(key: string | number, now: number): number {
    const times = this.recent(key, now);
    times.push(now);
    this.state.set(key, times);
    return times.length;
  }

  count(key: string | number, now: number): number {
    return this.recent(key, now).length;
  }

  /** ms until the oldest hit leaves the window. */
  retryAfter(key: string | number, now: number): number {
    const first = this.recent(key, now)[0];
    return first === undefined ? 0 : Math.max(1, first + this.windowMs - now);
  }

  sweep(now: number): void {
    for (const k of this.state.keys()) if (this.recent(k, now).length === 0) this.state.delete(k);
  }

  private recent(key: string | number, now: number): number[] {
    const times = this.state.get(key) ?? [];
    const cut = now - this.windowMs;
    let i = 0;
    while (i < times.length && (times[i] as number) <= cut) i++;
    return i === 0 ? times : times.slice(i);
  }
}

/** All the relay's limiters, built once from the limits. */
export class RateLimits {
  readonly sends: Buckets;
  readonly frames: Buckets;
  readonly newVisitors: WindowCounter;
  readonly connections: WindowCounter;
  readonly strikes: WindowCounter;

  constructor(readonly limits: RelayLimits) {
    this.sends = new Buckets(limits.sendBurst, limits.sendRefillMs);
    this.frames = new Buckets(limits.frameBurst, 1000 / limits.framesPerSecond);
    this.newVisitors = new WindowCounter(60_000);
    this.connections = new WindowCounter(60_000);
    this.strikes = new WindowCounter(limits.abuseWindowMs);
  }

  sweep(now: number): void {
    this.sends.sweep(now);
    this.frames.sweep(now);
    this.newVisitors.sweep(now);
    this.connections.sweep(now);
    this.strikes.sweep(now);
  }
}

/**
 * Open connections the relay allows by default: each holds a file descriptor, so stay under the
 * process's soft limit (read from /proc on Linux) with room for the store and logs; at most 10,000.
 */
export function defaultMaxConnections(limitsFile = '/proc/self/limits'): number {
  let soft = Number.POSITIVE_INFINITY;
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isFinite(n) && n > 0) soft = n;
  } catch {
    // not Linux: the cap alone
  }
  return Math.max(16, Math.min(10_000, soft - 64));
}
