/**
 * HTTP over a bare TCP socket, so a request reaches the server byte for byte as written — a request
 * line no HTTP client would send (`GET //[ HTTP/1.1`), invalid header bytes, lying lengths — and a
 * seeded generator of such requests for the relay's fuzz test. Loopback only.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { SUBPROTOCOL } from '../../src/protocol/wire.js';
import { seeded } from './random.js';

export interface RawAnswer {
  /** The status code of the first response, or null when none came. */
  status: number | null;
  /** The response head (status line and headers) and what followed in the same reads. */
  text: string;
  /** The server closed the connection (or reset it) before we gave up. */
  closed: boolean;
  /** Neither a response nor a close within the time allowed. */
  hung: boolean;
}

/**
 * Writes `request` on a fresh connection and waits for the first response head, or the server
 * closing the connection, or `timeoutMs`. With `untilClose`, waits for the close too (a refusal
 * must close its connection) — still bounded by `timeoutMs`.
 */
export function rawRequest(port: number, request: string | Buffer, opts: { timeoutMs?: number; untilClose?: boolean } = {}): Promise<RawAnswer> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    let done = false;
    const finish = (closed: boolean, hung: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, closed, hung });
    };
    const timer = setTimeout(() => finish(false, !/^HTTP\/1\.[01] \d{3} /.test(text)), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!opts.untilClose && text.includes('\r\n\r\n')) finish(false, false);
    });
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
  });
}

/** The headers of a WebSocket upgrade a browser on an allowed page would send. */
export function upgradeHeaders(origin = 'http://localhost:8080'): string[] {
  return [
    'Connection: Upgrade',
    'Upgrade: websocket',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${SUBPROTOCOL}`,
    `Origin: ${origin}`,
  ];
}

/** A request as raw text: request line, Host, the given headers, blank line, body. */
export function rawHttp(method: string, target: string, headers: string[], body = '', host = '127.0.0.1'): string {
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;
}

/** One fuzz request: what was sent (latin1 bytes) and a short label for failure messages. */
export interface FuzzCase {
  bytes: Buffer;
  label: string;
}

/**
 * Random requests aimed at the parsing a relay does per request: paths (percent-encodings, brackets,
 * `//authority` forms, unicode, very long), methods, and headers (huge or odd Host and Origin,
 * Content-Length that lies or conflicts, invalid header bytes, bare LF), half of them upgrades.
 */
export function fuzzRequests(seed: number, count: number): FuzzCase[] {
  const rnd = seeded(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const junk = (n: number) => Array.from({ length: n }, () => pick(PATH_PIECES)).join('');

  const paths = (): string => {
    switch (int(8)) {
      case 0:
        return `//${junk(1 + int(6))}`;
      case 1:
      case 5:
      case 6:
        // A real endpoint, sometimes with junk after it: the requests that get past the parser.
        return `/${pick(['ws/visitor', 'ws/visitor', 'ws/agent', 'healthz', 'widget.js', 'demo', 'demo/'])}${rnd() < 0.7 ? '' : junk(1 + int(4))}`;
      case 2:
        return `/${'a'.repeat(1 + int(20_000))}`; // past the 16 KB header limit sometimes
      case 3:
        return pick(['*', 'http://relay/ws/visitor', 'http://[/x', 'ws://a@b/ws/agent', '', 'relay:80', '/?#', '/..%2f..%2f', '/%00']);
      case 4:
        return `/${Buffer.from(pick(['ü', '日本', '🙂', '\u202e', '\ufeff']), 'utf8').toString('latin1')}${junk(int(3))}`;
      default:
        return `/${junk(1 + int(10))}`;
    }
  };
  const headerValue = (): string =>
    pick([
      'x'.repeat(int(9000)),
      '[',
      '::1',
      'a b',
      '',
      '\u00ff\u00fe',
      'http://[::1',
      'null',
      'https://evil.example',
      '%zz',
      `${junk(4)}`,
      '\x01\x02',
      'http://localhost:8080',
    ]);
  const extraHeaders = (): string[] => {
    const hs: string[] = [];
    for (let i = rnd() < 0.4 ? 0 : int(4); i > 0; i--) {
      hs.push(
        pick([
          `Origin: ${headerValue()}`,
          `Host: ${headerValue()}`,
          `Content-Length: ${pick(['10', '0', '-1', 'abc', '99999999999999999999', '3, 4'])}`,
          'Transfer-Encoding: chunked',
          `X-Odd: ${headerValue()}`,
          'Bad Header: space in the name',
          'X-Nul: a\x00b',
          `Authorization: Bearer ${headerValue()}`,
          `Sec-WebSocket-Key: ${headerValue()}`,
          `Sec-WebSocket-Version: ${pick(['13', '8', 'x', ''])}`,
          `Sec-WebSocket-Protocol: ${pick([SUBPROTOCOL, 'x', '', `${SUBPROTOCOL}, ${SUBPROTOCOL}`])}`,
          `If-None-Match: ${headerValue()}`,
          ' folded: continuation',
        ]),
      );
    }
    return hs;
  };

  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    if (rnd() < 0.3) {
      // Near-valid: a browser's upgrade or page request with one odd header, so the fuzz reaches
      // the Origin and token checks and ws itself, not only the parser's refusals.
      const endpoint = pick(['/ws/visitor', '/ws/visitor', '/ws/agent', '/healthz', '/widget.js']);
      const headers = [...(endpoint.startsWith('/ws/') ? upgradeHeaders() : []), ...extraHeaders().slice(0, 1)];
      const text = rawHttp('GET', endpoint, headers);
      cases.push({ bytes: Buffer.from(text, 'latin1'), label: `#${i} ${JSON.stringify(text.slice(0, 120))}` });
      continue;
    }
    const method = pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'FOO', 'G T', 'get']);
    const target = paths();
    const upgrade = rnd() < 0.5;
    const headers = [...(upgrade ? upgradeHeaders(pick(['http://localhost:8080', 'http://127.0.0.1:1', 'https://evil.example'])) : []), ...extraHeaders()];
    const host = rnd() < 0.8 ? '127.0.0.1' : headerValue();
    let text = rawHttp(method, target, headers, rnd() < 0.3 ? 'abc' : '', host);
    if (rnd() < 0.1) text = text.replace(/\r\n/g, '\n'); // bare LF line ends
    if (rnd() < 0.1) text += rawHttp('GET', paths(), [], '', host); // a pipelined second request
    cases.push({ bytes: Buffer.from(text, 'latin1'), label: `#${i} ${JSON.stringify(text.slice(0, 120))}` });
  }
  return cases;
}

const PATH_PIECES = ['[', ']', '%', '%zz', '%2', '%25', '%00', '%ff', '%5B', '@', ':', '::1', 'a:b@', '//', '/', '.', '..', '?', '#', '\\', '|', '^', '`', '{', '}', '"', '<', '>', "'", 'x', '~', '\u00e9'];
