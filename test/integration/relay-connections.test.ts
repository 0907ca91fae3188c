// Idle TCP connections are not held forever, and open connections are capped with a clear 503
// (issue 12.6: 2,000 idle sockets stayed open for 70 s, and with a 256-file limit visitors got
// resets). Against the real relay, over raw sockets on loopback.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMaxConnections } from '../../src/relay/rate-limit.js';
import { startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

let t: TestRelay | null = null;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await t?.dispose();
  t = null;
});

/** A raw connection; resolves once connected, records what it receives and when it closed. */
function open(port: number): Promise<{ socket: net.Socket; data: () => string; closedAt: () => number | null }> {
  return new Promise((resolve, reject) => {
    let data = '';
    let closedAt: number | null = null;
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, data: () => data, closedAt: () => closedAt }));
    sockets.push(socket);
    socket.on('data', (d) => (data += d));
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', reject);
  });
}

const until = async (ok: () => boolean, ms: number, what: string) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('relay connections', () => {
  it('closes a connection that sends no request within firstRequestMs', async () => {
    t = await startTestRelay({ limits: { firstRequestMs: 600 } });
    const { port } = t.relay;
    const started = Date.now();
    const idle = await Promise.all(Array.from({ length: 50 }, () => open(port)));
    await until(() => idle.every((c) => c.closedAt() !== null), 5000, 'every idle connection closed');
    expect(Math.max(...idle.map((c) => (c.closedAt() as number) - started))).toBeLessThan(4000);
    // Visitors still get in.
    const v = await visitor(t.relay.url, { name: 'Vera' });
    v.client.close();
  });

  it('answers 503 over the cap, and lets new connections in once others close', async () => {
    t = await startTestRelay({ limits: { maxConnections: 20, firstRequestMs: 30_000 } });
    const { port } = t.relay;
    const held = await Promise.all(Array.from({ length: 20 }, () => open(port)));
    const over = await open(port);
    await until(() => over.closedAt() !== null, 5000, 'the connection over the cap closed');
    expect(over.data()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*relay busy: too many connections/);
    for (const c of held.slice(0, 5)) c.socket.destroy();
    // In as soon as the relay has seen those sockets close (503 until then), with a deadline.
    const deadline = Date.now() + 5000;
    for (;;) {
      const v = await visitor(t.relay.url, { name: 'Vera' }).catch((err: { status?: number }) => {
        if (err.status !== 503 || Date.now() > deadline) throw err;
      });
      if (v) {
        v.client.close();
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('the default cap stays under the process file limit', () => {
    expect(defaultMaxConnections()).toBeGreaterThanOrEqual(16);
    expect(defaultMaxConnections()).toBeLessThanOrEqual(10_000);
    expect(defaultMaxConnections('/nonexistent')).toBe(10_000);
  });
});
