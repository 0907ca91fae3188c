// Nothing lost, nothing twice: resume after a killed socket, idempotent sends, restarts on the
// same store, reset when a cursor cannot be resumed, visitors coming back with their token.
import { afterEach, describe, expect, it } from 'vitest';
import type { EventData, Frame } from '../../src/protocol/wire.js';
import { RelayStore } from '../../src/relay/relay-store.js';
import { agent, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

type Ev = Frame<'event', EventData> & { d: EventData; seq: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bodyOf = (e: Frame) => ((e.d as EventData).kind === 'message' ? (e.d as Extract<EventData, { kind: 'message' }>).message.body : undefined);
const relaxed = { sendBurst: 1e6, sendRefillMs: 1, frameBurst: 1e6, framesPerSecond: 1e6, newVisitorsPerIpPerMinute: 1e6 };

let t: TestRelay | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

describe('relay: resume', () => {
  it('an agent killed mid-stream resumes: every visitor message exactly once, seq without gaps', async () => {
    t = await startTestRelay({ limits: relaxed });
    const relay = t.relay;
    const visitors = await Promise.all([0, 1, 2].map(() => visitor(relay.url)));
    const PER = 250;
    const seen: Ev[] = [];
    const collect = (f: Frame) => {
      if (f.t === 'event') seen.push(f as Ev);
    };
    // Frames that arrived in the same read as welcome are already in the helper's buffer.
    const follow = (c: typeof a.client) => {
      c.ws.on('message', (data) => collect(JSON.parse(data.toString())));
      for (const f of c.frames.splice(0)) collect(f);
    };
    let a = await agent(relay);
    follow(a.client);

    // Visitors send steadily; the agent's socket dies a third of the way in.
    const sending = visitors.map(async (v, i) => {
      for (let j = 0; j < PER; j++) {
        v.client.send({ t: 'send', id: `v${i}-${j}`, d: { body: `v${i} #${j}` } });
        if (j % 10 === 9) {
          await v.client.next('sent');
          await sleep(2);
        }
      }
    });
    while (seen.length < 100) await sleep(5);
    a.client.ws.terminate();
    await sleep(50);
    const afterSeq = Math.max(...seen.map((e) => e.seq as number));
    a = await agent(relay, { name: 'Anna', resume: { epoch: relay.epoch, afterSeq } });
    expect(a.welcome.resumed).toBe(true);
    for (const f of a.before) collect(f);
    follow(a.client);
    await Promise.all(sending);
    const total = 3 + 3 * PER; // conversation.opened per visitor + messages
    for (let i = 0; i < 400 && seen.length < total; i++) await sleep(10);

    const seqs = seen.map((e) => e.seq as number);
    expect(new Set(seqs).size).toBe(seqs.length); // none twice
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1)); // none lost, in order
    const bodies = seen.map(bodyOf).filter((b) => b !== undefined);
    expect(new Set(bodies).size).toBe(3 * PER);
    for (const v of visitors) v.client.close();
    a.client.close();
  });

  it('a visitor coming back with its token keeps its conversation, history and replay', async () => {
    t = await startTestRelay();
    const first = await visitor(t.relay.url, { name: 'Vic' });
    for (const body of ['one', 'two']) {
      first.client.send({ t: 'send', id: key(), d: { body } });
      await first.client.next('sent');
    }
    const seenUpTo = ((await first.client.next('event')) as Ev).seq as number; // 'one'
    first.client.close();
    await first.client.waitClose();

    const a = await agent(t.relay);
    a.client.send({ t: 'send', id: key(), d: { conversation: first.welcome.conversation, body: 'three (while away)' } });
    await a.client.next('sent');
    await a.client.next('event');

    const back = await visitor(t.relay.url, { token: first.welcome.token, resume: { afterSeq: seenUpTo } });
    expect(back.welcome).toMatchObject({ token: first.welcome.token, conversation: first.welcome.conversation, resumed: true });
    expect(back.before.map(bodyOf)).toEqual(['two', 'three (while away)']);
    back.client.send({ t: 'history', id: 'h', d: {} });
    const h = await back.client.next<{ events: Ev[] }>('history');
    expect(h.d?.events.map(bodyOf)).toEqual(['one', 'two', 'three (while away)']);

    // A changed name on hello is news for agents.
    back.client.close();
    const renamed = await visitor(t.relay.url, { token: first.welcome.token, name: 'Victoria' });
    expect(((await a.client.next('event')) as Ev).d).toMatchObject({ kind: 'visitor.identified', name: 'Victoria' });
    renamed.client.send({ t: 'send', id: key(), d: { body: 'four' } });
    expect(((await a.client.next('event')) as Ev).d).toMatchObject({ message: { author: 'Victoria', body: 'four' } });

    // An unknown token with a cursor cannot be resumed: reset, and a new visitor.
    const stranger = await visitor(t.relay.url, { token: 'no-such-token-at-all', resume: { afterSeq: 3 } });
    expect(stranger.before.map((f) => f.t)).toEqual(['reset']);
    expect(stranger.welcome.resumed).toBe(false);
    expect(stranger.welcome.token).not.toBe('no-such-token-at-all');
    expect(stranger.welcome.conversation).not.toBe(first.welcome.conversation);
    for (const c of [renamed.client, stranger.client, a.client]) c.close();
  });
});

