// Chat hours at the relay: visitors hear "closed" (and when it opens) in fields added to welcome
// and presence; `agentsOnline` is false while closed so widgets that predate hours show their
// away notice. The relay's clock runs from 3 s before closing time, so the flip is live.
import { afterEach, describe, expect, it } from 'vitest';
import type { Calendar } from '../../src/policy/business-hours.js';
import { agent, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

const officeWeek = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
const berlin: Calendar = { timeZone: 'Europe/Berlin', weekly: officeWeek };
// Fri 2026-12-04 16:59:57 CET; opens again Mon 2026-12-07 09:00 CET = 08:00Z
const BEFORE_CLOSING = Date.parse('2026-12-04T15:59:57.000Z');
const MONDAY = '2026-12-07T08:00:00.000Z';

let t: TestRelay | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const clockFrom = (start: number) => {
  const t0 = Date.now();
  return () => start + (Date.now() - t0);
};

describe('relay: chat hours', () => {
  it('tells visitors when chat closes, and who comes while closed; messages still go through', async () => {
    t = await startTestRelay({ chatHours: berlin, now: clockFrom(BEFORE_CLOSING) });
    const a = await agent(t.relay, { name: 'Anna' });
    const v = await visitor(t.relay.url, { name: 'Vera' });
    expect(v.welcome).toMatchObject({ agentsOnline: true, open: true });
    expect(v.welcome.opensAt).toBeUndefined();
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: true, open: true });

    // 17:00: closed, although Anna is still connected
    expect((await v.client.next('presence', 8000)).d).toEqual({ agentsOnline: false, open: false, opensAt: MONDAY });

    const late = await visitor(t.relay.url, { name: 'Lou' });
    expect(late.welcome).toMatchObject({ agentsOnline: false, open: false, opensAt: MONDAY });
    expect((await late.client.next('presence')).d).toEqual({ agentsOnline: false, open: false, opensAt: MONDAY });

    // Closed is not refused: the message is recorded and reaches the agent.
    late.client.send({ t: 'send', id: key(), d: { body: 'Are you there on Saturday?' } });
    await late.client.next('sent');
    for (;;) {
      const f = await a.client.next('event');
      const d = f.d as { kind: string; message?: { body: string } };
      if (d.kind === 'message') {
        expect(d.message?.body).toBe('Are you there on Saturday?');
        break;
      }
    }
    // The last agent leaving while closed: visitors hear the same status again.
    a.client.close();
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: false, open: false, opensAt: MONDAY });
  });

  it('tells visitors when chat opens; agents connected then count as online', async () => {
    // Mon 2026-12-07 08:59:57 CET
    t = await startTestRelay({ chatHours: berlin, now: clockFrom(Date.parse('2026-12-07T07:59:57.000Z')) });
    await agent(t.relay, { name: 'Anna' });
    const v = await visitor(t.relay.url);
    expect(v.welcome).toMatchObject({ agentsOnline: false, open: false, opensAt: MONDAY });
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: false, open: false, opensAt: MONDAY });
    expect((await v.client.next('presence', 8000)).d).toEqual({ agentsOnline: true, open: true });
  });

  it('without hours the frames are exactly as before', async () => {
    t = await startTestRelay();
    const v = await visitor(t.relay.url);
    expect(v.welcome.open).toBeUndefined();
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: false });
  });
});
