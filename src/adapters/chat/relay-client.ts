// The agent side of attend.chat.v1 — the only client-side module that imports `ws`.
// It resumes from the last stored seq after any drop, acks what the caller stored, retries sends
// with the same key until `sent`, and reconnects with exponential backoff and full jitter.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { CLOSE } from '../../protocol/close-codes.js';
import type {
  ActivityReport,
  AgentActivity,
  AgentHello,
  AgentWelcome,
  ClaimedError,
  ErrorData,
  Frame,
  HistoryReply,
  HistoryRequest,
  PresenceData,
  RelayEvent,
  Roster,
  SentData,
  TeamChange,
  TeamChangeOk,
  TeamRegister,
  TeamRegistered,
  TypingData,
} from '../../protocol/frames.js';
import { parseFrame } from '../../protocol/parse-frame.js';
import { ACK_AFTER_MS, ACK_EVERY_EVENTS, CLIENT_PING_MS, RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_MIN_MS } from '../../protocol/timing.js';
import { AGENT_PATH, MAX_PAYLOAD, SUBPROTOCOL } from '../../protocol/transport.js';

export interface RelayClientOptions {
  /** ws:// or wss:// base URL of the relay. */
  url: string;
  token: string;
  name: string;
  /** Where to resume from (the caller's stored cursor). */
  resume?: { epoch: string; afterSeq: number };
  /** Keep reconnecting after drops (long-running); false for one-shot commands. */
  reconnect: boolean;
  /** Called for each durable event, in order; the event is acked once the returned promise settles. */
  onEvent: (e: RelayEvent) => void | Promise<void>;
  /** The relay could not replay (store reset or events expired): the caller refetches with history(). */
  onReset?: () => void | Promise<void>;
  connectTimeoutMs?: number;
}

export class RelayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryAfterMs?: number,
    /** `claimed`: who holds the conversation (as the hub said it: sanitize before showing). */
    readonly holder?: string,
  ) {
    super(message);
  }
}

interface Pending {
  frame: Frame;
  resolve: (d: unknown) => void;
  reject: (e: Error) => void;
}

export class RelayClient extends EventEmitter {
  private ws: WebSocket | null = null;
  private closed = false;
  private backoff = RECONNECT_BACKOFF_MIN_MS;
  private epoch: string | null;
  /** Highest seq received (to drop repeats) and highest seq the caller stored (what we ack and resume from). */
  private lastSeq: number;
  private storedSeq: number;
  private ackedUpTo: number;
  private ackTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private ready = false;
  /** Requests waiting for their reply, by idempotency key; re-sent after every reconnect. */
  private readonly pending = new Map<string, Pending>();
  private eventChain: Promise<void> = Promise.resolve();
  /** The last welcome: in a team hub, who the token says we are (`agent`) and `team: true`. */
  private welcomed: AgentWelcome | null = null;
  /** Team mode: every agent the hub knows, as its roster and later activity frames said (ephemeral). */
  private readonly agents = new Map<string, AgentActivity>();

  constructor(private readonly opts: RelayClientOptions) {
    super();
    this.epoch = opts.resume?.epoch ?? null;
    this.lastSeq = opts.resume?.afterSeq ?? 0;
    this.storedSeq = this.lastSeq;
    this.ackedUpTo = this.lastSeq;
  }

  get connected(): boolean {
    return this.ready;
  }

  /** Our agent name at the hub (from the token), once welcomed by a relay that says it. */
  get agent(): string | null {
    return this.welcomed?.agent ?? null;
  }

  /** Team mode: the hub's roster with every activity since (empty until the first roster). */
  get roster(): AgentActivity[] {
    return [...this.agents.values()];
  }

  /** Whether the relay said it is a team hub in its last welcome. */
  get team(): boolean {
    return this.welcomed?.team === true;
  }

  get cursor(): { epoch: string | null; lastSeq: number } {
    return { epoch: this.epoch, lastSeq: this.storedSeq };
  }

  /** Connects and resolves on `welcome` (after any replay has been handed to onEvent). */
  start(): Promise<AgentWelcome> {
    return new Promise((resolve, reject) => {
      const onWelcome = (w: AgentWelcome) => {
        this.off('fatal', onFatal);
        resolve(w);
      };
      const onFatal = (e: Error) => {
        this.off('welcome', onWelcome);
        reject(e);
      };
      this.once('welcome', onWelcome);
      this.once('fatal', onFatal);
      this.open();
    });
  }

