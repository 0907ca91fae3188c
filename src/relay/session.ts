// One WebSocket connection, visitor or agent: what it is allowed to see and the one way frames
// leave the relay (so the slow-consumer rule is applied to every frame).
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CLOSE } from '../protocol/close-codes.js';
import type { ErrorCode } from '../protocol/frames.js';

export type Role = 'visitor' | 'agent';

/**
 * hello: waiting for the first frame · replaying: hello accepted, missed events are being sent
 * (live events are not, they are read from the store in order) · live · closed.
 */
export type SessionState = 'hello' | 'replaying' | 'live' | 'closed';

/** How long a closing socket may take to answer our close frame before it is cut. */
const CLOSE_GRACE_MS = 2000;

// Write batching. A fan-out of many events would cost one write syscall per frame per socket;
// inside batchWrites() each socket is corked on its first frame and uncorked once at the end,
// so it costs one. `_socket` is ws's (long-stable, untyped) handle on the TCP socket.
let batchDepth = 0;
const corked = new Set<Session>();
const tcp = (ws: WebSocket) => (ws as unknown as { _socket?: Socket })._socket;

export function batchWrites<T>(fn: () => T): T {
  batchDepth++;
  try {
    return fn();
  } finally {
    if (--batchDepth === 0) {
      const sessions = [...corked];
      corked.clear();
      for (const s of sessions) tcp(s.ws)?.uncork();
      for (const s of sessions) s.checkBuffer();
    }
  }
}

let connections = 0;

export class Session {
  /** This connection, for budgets kept before hello says who it is (never shared by an address). */
  readonly conn = ++connections;
  state: SessionState = 'hello';
  /** Answered the last ping (heartbeat). */
  alive = true;
  /** Highest seq the client acknowledged. Informational: resume uses the client's own cursor. */
  acked = 0;
  /** Visitor: its id, conversation and display name. Agent: its name. */
  visitorId = 0;
  conversation = 0;
  name = '';
  /**
   * Agent: who the token says this is ("owner" for the relay token, else the added agent's name):
   * the identity of its changes, claims, keys and activity. `name` is only what it shows in chat.
   */
  agent = '';
  /** Agent: the sha256 of the token it connected with (a removed or replaced token closes it 4401). */
  tokenHash = '';
  /** Agent: its welcome said team:true (a relay that becomes a hub asks the others to reconnect). */
  teamWelcomed = false;
  /** Visitor: the page path its hello named (told to agents when the conversation opens). */
  page: string | undefined;
  /** Another connection with the same visitor token took over (closed 4409). */
  replaced = false;
  /** Last forwarded `typing on`, per conversation. */
  readonly typingOnAt = new Map<number, number>();
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly role: Role,
    readonly ip: string,
    private readonly slowConsumerBytes: number,
    private readonly log: (line: string) => void,
  ) {}

  get open(): boolean {
    return this.state !== 'closed' && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one serialized frame; a client that does not read fast enough is closed 4008. */
  sendRaw(text: string, cb?: (err?: Error) => void): void {
    if (!this.open) {
      cb?.();
      return;
    }
    if (batchDepth > 0) {
      if (!corked.has(this)) {
        tcp(this.ws)?.cork();
        corked.add(this);
      }
      this.ws.send(text, cb);
      return; // checked once the batch is written
    }
    this.ws.send(text, cb);
    this.checkBuffer();
  }

  /** A client that does not read fast enough is closed 4008 (it resumes and loses nothing). */
  checkBuffer(): void {
    if (this.open && this.ws.bufferedAmount > this.slowConsumerBytes) {
      this.log(`closing ${this.role} ${this.name || this.ip}: slow consumer (${this.ws.bufferedAmount} bytes unsent)`);
      this.close(CLOSE.slowConsumer, 'slow consumer');
    }
  }

  frame(t: string, d?: unknown, id?: string): void {
    this.sendRaw(JSON.stringify(id === undefined ? { t, d } : { t, id, d }));
  }

  error(code: ErrorCode, message: string, id?: string, extra: { retryAfterMs?: number } = {}): void {
    this.frame('error', { code, message, ...extra }, id);
  }

  /** Resolves once everything sent so far has been handed to the kernel (or the socket is gone). */
  flushed(): Promise<void> {
    if (!this.open || this.ws.bufferedAmount === 0) return Promise.resolve();
    // An empty-payload ping is the cheapest frame with a write callback; clients answer it anyway.
    return new Promise((resolve) => this.ws.ping(undefined, undefined, () => resolve()));
  }

  close(code: number, reason: string): void {
    if (this.closeTimer || this.ws.readyState === WebSocket.CLOSED) return;
    this.state = 'closed';
    this.ws.close(code, reason);
    // A peer that does not answer the close frame (or cannot: slow consumer) is cut off.
    this.closeTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }

  /** Called from the socket's close event. */
  closed(): void {
    this.state = 'closed';
    if (this.closeTimer) clearTimeout(this.closeTimer);
  }
}
