// The relay's plain HTTP side: the widget script, the demo page, a health check. Static files
// are read from `widget/` next to this module (the build copies src/relay/widget into dist).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface StaticFile {
  file: URL;
  type: string;
  /** What to tell the user when the file is not there. */
  missing: string;
}

const FILES: Record<string, StaticFile> = {
  '/widget.js': {
    file: new URL('./widget/widget.js', import.meta.url),
    type: 'text/javascript; charset=utf-8',
    missing: 'widget.js is not built: run `npm run build` (it copies src/relay/widget into dist).',
  },
  '/demo': {
    file: new URL('./widget/demo.html', import.meta.url),
    type: 'text/html; charset=utf-8',
    missing: 'demo.html is not built: run `npm run build` (it copies src/relay/widget into dist).',
  },
};

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

/**
 * The path a request asks for, or null when its target is no URL path at all (`//[`, `//%zz`:
 * the URL parser reads what follows `//` as a host and rejects it). Any client can send such a
 * line — a web page on another origin through an <img src> — so it is the client's error (400),
 * never an exception.
 */
export function requestPath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://relay').pathname;
  } catch {
    return null;
  }
}

export function handleHttp(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): void {
  const path = requestPath(req.url);
  if (path === null) {
    text(res, 400, 'bad request: the path is not a valid URL path\n', { Connection: 'close' });
    return;
  }
  const pathname = path === '/demo/' || path === '/demo.html' ? '/demo' : path;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    text(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  if (pathname === '/healthz') {
    text(res, 200, 'ok\n', { 'Cache-Control': 'no-store' });
    return;
  }
  const entry = FILES[pathname];
  if (!entry) {
    text(res, 404, 'not found\n');
    return;
  }
  serveStatic(req, res, entry).catch((err: Error) => {
    log(`http: ${pathname}: ${err.message}`);
    if (!res.headersSent) text(res, 500, 'internal error\n');
    else res.destroy();
  });
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, entry: StaticFile): Promise<void> {
  let body: Buffer;
  try {
    // Read per request: the files are small, and a rebuilt widget is served without a restart.
    body = await readFile(entry.file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      text(res, 404, `${entry.missing}\n`, { 'Access-Control-Allow-Origin': '*' });
      return;
    }
    throw err;
  }
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
  const headers: Record<string, string> = {
    'Content-Type': entry.type,
    // Short max-age + ETag: sites embedding the widget pick up a new version within minutes,
    // and revalidation costs a 304.
    'Cache-Control': 'public, max-age=300, must-revalidate',
    ETag: etag,
    'Access-Control-Allow-Origin': '*',
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
