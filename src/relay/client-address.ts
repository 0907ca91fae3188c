// Who a request comes from. Behind a reverse proxy every visitor arrives from the proxy's address:
// X-Forwarded-For names the client, but anyone can send that header, so it is believed only from
// the proxies the operator listed (`attend relay --trust-proxy ADDR…`).
import type { IncomingMessage } from 'node:http';

const plain = (a: string) => a.trim().replace(/^::ffff:/, '');

/**
 * The socket's address; with `trusted` proxies, the right-most X-Forwarded-For entry that is not
 * one of them (the left part of that header is whatever the client wrote).
 */
export function clientAddress(req: IncomingMessage, trusted: ReadonlySet<string>): string {
  const peer = plain(req.socket.remoteAddress ?? 'unknown');
  if (trusted.size === 0 || !trusted.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map(plain).filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trusted.has(hop)) return hop.slice(0, 64);
  }
  return peer;
}
