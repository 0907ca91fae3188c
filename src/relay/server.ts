// `attend relay`: one HTTP server carrying the widget files and the two WebSocket endpoints of
// attend.chat.v1 (../shared/PROTOCOL.md; additions in docs/protocol-notes.md). The upgrade is
// checked before ws sees it (path, subprotocol, Origin / bearer token), so a refused client gets
// a plain HTTP status instead of a socket that opens and closes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { capConnections } from './connection-cap.js';
import { clientAddress } from './client-address.js';
import { FloodLog } from './flood-log.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE } from '../protocol/close-codes.js';
import { HEARTBEAT_MS, HELLO_DEADLINE_MS } from '../protocol/timing.js';
import { AGENT_PATH, DEFAULT_PORT, MAX_PAYLOAD, SUBPROTOCOL, VISITOR_PATH } from '../protocol/transport.js';
import { type AgentIdentity, identifyAgent, loadOrCreateAgentToken } from './agent-token.js';
import { watchAgents } from './agent-watch.js';
import { Committer } from './committer.js';
import type { RelayCore } from './core.js';
import { Hub } from './fanout.js';
import { onMessage } from './dispatch.js';
import { asAgent } from './handshake.js';
import type { Calendar } from '../policy/business-hours.js';
import { hoursStatus, watchHours } from './hours.js';
import { handleHttp, requestPath } from './http.js';
import { answerClientError, contain, describeRequest, refuse } from './http-guard.js';
import { originPolicy } from './origin.js';
import { DEFAULT_LIMITS, RateLimits, type RelayLimits } from './rate-limit.js';
import { openRelayStore, type RelayStore, relayDbPath } from './relay-store.js';
import { type Role, Session } from './session.js';
import { TeamPresence } from './team-presence.js';

export type { RelayLimits } from './rate-limit.js';

export interface RelayOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default DEFAULT_PORT (7357); 0 picks a free port (tests). */
  port?: number;
  /** Where relay.db and relay-token live ($ATTEND_HOME or the platform dirs). */
  env?: NodeJS.ProcessEnv;
  /** relay.db; default `<data dir>/relay.db`. */
  dbPath?: string;
  /** The owner's agent token; default: read or created in `<config dir>/relay-token`. */
  agentToken?: string;
  /** How often relay.db is checked for added and removed agents (default 250 ms). */
  agentWatchMs?: number;
  /** Extra origins for /ws/visitor: `https://shop.example`, `http://host:*`, or `*`. */
  allowedOrigins?: string[];
  /** How websites reach this relay (behind a proxy): its origin is allowed for visitors. */
  publicUrl?: string;
  log?: (line: string) => void;
  heartbeatMs?: number;
  helloDeadlineMs?: number;
  limits?: Partial<RelayLimits>;
  /**
   * Chat hours (the chat calendar of the `hours` setting). Outside them visitors are told the chat
   * is closed and when it opens (docs/protocol-notes.md). Default: always open.
   */
  chatHours?: Calendar;
  /** Reverse proxies whose X-Forwarded-For is believed (client-address.ts); none by default. */
  trustProxy?: string[];
  /** The clock (tests). */
  now?: () => number;
}

export interface Relay {
  /** http://host:port as bound (the actual port when 0 was asked for). */
  url: string;
  port: number;
  agentToken: string;
  epoch: string;
  close(): Promise<void>;
}

const ENDPOINTS: Record<string, Role> = { [VISITOR_PATH]: 'visitor', [AGENT_PATH]: 'agent' };
/** How long shutdown waits for clients to answer the 1001 close before cutting them off. */
const SHUTDOWN_GRACE_MS = 1500;
const SWEEP_MS = 60_000;

