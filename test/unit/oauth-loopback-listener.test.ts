// The browser sign-in's loopback listener, on a real socket: whatever a local process sends it must
// not take the process down.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLoopbackListener } from '../../src/adapters/oauth2/loopback-listener.js';

/** Sends raw bytes and returns the whole answer (the listener closes the connection). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      out += d;
      // The status line and headers are all this test reads.
      if (out.includes('\r\n\r\n')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    // No half-close: Node's server would drop the connection unanswered. It closes after its answer.
    s.write(request);
  });
}

describe('loopback listener', () => {
  it('survives a malformed Host header: the request is read on a fixed base, and the process lives on', async () => {
    const listener = await startLoopbackListener('http://127.0.0.1/callback');
    try {
      const bad = raw(listener.port, 'GET /callback?code=x&state=y HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n');
      const first = await listener.next(AbortSignal.timeout(10_000));
      expect(first.url).toBe('http://127.0.0.1/callback?code=x&state=y');
      // What the sign-in does with another state: 400, and it keeps waiting.
      first.reply(400, 'not yours');
      expect(await bad).toMatch(/^HTTP\/1\.1 400 /);
      const next = listener.next(AbortSignal.timeout(10_000));
      const answer = fetch(`${listener.redirectUri}?code=C&state=S`);
      const cb = await next;
      expect(new URL(cb.url).searchParams.get('code')).toBe('C');
      cb.reply(200, 'ok');
      expect(await (await answer).text()).toBe('ok\n');
    } finally {
      listener.close();
    }
  });
});
