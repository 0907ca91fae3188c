// Garbage before hello on one connection must not shut out other visitors from the same address
// (issue 12.5: 10 of 10 new visitors were refused), connections per address are rate-limited,
// X-Forwarded-For is believed only from a configured proxy, and floods are logged once a minute.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, refusedStatus, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

let t: TestRelay | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

describe('floods before hello', () => {
  it('one connection sending garbage before hello spends only its own budget; new and returning visitors on the same address get in', async () => {
    const lines: string[] = [];
    t = await startTestRelay({ log: (l) => lines.push(l) });
    const returning = await visitor(t.relay.url, { name: 'Ret' });
    const token = returning.welcome.token as string;
    returning.client.close();
    const flood = await connect(t.relay.url, '/ws/visitor');
    for (let i = 0; i < 400; i++) flood.send({ t: 'ping', id: `g${i}` });
    expect((await flood.waitClose()).code).toBe(4429);
    // Same address (127.0.0.1), right after: all of them get in.
    const fresh = await Promise.all(Array.from({ length: 8 }, (_, i) => visitor(t?.relay.url as string, { name: `N${i}` })));
    for (const v of fresh) v.client.close();
    const back = await visitor(t.relay.url, { token });
    expect(back.welcome.token).toBe(token);
    back.client.close();
    // The flood is at most one log line, not one per frame.
    expect(lines.filter((l) => /rate limits|rate limited|closing visitor/.test(l)).length).toBeLessThanOrEqual(1);
  });

  it('limits visitor connections per address per minute with a 429', async () => {
    t = await startTestRelay({ limits: { connectionsPerIpPerMinute: 5 } });
    const ok = await Promise.all(Array.from({ length: 5 }, () => refusedStatus(t?.relay.url as string, '/ws/visitor')));
    expect(ok).toEqual([101, 101, 101, 101, 101]);
    expect(await refusedStatus(t.relay.url, '/ws/visitor')).toBe(429);
  });

  it('counts per visitor behind a trusted proxy, and ignores X-Forwarded-For from anyone else', async () => {
    t = await startTestRelay({ limits: { connectionsPerIpPerMinute: 2 }, trustProxy: ['127.0.0.1'] });
    const via = (client: string) => ({ headers: { 'X-Forwarded-For': `203.0.113.9, ${client}` } });
    // Behind the proxy (127.0.0.1 is trusted): each visitor address has its own allowance.
    for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      expect(await refusedStatus(t.relay.url, '/ws/visitor', via(client))).toBe(101);
      expect(await refusedStatus(t.relay.url, '/ws/visitor', via(client))).toBe(101);
      expect(await refusedStatus(t.relay.url, '/ws/visitor', via(client))).toBe(429);
    }
    await t.dispose();
    // Not trusted: the header changes nothing, the socket's address counts.
    t = await startTestRelay({ limits: { connectionsPerIpPerMinute: 2 } });
    const statuses: number[] = [];
    for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) statuses.push(await refusedStatus(t.relay.url, '/ws/visitor', via(client)));
    expect(statuses).toEqual([101, 101, 429]);
  });
});