  private open(): void {
    if (this.closed) return;
    const url = `${this.opts.url.replace(/\/+$/, '')}${AGENT_PATH}`;
    const ws = new WebSocket(url, SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${this.opts.token}` },
      perMessageDeflate: false,
      maxPayload: MAX_PAYLOAD * 16,
      handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000,
    });
    this.ws = ws;
    ws.on('open', () => {
      const hello: AgentHello = { name: this.opts.name };
      this.lastSeq = this.storedSeq; // anything received but not stored comes again
      if (this.epoch !== null) hello.resume = { epoch: this.epoch, afterSeq: this.storedSeq };
      this.raw({ t: 'hello', d: hello });
    });
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('unexpected-response', (_req, res) => {
      const why = res.statusCode === 401 ? 'the relay refused the agent token' : `the relay answered HTTP ${res.statusCode}`;
      this.fail(new RelayError(why, res.statusCode === 401 ? 'unauthorized' : 'http'), true);
      ws.terminate();
    });
    ws.on('error', (err) => this.fail(new RelayError(`cannot reach the relay at ${this.opts.url}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'network'), false));
    ws.on('close', (code) => this.onClose(code));
  }

  private fail(err: Error, fatal: boolean): void {
    if (!this.ready && (fatal || !this.opts.reconnect)) this.emit('fatal', err);
    if (fatal) this.closed = true;
    this.emit('problem', err);
  }

  private onClose(code: number): void {
    this.ready = false;
    this.stopTimers();
    this.ws = null;
    this.emit('state', 'disconnected', code);
    if (code === CLOSE.unauthorized) this.fail(new RelayError('the relay refused the agent token', 'unauthorized'), true);
    if (this.closed || !this.opts.reconnect) {
      for (const p of this.pending.values()) p.reject(new RelayError('disconnected from the relay', 'network'));
      this.pending.clear();
      if (!this.closed) this.emit('fatal', new RelayError(`disconnected from the relay (${code})`, 'network'));
      return;
    }
    const delay = Math.random() * this.backoff; // full jitter
    this.backoff = Math.min(this.backoff * 2, RECONNECT_BACKOFF_MAX_MS);
    setTimeout(() => this.open(), delay).unref();
  }

  private onFrame(text: string): void {
    const f = parseFrame(text);
    if (!f) return;
    switch (f.t) {
      case 'event': {
        const e = f as unknown as RelayEvent;
        if (e.seq <= this.lastSeq) return; // at-least-once delivery: drop what we have
        this.lastSeq = e.seq;
        this.eventChain = this.eventChain.then(async () => {
          if (e.seq <= this.storedSeq) return;
          try {
            await this.opts.onEvent(e);
          } catch (err) {
            // Not stored (disk full?): do not ack; drop the connection so the relay replays it.
            this.emit('problem', err);
            this.lastSeq = this.storedSeq;
            this.ws?.close(CLOSE.sequenceGap, 'could not store an event');
            return;
          }
          this.storedSeq = e.seq;
          this.scheduleAck();
        });
        return;
      }
      case 'welcome': {
        const w = f.d as AgentWelcome;
        this.eventChain.then(() => {
          this.epoch = w.epoch;
          this.welcomed = w;
          this.ready = true;
          this.backoff = RECONNECT_BACKOFF_MIN_MS;
          this.startPing();
          this.emit('state', 'connected');
          this.emit('welcome', w);
          for (const p of this.pending.values()) this.raw(p.frame); // same keys: never a second message
        });
        return;
      }
      case 'reset': {
        this.eventChain = this.eventChain.then(async () => {
          this.lastSeq = 0;
          this.storedSeq = 0;
          this.ackedUpTo = 0;
          await this.opts.onReset?.();
        });
        return;
      }
      // Team frames come right after welcome, which waits for the replay: kept behind it in order.
      case 'roster': {
        const d = f.d as Roster;
        this.eventChain.then(() => {
          this.agents.clear();
          for (const a of d?.agents ?? []) if (typeof a?.agent === 'string') this.agents.set(a.agent, a);
          this.emit('roster', d);
        });
        return;
      }
      case 'activity': {
        const d = f.d as AgentActivity;
        this.eventChain.then(() => {
          if (typeof d?.agent === 'string') this.agents.set(d.agent, d);
          this.emit('activity', d);
        });
        return;
      }
      case 'sent':
      case 'ok':
      case 'team.registered':
      case 'history': {
        const p = f.id ? this.pending.get(f.id) : undefined;
        if (p) {
          this.pending.delete(f.id as string);
          p.resolve(f.d);
        }
        return;
      }
      case 'error': {
        const d = (f.d ?? {}) as ErrorData;
        const p = f.id ? this.pending.get(f.id) : undefined;
        // rate_limited and internal (nothing was stored) are retried with the same key; the rest are final.
        const retry = d.code === 'rate_limited' || d.code === 'internal';
        if (p && !retry) {
          this.pending.delete(f.id as string);
          p.reject(new RelayError(d.message ?? d.code, d.code, undefined, d.code === 'claimed' ? String((d as ClaimedError).holder ?? '') : undefined));
        } else if (p) {
          setTimeout(() => this.ready && this.raw(p.frame), d.retryAfterMs ?? 1000).unref();
        }
        this.emit('relay-error', d);
        return;
      }
      case 'pong':
        this.awaitingPong = false;
        return;
      case 'typing':
        this.emit('typing', f.d as TypingData);
        return;
      case 'presence':
        this.emit('presence', f.d as PresenceData);
        return;
    }
  }

  private scheduleAck(): void {
    if (this.storedSeq - this.ackedUpTo >= ACK_EVERY_EVENTS) {
      this.flushAck();
      return;
    }
    this.ackTimer ??= setTimeout(() => this.flushAck(), ACK_AFTER_MS);
  }

  private flushAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    const upTo = this.storedSeq;
    if (upTo > this.ackedUpTo && this.ready) {
      this.raw({ t: 'ack', d: { upTo } });
      this.ackedUpTo = upTo;
    }
  }

  private startPing(): void {
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.ws?.close(CLOSE.heartbeatTimeout, 'no pong');
        return;
      }
      this.awaitingPong = true;
      this.raw({ t: 'ping' });
    }, CLIENT_PING_MS);
    this.pingTimer.unref();
  }

  private stopTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.awaitingPong = false;
  }

  private raw(f: Frame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  private request<T>(frame: Frame & { id: string }, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frame.id);
        reject(new RelayError('the relay did not answer in time', 'timeout'));
      }, timeoutMs);
      timer.unref();
      this.pending.set(frame.id, {
        frame,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (this.ready) this.raw(frame);
    });
  }

  /** Sends a message; the same key after a drop never makes a second message. */
  send(conversation: number, body: string, key: string, timeoutMs = 15_000): Promise<SentData> {
    return this.request<SentData>({ t: 'send', id: key, d: { conversation, body } }, timeoutMs);
  }

  setStatus(conversation: number, status: 'open' | 'resolved', key: string, timeoutMs = 15_000): Promise<unknown> {
    return this.request({ t: 'status', id: key, d: { conversation, status } }, timeoutMs);
  }

  history(req: HistoryRequest, key: string, timeoutMs = 15_000): Promise<HistoryReply> {
    return this.request<HistoryReply>({ t: 'history', id: key, d: req }, timeoutMs);
  }

  /** Team mode: numbers (and the hub's state) for up to 500 conversation keys. */
  register(conversations: TeamRegister['conversations'], key: string, timeoutMs = 15_000): Promise<TeamRegistered> {
    return this.request<TeamRegistered>({ t: 'team.register', id: key, d: { conversations } }, timeoutMs);
  }

  /**
   * Team mode: one change, with its idempotency key; re-sent with the same key after a drop, so
   * the hub applies it once. A `claimed` answer rejects with a RelayError carrying `holder`.
   */
  change(key: string, change: TeamChange, timeoutMs = 15_000): Promise<TeamChangeOk> {
    return this.request<TeamChangeOk>({ t: 'team.change', id: key, d: change }, timeoutMs);
  }

  /** Team mode: what this agent looks at and whether it replies (ephemeral: dropped while offline). */
  sendActivity(report: ActivityReport): void {
    if (this.ready) this.raw({ t: 'activity', d: report });
  }

  typing(conversation: number, on: boolean): void {
    this.raw({ t: 'typing', d: { conversation, on } });
  }

  /** After the caller refetched everything up to `seq` with history(), live events continue from there. */
  adoptCursor(seq: number): void {
    this.storedSeq = Math.max(this.storedSeq, seq);
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.flushAck();
  }

  /** Waits until every event handed to onEvent so far has been stored, then acks it. */
  async drain(): Promise<void> {
    await this.eventChain;
    this.flushAck();
  }

  async close(): Promise<void> {
    await this.drain().catch(() => {});
    this.closed = true;
    this.stopTimers();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    const ws = this.ws;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}