const offersSubprotocol = (req: IncomingMessage) =>
  (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .includes(SUBPROTOCOL);

function answerInternalError(res: ServerResponse): void {
  const body = 'internal error\n';
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}


export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const env = opts.env ?? process.env;
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const trustedProxies = new Set((opts.trustProxy ?? []).map((a) => a.trim().replace(/^::ffff:/, '')));
  const floods = new FloodLog(log, opts.now ?? Date.now);
  const origins = originPolicy(opts.allowedOrigins ?? [], opts.publicUrl);
  const agentToken = opts.agentToken ?? loadOrCreateAgentToken(env);
  let closing = false;
  // Assigned right after listen() and before any connection can be handled (same tick).
  let core!: RelayCore;

  // perMessageDeflate off: ~10x the throughput and no per-socket zlib state (TESTBED.md).
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  // A connection that never completes a request is closed after firstRequestMs (Node answers
  // 408 through clientError): idle sockets must not pile up until the process runs out of files.
  const server = createServer({ headersTimeout: limits.firstRequestMs, requestTimeout: limits.firstRequestMs * 2, connectionsCheckingInterval: Math.min(1000, limits.firstRequestMs) }, (req, res) => {
    // Error events nobody listens to are thrown: an aborted request or a write to a gone socket
    // must not end the process.
    req.on('error', () => {});
    res.on('error', () => res.destroy());
    contain(
      () => handleHttp(req, res, log),
      (err) => {
        log(`http ${describeRequest(req)}: unexpected error: ${err.message}`);
        if (res.headersSent) res.destroy();
        else answerInternalError(res);
      },
    );
  });
  server.on('clientError', answerClientError);
  capConnections(server, limits.maxConnections, log);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let handedToWs = false;
    contain(
      () => {
        const path = requestPath(req.url);
        if (path === null) return refuse(socket, 400, 'bad request: the path is not a valid URL path');
        const role = ENDPOINTS[path];
        if (!role) return refuse(socket, 404, `no WebSocket endpoint here: use ${VISITOR_PATH} or ${AGENT_PATH}`);
        if (closing) return refuse(socket, 503, 'the relay is shutting down');
        if (!offersSubprotocol(req)) return refuse(socket, 400, `subprotocol ${SUBPROTOCOL} required (Sec-WebSocket-Protocol)`);
        if (role === 'visitor' && !origins.allows(req.headers.origin, req.headers.host)) {
          return refuse(socket, 403, `origin ${String(req.headers.origin ?? '(none)').slice(0, 200)} is not allowed (attend relay --allowed-origin)`);
        }
        let identity: AgentIdentity | undefined;
        if (role === 'agent') {
          identity = identifyAgent(req.headers.authorization, agentToken, (hash) => core.store.agents.nameOf(hash));
          if (!identity) return refuse(socket, 401, 'agent token required: Authorization: Bearer <token> (attend relay token, or attend relay agent add NAME)', { 'WWW-Authenticate': 'Bearer' });
        }
        const ip = clientAddress(req, trustedProxies);
        if (role === 'visitor') {
          // Connections per address per minute: a client that reconnects in a loop (each
          // connection has its own frame budget before hello) cannot crowd out the others.
          const now = core.now();
          if (core.rates.connections.count(ip, now) >= limits.connectionsPerIpPerMinute) {
            floods.note(ip);
            return refuse(socket, 429, 'too many connections from this address; try again in a minute', { 'Retry-After': String(Math.ceil(core.rates.connections.retryAfter(ip, now) / 1000)) });
          }
          core.rates.connections.hit(ip, now);
        }
        handedToWs = true;
        wss.handleUpgrade(req, socket, head, (ws) => attach(core, ws, role, ip, identity));
      },
      (err) => {
        log(`upgrade ${describeRequest(req)}: unexpected error: ${err.message}`);
        // Once ws has it, the 101 may be written already: no status can follow, only a cut.
        if (handedToWs) socket.destroy();
        else refuse(socket, 500, 'internal error');
      },
    );
  });

  // Listen before opening the store: "port in use" is the error a caller can act on (another
  // relay is already there) and must not be masked by that relay's lock on the store.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let store: RelayStore;
  try {
    store = openRelayStore(opts.dbPath ?? relayDbPath(env));
  } catch (err) {
    server.close();
    throw err;
  }
  const now = opts.now ?? Date.now;
  const chatHours = opts.chatHours;
  const hub = new Hub(chatHours ? () => hoursStatus(chatHours, now()) : undefined);
  core = {
    store,
    committer: new Committer(store, log),
    hub,
    presence: new TeamPresence(hub, now),
    limits,
    rates: new RateLimits(limits),
    heartbeatMs: opts.heartbeatMs ?? HEARTBEAT_MS,
    helloDeadlineMs: opts.helloDeadlineMs ?? HELLO_DEADLINE_MS,
    sessions: new Set(),
    log,
    floods,
    now,
  };
  const stopHours = chatHours ? watchHours(chatHours, now, (h) => {
    log(h.open ? 'chat hours: open' : `chat hours: closed until ${h.opensAt}`);
    core.hub.hoursChanged();
  }) : () => {};
  store.purgeKeys(core.now());
  const stopWatchingAgents = watchAgents(core, opts.agentWatchMs);

  // One timer for all sockets: ping, and cut those that did not answer the previous ping.
  const heartbeat = setInterval(() => {
    for (const s of core.sessions) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }, core.heartbeatMs);
  let sweeps = 0;
  const sweep = setInterval(() => {
    const now = core.now();
    core.rates.sweep(now);
    if (++sweeps % 60 === 0) store.purgeKeys(now); // hourly
  }, SWEEP_MS);
  heartbeat.unref();
  sweep.unref();
  server.on('error', (err) => log(`http server: ${err.message}`));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? DEFAULT_PORT);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log(`relay listening on ${urlHost}:${port} (epoch ${store.epoch}, last seq ${store.lastSeq})`);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      clearInterval(heartbeat);
      clearInterval(sweep);
      stopHours();
      stopWatchingAgents();
      core.presence.stop();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sockets = [...core.sessions].map((s) => new Promise<void>((resolve) => {
        if (s.ws.readyState === s.ws.CLOSED) return resolve();
        s.ws.once('close', () => resolve());
        s.close(1001, 'relay shutting down');
      }));
      const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
      await Promise.race([Promise.all(sockets), grace]);
      for (const s of core.sessions) s.ws.terminate();
      server.closeAllConnections();
      await done;
      core.committer.flush(); // anything still queued (its senders are gone; the record is not)
      await store.close();
      log('relay stopped');
    })();
    return closed;
  };

  return { url: `http://${urlHost}:${port}`, port, agentToken, epoch: store.epoch, close };
}

function attach(core: RelayCore, ws: WebSocket, role: Role, ip: string, identity: AgentIdentity | undefined): void {
  const s = new Session(ws, role, ip, core.limits.slowConsumerBytes, core.log);
  if (identity) {
    s.agent = identity.agent;
    s.tokenHash = identity.tokenHash;
  }
  core.sessions.add(s);
  const helloTimer = setTimeout(() => {
    if (s.state === 'hello') s.close(CLOSE.helloTimeout, 'hello timeout');
  }, core.helloDeadlineMs);
  ws.on('message', (data, isBinary) => {
    if (isBinary) s.error('bad_frame', 'frames are JSON text, not binary');
    else onMessage(core, s, data.toString());
  });
  ws.on('pong', () => {
    s.alive = true;
  });
  // ws reports protocol errors (a frame over maxPayload: it then closes 1009) here; the close follows.
  ws.on('error', (err) => core.log(`${role} ${s.name || ip}: ${err.message}`));
  ws.on('close', () => {
    clearTimeout(helloTimer);
    s.closed();
    core.sessions.delete(s);
    core.hub.leave(s);
    core.presence.left(s);
    if (role === 'agent' && s.name) core.log(`agent "${s.name}" disconnected${asAgent(s)}`);
  });
}
