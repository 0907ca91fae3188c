/**
 * Relay tests over real sockets: a relay on a random port with its own temporary home, and a
 * small promise-based WebSocket client that buffers every frame so a test can wait for the
 * next frame of a given type without racing the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type Frame, SUBPROTOCOL, type Welcome } from '../../src/protocol/wire.js';
import { type Relay, type RelayOptions, startRelay } from '../../src/relay/server.js';

export interface TestRelay {
  relay: Relay;
  dir: string;
  dbPath: string;
  /** Starts the relay again on the same store and token (after `relay.close()`). */
  restart(more?: Partial<RelayOptions>): Promise<Relay>;
  /** Closes the relay and deletes its directory. */
  dispose(): Promise<void>;
}

export async function startTestRelay(opts: Partial<RelayOptions> = {}): Promise<TestRelay> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attend-relay-'));
  const dbPath = path.join(dir, 'relay.db');
  const base: RelayOptions = { port: 0, dbPath, env: { ATTEND_HOME: dir }, ...opts };
  const t: TestRelay = {
    relay: await startRelay(base),
    dir,
    dbPath,
    async restart(more = {}) {
      t.relay = await startRelay({ ...base, ...more });
      return t.relay;
    },
    async dispose() {
      await t.relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export interface ConnectOptions {
  /** Origin header; visitors default to a localhost page. */
  origin?: string;
  /** Agent token (sent as Authorization: Bearer). */
  token?: string;
  /** Subprotocol to offer; null offers none. */
  protocol?: string | null;
  /** Extra request headers (X-Forwarded-For in proxy tests). */
  headers?: Record<string, string>;
}

export interface Closed {
  code: number;
  reason: string;
}

export interface Client {
  ws: WebSocket;
  /** Every frame received so far that no `next` has taken. */
  frames: Frame[];
  /** Resolves with the next frame of type `t` (already received or still to come). */
  next<D = Record<string, unknown>>(t: string, timeoutMs?: number): Promise<Frame<string, D>>;
  /** Resolves with the next frame, whatever its type. */
  nextAny(timeoutMs?: number): Promise<Frame>;
  /** Fails if a frame of type `t` arrives within `ms`. */
  none(t: string, ms?: number): Promise<void>;
  send(frame: unknown): void;
  sendRaw(text: string): void;
  waitClose(timeoutMs?: number): Promise<Closed>;
  close(): void;
}

export function connect(baseUrl: string, urlPath: '/ws/visitor' | '/ws/agent' | string, opts: ConnectOptions = {}): Promise<Client> {
  const url = baseUrl.replace(/^http/, 'ws') + urlPath;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const origin = opts.origin ?? (urlPath === '/ws/visitor' ? 'http://localhost:8080' : undefined);
  const protocol = opts.protocol === undefined ? SUBPROTOCOL : opts.protocol;
  const ws = new WebSocket(url, protocol === null ? [] : [protocol], { headers, origin, perMessageDeflate: false });
  const frames: Frame[] = [];
  const waiters: Array<{ t: string | null; resolve: (f: Frame) => void }> = [];
  let closed: Closed | undefined;
  const closeWaiters: Array<(c: Closed) => void> = [];

  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as Frame;
    const i = waiters.findIndex((w) => w.t === null || w.t === f.t);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(f);
    else frames.push(f);
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    for (const w of closeWaiters.splice(0)) w(closed);
  });

  const take = (t: string | null, timeoutMs: number): Promise<Frame> => {
    const i = frames.findIndex((f) => t === null || f.t === t);
    if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0] as Frame);
    return new Promise((resolve, reject) => {
      const w = {
        t,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`no ${t ?? 'frame'} within ${timeoutMs} ms; buffered: ${JSON.stringify(frames).slice(0, 500)}; closed: ${JSON.stringify(closed)}`));
      }, timeoutMs);
      waiters.push(w);
    });
  };

  const client: Client = {
    ws,
    frames,
    next: (t, timeoutMs = 3000) => take(t, timeoutMs) as Promise<Frame<string, never>>,
    nextAny: (timeoutMs = 3000) => take(null, timeoutMs),
    async none(t, ms = 300) {
      const got = await take(t, ms).catch(() => undefined);
      if (got) throw new Error(`unexpected ${t}: ${JSON.stringify(got)}`);
    },
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (text) => ws.send(text),
    waitClose: (timeoutMs = 5000) =>
      closed
        ? Promise.resolve(closed)
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
            closeWaiters.push((c) => {
              clearTimeout(timer);
              resolve(c);
            });
          }),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** Connects and expects a refusal at the upgrade: resolves with the HTTP status. */
export async function refusedStatus(baseUrl: string, urlPath: string, opts: ConnectOptions = {}): Promise<number> {
  try {
    const c = await connect(baseUrl, urlPath, opts);
    c.close();
    return 101;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}

export interface Hello<C = Client> {
  client: C;
  welcome: Welcome;
  /** Frames that came before welcome (replayed events, reset). */
  before: Frame[];
}

/** Sends hello and collects everything up to welcome. */
async function hello(client: Client, d: unknown): Promise<Hello> {
  client.send({ t: 'hello', d });
  const before: Frame[] = [];
  for (;;) {
    const f = await client.nextAny();
    if (f.t === 'welcome') return { client, welcome: f.d as Welcome, before };
    before.push(f);
  }
}

export async function visitor(baseUrl: string, d: Record<string, unknown> = {}, opts: ConnectOptions = {}): Promise<Hello> {
  return hello(await connect(baseUrl, '/ws/visitor', opts), d);
}

export async function agent(relay: Relay, d: Record<string, unknown> = { name: 'Anna' }, opts: ConnectOptions = {}): Promise<Hello> {
  return hello(await connect(relay.url, '/ws/agent', { token: relay.agentToken, ...opts }), d);
}

let keys = 0;
/** A fresh idempotency key. */
export const key = (prefix = 'k') => `${prefix}-${process.pid}-${++keys}`;
