// What keeps one HTTP request from ending the relay process. The request and upgrade handlers
// run inside the http server's parser callbacks: anything they throw (or reject with) would
// reach the event loop uncaught, and the relay — or the console hosting it — would exit. So
// every handler runs contained: an unexpected error becomes one log line and a 500 for that
// request only. Requests Node cannot parse at all arrive as `clientError` and get a plain 4xx.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { safeLine } from '../domain/sanitize.js';

/**
 * Answers an upgrade (or unparsable) request on its raw socket — the only thing there is before
 * a response object exists — and closes the connection once the answer is flushed. Destroying it
 * then matters: the http server allows half-open sockets, so `end()` alone would keep it open
 * for as long as the client cares to.
 */
export function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(message) + 1}\r\n${extra}\r\n${message}\n`,
    () => socket.destroy(),
  );
}

/**
 * Runs a request-time handler so that nothing it throws, synchronously or as a rejected promise,
 * escapes: `onError` gets it instead (and if that throws too, the error is dropped — there is
 * nobody left to tell, and the process must live).
 */
export function contain(run: () => unknown, onError: (err: Error) => void): void {
  const fail = (err: unknown) => {
    try {
      onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // Answering failed as well (the socket is gone): the request is lost, the relay is not.
    }
  };
  try {
    const result = run();
    if (result instanceof Promise) result.catch(fail);
  } catch (err) {
    fail(err);
  }
}

/** A request in one short line for the log: method and target, cut and stripped of control bytes. */
export function describeRequest(req: IncomingMessage): string {
  return safeLine(`${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}`);
}

interface ParserError extends Error {
  code?: string;
}

/** Status for a request Node's parser rejected (the same choice as Node's default handler). */
function clientErrorStatus(err: ParserError): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'HPE_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The http server's `clientError`: a request that is not HTTP (bad request line, invalid header
 * bytes, conflicting lengths) or a connection error. Not logged: any client can send these as fast
 * as it likes, and a line each would flood the log. The listener must close or destroy the socket.
 */
export function answerClientError(err: ParserError, socket: Duplex): void {
  // A response already under way on this connection cannot be followed by a clean 4xx.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  refuse(socket, clientErrorStatus(err), 'bad request');
}