describe('relay: idempotent sends', () => {
  it('the same key twice gives the original sent and one message, across reconnects and restarts', async () => {
    t = await startTestRelay();
    const a = await agent(t.relay);
    const v = await visitor(t.relay.url);
    v.client.send({ t: 'send', id: 'same', d: { body: 'only once' } });
    v.client.send({ t: 'send', id: 'same', d: { body: 'only once' } });
    const s1 = await v.client.next('sent');
    const s2 = await v.client.next('sent');
    expect(s2).toEqual(s1);
    await a.client.next('event'); // conversation.opened
    expect(bodyOf(await a.client.next('event'))).toBe('only once');
    await a.client.none('event', 150);

    // Retry from a new connection (the first `sent` was lost with the socket).
    v.client.close();
    const v2 = await visitor(t.relay.url, { token: v.welcome.token });
    v2.client.send({ t: 'send', id: 'same', d: { body: 'only once' } });
    expect(await v2.client.next('sent')).toEqual(s1);
    // Keys are per visitor: another visitor (or an agent) may use the same one.
    const other = await visitor(t.relay.url);
    other.client.send({ t: 'send', id: 'same', d: { body: 'mine' } });
    expect((await other.client.next<{ messageId: string }>('sent')).d?.messageId).not.toBe((s1.d as { messageId: string }).messageId);
    v2.client.close();
    other.client.close();
    a.client.close();

    // Keys survive a restart.
    await t.relay.close();
    await t.restart();
    const v3 = await visitor(t.relay.url, { token: v.welcome.token });
    v3.client.send({ t: 'send', id: 'same', d: { body: 'only once' } });
    expect(await v3.client.next('sent')).toEqual(s1);
    v3.client.send({ t: 'history', id: 'h', d: {} });
    expect((await v3.client.next<{ events: Ev[] }>('history')).d?.events.map(bodyOf)).toEqual(['only once']);
    v3.client.close();
  });
});

describe('relay: restart and reset', () => {
  it('restarted on the same store it keeps epoch, seq, history and the agent token', async () => {
    t = await startTestRelay();
    const before = { epoch: t.relay.epoch, token: t.relay.agentToken };
    const v = await visitor(t.relay.url);
    for (const body of ['a', 'b', 'c']) {
      v.client.send({ t: 'send', id: key(), d: { body } });
      await v.client.next('sent');
    }
    const a = await agent(t.relay);
    const lastSeq = a.welcome.lastSeq;
    expect(lastSeq).toBe(4);
    v.client.close();
    a.client.close();
    await t.relay.close();

    const relay = await t.restart();
    expect(relay.epoch).toBe(before.epoch);
    expect(relay.agentToken).toBe(before.token);
    const a2 = await agent(relay, { name: 'Anna', resume: { epoch: before.epoch, afterSeq: lastSeq } });
    expect(a2.welcome).toMatchObject({ epoch: before.epoch, lastSeq, resumed: true });
    expect(a2.before).toEqual([]);
    a2.client.send({ t: 'history', id: 'h', d: { conversation: v.welcome.conversation } });
    expect((await a2.client.next<{ events: Ev[] }>('history')).d?.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const v2 = await visitor(relay.url, { token: v.welcome.token });
    v2.client.send({ t: 'send', id: key(), d: { body: 'after restart' } });
    expect((await v2.client.next<{ seq: number }>('sent')).d?.seq).toBe(lastSeq + 1);
    expect((await a2.client.next('event')).seq).toBe(lastSeq + 1);
    v2.client.close();
    a2.client.close();
  });

  it('refuses a second relay on the same store', async () => {
    t = await startTestRelay();
    const { startRelay } = await import('../../src/relay/server.js');
    await expect(startRelay({ port: 0, dbPath: t.dbPath, agentToken: 'x' })).rejects.toThrow(/in use by another relay/);
    // The first one is unaffected.
    const a = await agent(t.relay);
    expect(a.welcome.epoch).toBe(t.relay.epoch);
    a.client.close();
  });

  it('sends reset for a foreign epoch, a cursor from the future, or pruned events', async () => {
    t = await startTestRelay();
    const v = await visitor(t.relay.url);
    for (let i = 0; i < 5; i++) {
      v.client.send({ t: 'send', id: key(), d: { body: `m${i}` } });
      await v.client.next('sent');
    }
    v.client.close();
    const { epoch } = t.relay;
    const wrongEpoch = await agent(t.relay, { name: 'A', resume: { epoch: 'another-store', afterSeq: 2 } });
    expect(wrongEpoch.before.map((f) => f.t)).toEqual(['reset']);
    expect(wrongEpoch.welcome).toMatchObject({ resumed: false, epoch, lastSeq: 6 });
    const future = await agent(t.relay, { name: 'A', resume: { epoch, afterSeq: 99 } });
    expect(future.before.map((f) => f.t)).toEqual(['reset']);
    const ok = await agent(t.relay, { name: 'A', resume: { epoch, afterSeq: 4 } });
    expect(ok.before.map((f) => f.seq)).toEqual([5, 6]);
    for (const c of [wrongEpoch.client, future.client, ok.client]) c.close();

    await t.relay.close();
    const store = new RelayStore(t.dbPath);
    store.pruneEvents(3);
    await store.close();
    const relay = await t.restart();
    const pruned = await agent(relay, { name: 'A', resume: { epoch, afterSeq: 2 } });
    expect(pruned.before.map((f) => f.t)).toEqual(['reset']);
    const fine = await agent(relay, { name: 'A', resume: { epoch, afterSeq: 3 } });
    expect(fine.before.map((f) => f.seq)).toEqual([4, 5, 6]);
    expect(fine.welcome.resumed).toBe(true);
    pruned.client.close();
    fine.client.close();
  });
});
