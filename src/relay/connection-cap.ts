// At most `max` open TCP connections (visitors' WebSockets included): each is a file descriptor,
// and a process out of them resets everyone. Over the cap a new connection gets a plain 503 and
// is closed at once; the refusals are logged once a minute, not once per connection.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const BODY = 'relay busy: too many connections\n';
const BUSY = `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nRetry-After: 5\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

export function capConnections(server: Server, max: number, log: (line: string) => void): void {
  let open = 0;
  let refused = 0;
  let lastLog = 0;
  // `prependListener`: before the HTTP parser takes the socket.
  server.prependListener('connection', (socket: Socket) => {
    if (open >= max) {
      refused++;
      const now = Date.now();
      if (now - lastLog >= 60_000) {
        log(`${refused} connection(s) refused in the last minute: ${open} open, the cap is ${max}`);
        lastLog = now;
        refused = 0;
      }
      socket.on('error', () => {});
      socket.end(BUSY, () => socket.destroy());
      return;
    }
    open++;
    socket.once('close', () => {
      open--;
    });
  });
}
