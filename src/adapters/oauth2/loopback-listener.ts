// The browser sign-in's listener: a tiny HTTP server on 127.0.0.1 that the provider redirects the
// browser to (RFC 8252). It answers the one request at the redirect path and is closed right after.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthFailure } from './errors.js';
import { redirectWithPort } from './redirect.js';

export interface LoopbackCallback {
  /** The request's path and query on a fixed base (http://127.0.0.1/PATH?code=…&state=…): the Host header is not trusted. */
  url: string;
  /** Answers the browser with a small plain page; call once. */
  reply(status: number, text: string): void;
}

export interface LoopbackListener {
  redirectUri: string;
  port: number;
  /** The first request at the redirect path (others get 404). Rejects when `signal` aborts. */
  next(signal: AbortSignal): Promise<LoopbackCallback>;
  close(): void;
}

/**
 * Listens on 127.0.0.1 (and on ::1 too when the registered redirect says `localhost`, which a
 * browser may resolve to either) at `port`, or any free port when 0.
 */
export async function startLoopbackListener(redirectTemplate: string, port = 0): Promise<LoopbackListener> {
  const template = new URL(redirectTemplate);
  const path = template.pathname;
  const waiting: Array<(cb: LoopbackCallback) => void> = [];
  const early: LoopbackCallback[] = [];
  const servers: http.Server[] = [];

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // A fixed base: the Host header is the client's to write, and a malformed one ("a b") would make
    // new URL throw inside this handler, uncaught, taking the whole process down.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Bad request\n');
      return;
    }
    if (req.method !== 'GET' || url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    let done = false;
    const cb: LoopbackCallback = {
      url: url.href,
      reply(status, text) {
        if (done) return;
        done = true;
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' }).end(`${text}\n`);
      },
    };
    const w = waiting.shift();
    if (w) w(cb);
    else early.push(cb);
  };

  const listen = (host: string, p: number) =>
    new Promise<http.Server>((resolve, reject) => {
      const s = http.createServer(handler);
      s.once('error', reject);
      s.listen(p, host, () => {
        s.off('error', reject);
        resolve(s);
      });
    });

  let main: http.Server;
  try {
    main = await listen('127.0.0.1', port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OAuthFailure('refused', code === 'EADDRINUSE' ? `port ${port} is in use: choose another with --port` : `cannot listen on 127.0.0.1:${port}: ${code ?? String(err)}`);
  }
  servers.push(main);
  const actual = (main.address() as AddressInfo).port;
  if (template.hostname === 'localhost') {
    // Best effort: a box without IPv6 still has the 127.0.0.1 listener.
    await listen('::1', actual).then((s) => servers.push(s), () => {});
  }

  return {
    redirectUri: redirectWithPort(redirectTemplate, actual),
    port: actual,
    next(signal) {
      const ready = early.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const i = waiting.indexOf(take);
          if (i >= 0) waiting.splice(i, 1);
          reject(signal.reason);
        };
        const take = (cb: LoopbackCallback) => {
          signal.removeEventListener('abort', onAbort);
          resolve(cb);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(take);
      });
    },
    close() {
      for (const s of servers) {
        s.close();
        s.closeAllConnections();
      }
    },
  };
}
