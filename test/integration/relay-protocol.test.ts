// attend.chat.v1 over real sockets: handshake, every frame type, fan-out, errors, limits.
// Resume, restart and idempotency across connections: relay-resume.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData, Frame } from '../../src/protocol/wire.js';
import { agent, connect, key, refusedStatus, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

type Ev = Frame<'event', EventData> & { d: EventData; seq: number };

describe('relay: HTTP', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay();
  });
  afterAll(() => t.dispose());

  it('answers /healthz, serves the widget with cache and CORS headers, 404s the rest', async () => {
    const health = await fetch(`${t.relay.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');

    const w = await fetch(`${t.relay.url}/widget.js`);
    // The widget is built by someone else; either it is there, or the 404 says what to do.
    if (w.status === 200) {
      expect(w.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(w.headers.get('access-control-allow-origin')).toBe('*');
      expect(w.headers.get('cache-control')).toMatch(/max-age=\d+/);
      const etag = w.headers.get('etag') as string;
      expect((await fetch(`${t.relay.url}/widget.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    } else {
      expect(w.status).toBe(404);
      expect(await w.text()).toMatch(/widget\.js/);
    }
    expect([200, 404]).toContain((await fetch(`${t.relay.url}/demo`)).status);
    expect((await fetch(`${t.relay.url}/nope`)).status).toBe(404);
    expect((await fetch(`${t.relay.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses upgrades: wrong path 404, no subprotocol 400, bad or no token 401, foreign Origin 403', async () => {
    const { url, agentToken } = t.relay;
    expect(await refusedStatus(url, '/ws/other', { token: agentToken })).toBe(404);
    expect(await refusedStatus(url, '/ws/visitor', { protocol: null })).toBe(400);
    expect(await refusedStatus(url, '/ws/agent', { token: agentToken, protocol: 'chat' })).toBe(400);
    expect(await refusedStatus(url, '/ws/agent', {})).toBe(401);
    expect(await refusedStatus(url, '/ws/agent', { token: `${agentToken}x` })).toBe(401);
    expect(await refusedStatus(url, '/ws/visitor', { origin: 'https://evil.example' })).toBe(403);
    expect(await refusedStatus(url, '/ws/visitor', { origin: 'http://localhost.evil.example' })).toBe(403);
    // Allowed by default: localhost on any port, and the relay's own origin (its /demo page).
    expect(await refusedStatus(url, '/ws/visitor', { origin: 'http://127.0.0.1:3000' })).toBe(101);
    expect(await refusedStatus(url, '/ws/visitor', { origin: url })).toBe(101);
    expect(await refusedStatus(url, '/ws/agent', { token: agentToken })).toBe(101);
  });

  it('allows configured origins', async () => {
    const r = await startTestRelay({ allowedOrigins: ['https://shop.example', 'http://dev.example:*'] });
    try {
      expect(await refusedStatus(r.relay.url, '/ws/visitor', { origin: 'https://shop.example' })).toBe(101);
      expect(await refusedStatus(r.relay.url, '/ws/visitor', { origin: 'http://dev.example:8123' })).toBe(101);
      expect(await refusedStatus(r.relay.url, '/ws/visitor', { origin: 'http://shop.example' })).toBe(403);
    } finally {
      await r.dispose();
    }
  });
});

describe('relay: conversation flow', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay({ limits: { typingOnIntervalMs: 3000 } });
  });
  afterAll(() => t.dispose());

  it('carries a whole chat: hello, welcome, presence, send, fan-out, status, reopen, identify, typing, ping, ack, history', async () => {
    const v = await visitor(t.relay.url, { name: 'Vera' });
    expect(v.welcome).toMatchObject({ resumed: false, heartbeatMs: 25_000, agentsOnline: false, epoch: t.relay.epoch });
    expect(v.welcome.token).toMatch(/^[\w-]{22}$/);
    const conv = v.welcome.conversation as number;
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: false });

    const a = await agent(t.relay, { name: 'Anna' });
    expect(a.welcome).toMatchObject({ resumed: false, epoch: t.relay.epoch });
    expect(a.welcome.token).toBeUndefined();
    expect((await v.client.next('presence')).d).toEqual({ agentsOnline: true });
    // Nothing durable yet: agents do not know the conversation, so no presence for it.
    await a.client.none('presence', 100);

    // The first message opens the conversation for agents.
    const k1 = key();
    v.client.send({ t: 'send', id: k1, d: { body: '  Hello, is anyone there?  ' } });
    const sent = await v.client.next<{ messageId: string; seq: number }>('sent');
    expect(sent.id).toBe(k1);
    const opened = (await a.client.next('event')) as Ev;
    expect(opened.d).toEqual({ kind: 'conversation.opened', conversation: conv, visitor: { name: 'Vera' } });
    const msg = (await a.client.next('event')) as Ev;
    expect(msg.seq).toBe(sent.d?.seq);
    expect(opened.seq).toBe((msg.seq as number) - 1);
    expect(msg.d).toMatchObject({ kind: 'message', conversation: conv, message: { id: sent.d?.messageId, from: 'visitor', author: 'Vera', body: 'Hello, is anyone there?' } });
    expect((await a.client.next('presence')).d).toEqual({ conversation: conv, online: true });
    // The visitor sees its message, never conversation.opened.
    expect(((await v.client.next('event')) as Ev).seq).toBe(msg.seq);

    // Agent answers; the visitor gets it.
    a.client.send({ t: 'send', id: key(), d: { conversation: conv, body: 'Hi Vera!' } });
    const aSent = await a.client.next<{ seq: number }>('sent');
    const reply = (await v.client.next('event')) as Ev;
    expect(reply.seq).toBe(aSent.d?.seq);
    expect(reply.d).toMatchObject({ kind: 'message', message: { from: 'agent', author: 'Anna', body: 'Hi Vera!' } });
    await a.client.next('event'); // the agent's own message comes back too

    // Typing both ways; a second `on` within 3 s is dropped, `off` always passes.
    v.client.send({ t: 'typing', d: { on: true } });
    expect((await a.client.next('typing')).d).toEqual({ conversation: conv, on: true });
    v.client.send({ t: 'typing', d: { on: true } });
    v.client.send({ t: 'typing', d: { on: false } });
    expect((await a.client.next('typing')).d).toEqual({ conversation: conv, on: false });
    a.client.send({ t: 'typing', d: { conversation: conv, on: true } });
    expect((await v.client.next('typing')).d).toEqual({ conversation: conv, on: true, name: 'Anna' });

    // Resolve; the visitor writing again reopens.
    a.client.send({ t: 'status', id: 's1', d: { conversation: conv, status: 'resolved' } });
    expect(await a.client.next('ok')).toMatchObject({ id: 's1' });
    expect(((await a.client.next('event')) as Ev).d).toEqual({ kind: 'conversation.status', conversation: conv, status: 'resolved' });
    expect(((await v.client.next('event')) as Ev).d).toMatchObject({ kind: 'conversation.status', status: 'resolved' });
    a.client.send({ t: 'status', id: 's2', d: { conversation: conv, status: 'resolved' } });
    await a.client.next('ok');
    await a.client.none('event', 100); // same status again: no event

    v.client.send({ t: 'send', id: key(), d: { body: 'One more thing' } });
    const reopened = (await a.client.next('event')) as Ev;
    expect(reopened.d).toEqual({ kind: 'conversation.status', conversation: conv, status: 'open' });
    const more = (await a.client.next('event')) as Ev;
    expect(more.seq).toBe((reopened.seq as number) + 1);
    expect((await v.client.next('sent')).d).toMatchObject({ seq: more.seq });

    // identify: ok + visitor.identified, to agents only.
    v.client.send({ t: 'identify', id: 'i1', d: { name: 'Vera Lynn', email: 'vera@example.com' } });
    expect(await v.client.next('ok')).toMatchObject({ id: 'i1' });
    expect(((await a.client.next('event')) as Ev).d).toEqual({ kind: 'visitor.identified', conversation: conv, name: 'Vera Lynn', email: 'vera@example.com' });
    v.client.send({ t: 'identify', id: 'i2', d: { email: 'not-an-email' } });
    expect((await v.client.next('error')).d).toMatchObject({ code: 'bad_frame' });

    // ping/pong (id echoed), ack (silent).
    v.client.send({ t: 'ping', id: 'p1' });
    expect(await v.client.next('pong')).toMatchObject({ t: 'pong', id: 'p1' });
    a.client.send({ t: 'ack', d: { upTo: more.seq } });
    a.client.send({ t: 'ping' });
    await a.client.next('pong');
    await a.client.none('error', 50);

    // The visitor's own history: only message + status events, oldest first.
    v.client.send({ t: 'history', id: 'h1', d: {} });
    const vh = await v.client.next<{ events: Ev[]; more: boolean }>('history');
    expect(vh.id).toBe('h1');
    expect(vh.d?.events.map((e) => e.d.kind)).toEqual(['message', 'message', 'conversation.status', 'conversation.status', 'message']);
    expect(vh.d?.more).toBe(false);

    // Leaving: agents hear the visitor went offline.
    v.client.close();
    expect((await a.client.next('presence')).d).toEqual({ conversation: conv, online: false });
    a.client.close();
  });

  it('pages history; agents may read every conversation', async () => {
    const a = await agent(t.relay, { name: 'Bo' });
    const convs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await visitor(t.relay.url);
      convs.push(v.welcome.conversation as number);
      for (let j = 0; j < 4; j++) {
        v.client.send({ t: 'send', id: key(), d: { body: `v${i} m${j}` } });
        await v.client.next('sent');
      }
      v.client.close();
    }
    const page = async (d: Record<string, unknown>) => {
      a.client.send({ t: 'history', id: key('h'), d });
      return (await a.client.next<{ events: Ev[]; more: boolean }>('history')).d as { events: Ev[]; more: boolean };
    };
    const first = await page({ conversation: convs[1], limit: 3 });
    expect(first.events.map((e) => (e.d as { message: { body: string } }).message.body)).toEqual(['v1 m1', 'v1 m2', 'v1 m3']);
    expect(first.more).toBe(true);
    const second = await page({ conversation: convs[1], limit: 3, beforeSeq: first.events[0]?.seq });
    expect(second.events.map((e) => e.d.kind)).toEqual(['conversation.opened', 'message']);
    expect(second.more).toBe(false);

    const all = await page({ limit: 500 }); // clamped to 100
    expect(all.events.length).toBeLessThanOrEqual(100);
    const seqs = all.events.map((e) => e.seq as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    for (const c of convs) expect(all.events.some((e) => e.d.conversation === c)).toBe(true);

    a.client.send({ t: 'history', id: 'bad', d: { limit: 0 } });
    expect((await a.client.next('error')).d).toMatchObject({ code: 'bad_frame' });
    a.client.send({ t: 'history', id: 'nf', d: { conversation: 99_999 } });
    expect(await a.client.next('error')).toMatchObject({ id: 'nf', d: { code: 'not_found' } });
    a.client.close();
  });
});

describe('relay: errors and limits', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay({ helloDeadlineMs: 300, limits: { newVisitorsPerIpPerMinute: 1000 } });
  });
  afterAll(() => t.dispose());

  it('answers malformed frames with bad_frame and keeps the connection', async () => {
    const v = await visitor(t.relay.url);
    for (const raw of ['{not json', '[]', '"x"', '{"t":5}', '{"t":"send","d":[]}', '{"t":"send","id":""}', '{"t":"nope"}', '{"t":"constructor"}']) {
      v.client.sendRaw(raw);
      expect((await v.client.next('error')).d).toMatchObject({ code: 'bad_frame' });
    }
    v.client.ws.send(Buffer.from('{"t":"ping"}'), { binary: true });
    expect((await v.client.next('error')).d).toMatchObject({ code: 'bad_frame' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ t: 'send', d: { body: 'no id' } }, 'bad_frame'],
      [{ t: 'send', id: key(), d: { body: '   ' } }, 'bad_frame'],
      [{ t: 'send', id: key(), d: { body: 42 } }, 'bad_frame'],
      [{ t: 'send', id: key(), d: { body: 'x'.repeat(8001) } }, 'too_long'],
      [{ t: 'status', id: key(), d: { conversation: v.welcome.conversation, status: 'resolved' } }, 'forbidden'],
      [{ t: 'typing', d: { on: 'yes' } }, 'bad_frame'],
      [{ t: 'ack', d: { upTo: -1 } }, 'bad_frame'],
      [{ t: 'hello', d: {} }, 'bad_frame'],
    ];
    for (const [frame, code] of cases) {
      v.client.send(frame);
      expect((await v.client.next('error')).d, JSON.stringify(frame)).toMatchObject({ code });
    }
    // Still works; 8000 characters exactly is fine.
    v.client.send({ t: 'send', id: key(), d: { body: 'y'.repeat(8000) } });
    await v.client.next('sent');
    v.client.close();
  });

  it('agents get not_found for unknown conversations and forbidden for identify', async () => {
    const a = await agent(t.relay);
    a.client.send({ t: 'send', id: 'x1', d: { conversation: 424_242, body: 'hi' } });
    expect(await a.client.next('error')).toMatchObject({ id: 'x1', d: { code: 'not_found' } });
    a.client.send({ t: 'send', id: 'x2', d: { body: 'hi' } });
    expect(await a.client.next('error')).toMatchObject({ id: 'x2', d: { code: 'bad_frame' } });
    a.client.send({ t: 'status', id: 'x3', d: { conversation: 424_242, status: 'open' } });
    expect(await a.client.next('error')).toMatchObject({ id: 'x3', d: { code: 'not_found' } });
    a.client.send({ t: 'identify', id: 'x4', d: { name: 'A' } });
    expect(await a.client.next('error')).toMatchObject({ id: 'x4', d: { code: 'forbidden' } });
    // A visitor's conversation with no message yet does not exist for agents.
    const v = await visitor(t.relay.url);
    a.client.send({ t: 'send', id: 'x5', d: { conversation: v.welcome.conversation, body: 'hi' } });
    expect(await a.client.next('error')).toMatchObject({ id: 'x5', d: { code: 'not_found' } });
    v.client.close();
    a.client.close();
  });

  it('closes 4403 when a visitor names another conversation', async () => {
    const other = await visitor(t.relay.url);
    const v = await visitor(t.relay.url);
    v.client.send({ t: 'send', id: key(), d: { conversation: other.welcome.conversation, body: 'sneaky' } });
    expect((await v.client.waitClose()).code).toBe(4403);
    const v2 = await visitor(t.relay.url);
    v2.client.send({ t: 'history', id: 'h', d: { conversation: other.welcome.conversation } });
    expect((await v2.client.waitClose()).code).toBe(4403);
    other.client.close();
  });

  it('closes 4408 without a hello in time; frames before hello get bad_frame', async () => {
    const c = await connect(t.relay.url, '/ws/visitor');
    c.send({ t: 'send', id: 'early', d: { body: 'hi' } });
    expect(await c.next('error')).toMatchObject({ id: 'early', d: { code: 'bad_frame' } });
    expect((await c.waitClose()).code).toBe(4408);
  });

  it('closes 1009 on a frame over 64 KiB', async () => {
    const v = await visitor(t.relay.url);
    v.client.send({ t: 'send', id: key(), d: { body: 'z'.repeat(70 * 1024) } });
    expect((await v.client.waitClose()).code).toBe(1009);
  });

  it('closes 4409 when the same visitor token connects again', async () => {
    const first = await visitor(t.relay.url);
    const second = await visitor(t.relay.url, { token: first.welcome.token });
    expect(second.welcome.conversation).toBe(first.welcome.conversation);
    expect((await first.client.waitClose()).code).toBe(4409);
    second.client.send({ t: 'ping' });
    await second.client.next('pong');
    second.client.close();
  });

  it('closes visitors with 1001 on shutdown', async () => {
    const r = await startTestRelay();
    const v = await visitor(r.relay.url);
    const a = await agent(r.relay);
    await r.dispose();
    expect((await v.client.waitClose()).code).toBe(1001);
    expect((await a.client.waitClose()).code).toBe(1001);
  });
});

describe('relay: rate limits and liveness', () => {
  it('limits visitor sends (burst 5, then 1 per 2 s) and closes 4429 on repeated abuse', async () => {
    const t = await startTestRelay({ limits: { abuseStrikes: 4 } });
    try {
      const v = await visitor(t.relay.url);
      for (let i = 0; i < 5; i++) v.client.send({ t: 'send', id: `b${i}`, d: { body: `m${i}` } });
      for (let i = 0; i < 5; i++) await v.client.next('sent');
      v.client.send({ t: 'send', id: 'b5', d: { body: 'too fast' } });
      const err = await v.client.next<{ code: string; retryAfterMs: number }>('error');
      expect(err).toMatchObject({ id: 'b5', d: { code: 'rate_limited' } });
      expect(err.d?.retryAfterMs).toBeGreaterThan(0);
      expect(err.d?.retryAfterMs).toBeLessThanOrEqual(2000);
      // A retry of a committed key is not limited: it costs nothing.
      v.client.send({ t: 'send', id: 'b0', d: { body: 'm0' } });
      await v.client.next('sent');
      for (let i = 0; i < 3; i++) v.client.send({ t: 'send', id: `c${i}`, d: { body: 'spam' } });
      expect((await v.client.waitClose()).code).toBe(4429);
    } finally {
      await t.dispose();
    }
  });

  it('limits new visitors per IP; returning visitors pass', async () => {
    const t = await startTestRelay({ limits: { newVisitorsPerIpPerMinute: 3 } });
    try {
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) {
        const v = await visitor(t.relay.url);
        tokens.push(v.welcome.token as string);
        v.client.close();
      }
      const c = await connect(t.relay.url, '/ws/visitor');
      c.send({ t: 'hello', d: {} });
      const err = await c.next<{ code: string; retryAfterMs: number }>('error');
      expect(err.d?.code).toBe('rate_limited');
      expect(err.d?.retryAfterMs).toBeGreaterThan(50_000);
      expect((await c.waitClose()).code).toBe(4429);
      const back = await visitor(t.relay.url, { token: tokens[0] });
      expect(back.welcome.token).toBe(tokens[0]);
      back.client.close();
    } finally {
      await t.dispose();
    }
  });

  it('pings and cuts a socket that stops answering', async () => {
    const t = await startTestRelay({ heartbeatMs: 100 });
    try {
      const a = await agent(t.relay);
      expect(a.welcome.heartbeatMs).toBe(100);
      const v = await visitor(t.relay.url);
      // A message opens the conversation, so the agent is told when the visitor's socket goes.
      v.client.send({ t: 'send', id: key(), d: { body: 'still there?' } });
      await v.client.next('sent');
      const conversation = v.welcome.conversation;
      expect((await a.client.next('presence')).d).toEqual({ conversation, online: true });
      // A paused socket reads nothing, so it answers no ping: the relay must cut it (the agent
      // hears of it), whenever its heartbeat comes round.
      v.client.ws.pause();
      expect((await a.client.next('presence', 5000)).d).toEqual({ conversation, online: false });
      v.client.ws.resume();
      expect((await v.client.waitClose()).code).toBe(1006);
      // The agent answers pings by itself and stays.
      a.client.send({ t: 'ping' });
      await a.client.next('pong');
      a.client.close();
    } finally {
      await t.dispose();
    }
  });

  it('closes a slow consumer, which then resumes without loss', async () => {
    let cut = false;
    const t = await startTestRelay({ limits: { slowConsumerBytes: 256 * 1024 }, log: (l) => (cut ||= l.includes('slow consumer')) });
    try {
      const v = await visitor(t.relay.url);
      v.client.send({ t: 'send', id: key(), d: { body: 'start' } });
      await v.client.next('sent');
      const fast = await agent(t.relay, { name: 'Fast' });
      const slow = await agent(t.relay, { name: 'Slow' });
      const from = slow.welcome.lastSeq;
      slow.client.ws.pause();
      const body = 'x'.repeat(7000);
      let lastSeq = 0;
      for (let i = 0; i < 3000 && !cut; i++) {
        fast.client.send({ t: 'send', id: `f${i}`, d: { conversation: v.welcome.conversation, body } });
        lastSeq = ((await fast.client.next<{ seq: number }>('sent')).d as { seq: number }).seq;
        fast.client.frames.length = 0;
      }
      expect(cut).toBe(true);
      slow.client.ws.resume();
      await slow.client.waitClose(10_000); // terminated: its 4008 sat behind the data it did not read
      const again = await agent(t.relay, { name: 'Slow', resume: { epoch: t.relay.epoch, afterSeq: from } });
      expect(again.welcome.resumed).toBe(true);
      const seqs = again.before.filter((f) => f.t === 'event').map((f) => f.seq);
      expect(seqs.length).toBe(lastSeq - from);
      expect(seqs[0]).toBe(from + 1);
      expect(seqs.at(-1)).toBe(lastSeq);
      for (const c of [v.client, fast.client, again.client]) c.close();
    } finally {
      await t.dispose();
    }
  });
});
