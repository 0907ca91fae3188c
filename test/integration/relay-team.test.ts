// Team mode over real sockets (docs/protocol-notes.md, "Team"): identity from the token, the
// team's numbers, team.change (idempotency, claims, preconditions, fan-out), what visitors never
// see, and bad team frames. Agents, removal and presence: relay-team-agents.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentWelcome, Frame, TeamChangeOk, TeamRegistered, TeamState } from '../../src/protocol/frames.js';
import type { TeamChangeEvent } from '../../src/domain/team.js';
import { openAgentRegistry } from '../../src/relay/agent-registry.js';
import { agent, type Client, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

/** The `d` of the next frame of type `t` (which the frame's type leaves optional). */
const nextD = async <D>(c: Client, t: string): Promise<D> => (await c.next<D>(t)).d as D;

type TeamEvent = TeamChangeEvent & { conversation: number };
type Ev = Frame<'event', TeamEvent> & { d: TeamEvent; seq: number };
type Answer<D> = Frame<string, D> & { d: D };

const OPEN: TeamState = { status: 'open', snoozedUntil: null, assignee: null, priority: null, tags: [] };

describe('relay: team mode', () => {
  let t: TestRelay;
  let samToken: string;
  let kimToken: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestRelay();
    const { registry, close } = openAgentRegistry(t.dbPath);
    samToken = registry.add('sam', Date.now());
    kimToken = registry.add('kim', Date.now());
    close();
  });
  afterAll(() => t.dispose());
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  /** An agent connected with `token` (default: the owner's), its roster taken. */
  const join = async (token: string | undefined, name = 'Display') => {
    const h = await agent(t.relay, { name }, token ? { token } : {});
    clients.push(h.client);
    await h.client.next('roster');
    return { client: h.client, welcome: h.welcome as AgentWelcome };
  };

  let ids = 0;
  /** Sends a request and waits for the answer with its id; other frames stay buffered, in order. */
  const request = async <D>(c: Client, type: string, d: unknown, id = `r-${++ids}`): Promise<Answer<D>> => {
    c.send({ t: type, id, d });
    const skipped: Frame[] = [];
    try {
      for (;;) {
        const f = await c.nextAny();
        if (f.id === id) return f as Answer<D>;
        skipped.push(f);
      }
    } finally {
      c.frames.unshift(...skipped);
    }
  };
  const change = (c: Client, d: unknown, id = key('tc')) => request<TeamChangeOk & { code?: string; holder?: string; message?: string }>(c, 'team.change', d, id);

  it('an agent is who its token says, whatever its hello; the owner is the relay token', async () => {
    const owner = await join(undefined, 'Dana');
    expect(owner.welcome).toMatchObject({ agent: 'owner', team: true });
    const sam = await join(samToken, 'owner'); // a hello name claiming to be the owner changes nothing
    expect(sam.welcome).toMatchObject({ agent: 'sam', team: true });
    // The hello name is only what a chat message shows as its author.
    const v = await visitor(t.relay.url, { name: 'Vera' });
    clients.push(v.client);
    v.client.send({ t: 'send', id: key(), d: { body: 'hi' } });
    await v.client.next('sent');
    await v.client.next('event');
    const conversation = v.welcome.conversation as number;
    sam.client.send({ t: 'send', id: 'same-key', d: { conversation, body: 'from sam' } });
    const sent = (await nextD<{ messageId: string }>(sam.client, 'sent'));
    const ev = await nextD<{ message: { author: string; body: string } }>(v.client, 'event');
    expect(ev.message).toMatchObject({ author: 'owner', body: 'from sam' });
    // Keys are per agent (token), not per display name: the owner's same key is a new message,
    // and sam's same key from another connection with another name is the first one again.
    owner.client.send({ t: 'send', id: 'same-key', d: { conversation, body: 'from dana' } });
    expect((await nextD<{ messageId: string }>(owner.client, 'sent')).messageId).not.toBe(sent.messageId);
    const sam2 = await join(samToken, 'Samuel');
    sam2.client.send({ t: 'send', id: 'same-key', d: { conversation, body: 'again' } });
    expect((await nextD<{ messageId: string }>(sam2.client, 'sent')).messageId).toBe(sent.messageId);
  });

  it('numbers conversations once for the team: the same key is the same number for every agent', async () => {
    const sam = await join(samToken);
    const kim = await join(kimToken);
    const mine: TeamState = { ...OPEN, status: 'pending', assignee: 'sam', tags: ['vip', 'billing', 'vip'] };
    const a = await request<TeamRegistered>(sam.client, 'team.register', { conversations: [{ key: 'email:support@x.test:a@x' }, { key: 'email:support@x.test:b@x', state: mine }] }, 'reg-1');
    expect(a).toMatchObject({ t: 'team.registered', id: 'reg-1' });
    const [na, nb] = a.d.conversations.map((c) => c.number) as [number, number];
    expect(nb).toBe(na + 1);
    expect(a.d.conversations[1]).toEqual({ key: 'email:support@x.test:b@x', number: nb, state: { ...mine, tags: ['billing', 'vip'] }, seq: 0 });
    // kim registers b (with another state: the first registrant's stays) and a new one.
    const b = await request<TeamRegistered>(kim.client, 'team.register', { conversations: [{ key: 'email:support@x.test:b@x', state: OPEN }, { key: 'chat:7' }] });
    expect(b.d.conversations[0]).toMatchObject({ number: nb, state: { status: 'pending', assignee: 'sam' } });
    expect(b.d.conversations[1]).toMatchObject({ key: 'chat:7', number: nb + 1, state: OPEN, seq: 0 });
    // Registering is not an event: nobody is told.
    await sam.client.none('event', 200);
  });

  it('a change is committed, answered, then fanned out to every agent; a repeated key answers the same and commits nothing', async () => {
    const sam = await join(samToken);
    const kim = await join(kimToken);
    const owner = await join(undefined);
    const id = key('tag');
    const ok = await change(sam.client, { key: 'email:support@x.test:c@x', action: { kind: 'tag', add: ['refund'], remove: [] } }, id);
    expect(ok).toMatchObject({ t: 'ok', id, d: { applied: true, state: { ...OPEN, tags: ['refund'] } } });
    const { seq, number } = ok.d;
    for (const c of [kim.client, owner.client, sam.client]) {
      const ev = (await c.next('event')) as Ev;
      expect(ev.seq).toBe(seq);
      expect(ev.d).toEqual({ kind: 'team.change', conversation: 0, number, key: 'email:support@x.test:c@x', by: 'sam', action: { kind: 'tag', add: ['refund'], remove: [] }, state: { ...OPEN, tags: ['refund'] }, changeId: id });
    }
    // The same key again (another connection of sam's, another action even): the first answer, no event.
    const sam2 = await join(samToken);
    const again = await change(sam2.client, { key: 'email:support@x.test:c@x', action: { kind: 'resolve' } }, id);
    expect(again).toEqual(ok);
    await kim.client.none('event', 300);
    // Two in one batch with the same key: one change.
    const twin = key('twin');
    sam.client.send({ t: 'team.change', id: twin, d: { key: 'email:support@x.test:c@x', action: { kind: 'note', text: 'called them' } } });
    sam.client.send({ t: 'team.change', id: twin, d: { key: 'email:support@x.test:c@x', action: { kind: 'note', text: 'called them' } } });
    const [o1, o2] = [(await sam.client.next('ok')) as Answer<TeamChangeOk>, (await sam.client.next('ok')) as Answer<TeamChangeOk>];
    expect(o2.d).toEqual(o1.d);
    expect(((await kim.client.next('event')) as Ev).d).toMatchObject({ action: { kind: 'note', text: 'called them' }, changeId: twin, by: 'sam' });
    await kim.client.none('event', 300);
    // The same key from another agent is that agent's own change.
    const byKim = await change(kim.client, { key: 'email:support@x.test:c@x', action: { kind: 'note', text: 'me too' } }, twin);
    expect(byKim.d.seq).toBeGreaterThan(o1.d.seq);
  });

  it('a claim fails with `claimed` naming the holder; take and the holder\'s own claim succeed', async () => {
    const sam = await join(samToken);
    const kim = await join(kimToken);
    const k = 'email:support@x.test:claim@x';
    const first = await change(sam.client, { key: k, action: { kind: 'assign', to: 'sam' }, claim: { take: false } });
    expect(first.d).toMatchObject({ applied: true, state: { assignee: 'sam' } });
    await kim.client.next('event');
    await sam.client.next('event'); // the sender hears its own change too (after its answer)
    const refused = await change(kim.client, { key: k, action: { kind: 'assign', to: 'kim' }, claim: { take: false } }, 'claim-kim');
    expect(refused).toEqual({ t: 'error', id: 'claim-kim', d: { code: 'claimed', holder: 'sam', message: `#${first.d.number} is assigned to sam` } });
    await sam.client.none('event', 300);
    // Retried with the same key: the same refusal (never a late success).
    expect(await change(kim.client, { key: k, action: { kind: 'assign', to: 'kim' }, claim: { take: false } }, 'claim-kim')).toEqual(refused);
    // The holder claiming again: ok, nothing changed, no event.
    const mine = await change(sam.client, { key: k, action: { kind: 'assign', to: 'sam' }, claim: { take: false } });
    expect(mine.d).toMatchObject({ applied: true, seq: first.d.seq, state: { assignee: 'sam' } });
    await kim.client.none('event', 300);
    // take: kim gets it.
    const taken = await change(kim.client, { key: k, action: { kind: 'assign', to: 'kim' }, claim: { take: true } });
    expect(taken.d).toMatchObject({ applied: true, state: { assignee: 'kim' } });
    expect(((await sam.client.next('event')) as Ev).d).toMatchObject({ by: 'kim', state: { assignee: 'kim' } });
    // A plain assign (no claim) is not a claim: applied in the hub's order.
    const plain = await change(sam.client, { key: k, action: { kind: 'assign', to: 'sam' } });
    expect(plain.d.state.assignee).toBe('sam');
  });

  it('ifAssignee: applied only while the assignee is the one named; otherwise ok applied:false and no event', async () => {
    const sam = await join(samToken);
    const kim = await join(kimToken);
    const k = 'chat:ifassignee';
    const assigned = await change(sam.client, { key: k, action: { kind: 'assign', to: 'sam' } });
    await kim.client.next('event');
    await sam.client.next('event');
    // kim's focus releases only if kim still holds it: sam does, so nothing happens.
    const skipped = await change(kim.client, { key: k, action: { kind: 'assign', to: null }, ifAssignee: 'kim' });
    expect(skipped.d).toEqual({ seq: assigned.d.seq, number: assigned.d.number, applied: false, state: { ...OPEN, assignee: 'sam' } });
    await sam.client.none('event', 300);
    const released = await change(sam.client, { key: k, action: { kind: 'assign', to: null }, ifAssignee: 'sam' });
    expect(released.d).toMatchObject({ applied: true, state: { assignee: null } });
    expect(((await kim.client.next('event')) as Ev).d.state.assignee).toBeNull();
    // ifAssignee null: only while unassigned.
    expect((await change(kim.client, { key: k, action: { kind: 'assign', to: 'kim' }, ifAssignee: null })).d).toMatchObject({ applied: true, state: { assignee: 'kim' } });
    expect((await change(sam.client, { key: k, action: { kind: 'assign', to: 'sam' }, ifAssignee: null })).d).toMatchObject({ applied: false, state: { assignee: 'kim' } });
  });

  it('a change that leaves the state as it is answers ok without an event; a note always makes one', async () => {
    const sam = await join(samToken);
    const kim = await join(kimToken);
    const k = 'chat:noop';
    const resolved = await change(sam.client, { key: k, action: { kind: 'resolve' } });
    await kim.client.next('event');
    await sam.client.next('event');
    const again = await change(kim.client, { key: k, action: { kind: 'resolve' } });
    expect(again.d).toEqual({ ...resolved.d, applied: true });
    await sam.client.none('event', 300);
    const note = await change(kim.client, { key: k, action: { kind: 'note', text: 'done' } });
    expect(note.d.seq).toBeGreaterThan(resolved.d.seq);
    expect(note.d.state).toEqual(resolved.d.state);
    const ev = (await sam.client.next('event')) as Ev;
    expect(ev.seq).toBe(note.d.seq);
    // The state's seq is still the resolve's (a note does not change the state).
    const reg = await request<TeamRegistered>(sam.client, 'team.register', { conversations: [{ key: k }] });
    expect(reg.d.conversations[0]).toMatchObject({ seq: resolved.d.seq, state: { status: 'resolved' } });
    // Every kind of action folds the same way on the hub as foldTeamAction says.
    const until = Date.now() + 3_600_000;
    expect((await change(sam.client, { key: k, action: { kind: 'snooze', until } })).d.state).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    expect((await change(sam.client, { key: k, action: { kind: 'priority', priority: 'urgent' } })).d.state.priority).toBe('urgent');
    expect((await change(sam.client, { key: k, action: { kind: 'pending' } })).d.state).toMatchObject({ status: 'pending', snoozedUntil: null });
    expect((await change(sam.client, { key: k, action: { kind: 'tag', add: ['b', 'a'], remove: [] } })).d.state.tags).toEqual(['a', 'b']);
    expect((await change(sam.client, { key: k, action: { kind: 'tag', add: [], remove: ['a'] } })).d.state.tags).toEqual(['b']);
    expect((await change(sam.client, { key: k, action: { kind: 'reopen' } })).d.state.status).toBe('open');
  });

  it('team events go to agents only: never to a visitor, live, on resume or in history', async () => {
    const v = await visitor(t.relay.url, { name: 'Vic' });
    clients.push(v.client);
    v.client.send({ t: 'send', id: key(), d: { body: 'hello' } });
    const sent = (await nextD<{ seq: number }>(v.client, 'sent'));
    await v.client.next('event');
    const sam = await join(samToken);
    const conversation = v.welcome.conversation as number;
    const ok = await change(sam.client, { key: `chat:${conversation}`, action: { kind: 'note', text: 'secret note about Vic' } });
    await change(sam.client, { key: `chat:${conversation}`, action: { kind: 'tag', add: ['vip'], remove: [] } });
    await v.client.none('event', 300);
    // History: the visitor's own conversation only, no team event.
    v.client.send({ t: 'history', id: 'h', d: {} });
    const h = await nextD<{ events: Array<{ d: { kind: string } }> }>(v.client, 'history');
    expect(h.events.map((e) => e.d.kind)).toEqual(['message']);
    // Resume from before the team events: replay has none of them.
    v.client.close();
    const back = await visitor(t.relay.url, { token: v.welcome.token, resume: { afterSeq: sent.seq - 1 } });
    clients.push(back.client);
    expect(back.before.map((f) => (f.d as { kind: string }).kind)).toEqual(['message']);
    expect(JSON.stringify(back.before)).not.toContain('secret');
    // Naming conversation 0 (where team events are stored) is not allowed either.
    back.client.send({ t: 'history', id: 'h0', d: { conversation: 0 } });
    expect((await back.client.next('error')).d).toMatchObject({ code: 'bad_frame' });
    await back.client.none('history', 200);
    // Agents: in history (all conversations), stored with conversation 0, and on resume.
    sam.client.send({ t: 'history', id: 'ha', d: {} });
    const ha = await nextD<{ events: Ev[] }>(sam.client, 'history');
    const team = ha.events.filter((e) => e.d.kind === 'team.change');
    expect(team.map((e) => e.seq)).toContain(ok.d.seq);
    expect(team.every((e) => e.d.conversation === 0)).toBe(true);
    const resumed = await agent(t.relay, { name: 'S', resume: { epoch: t.relay.epoch, afterSeq: ok.d.seq - 1 } }, { token: samToken });
    clients.push(resumed.client);
    expect(resumed.before.map((f) => (f as Ev).d.kind)).toEqual(['team.change', 'team.change']);
  });

  it('refuses team frames from visitors (forbidden) and bad team frames (bad_frame), keeping the connection', async () => {
    const v = await visitor(t.relay.url);
    clients.push(v.client);
    for (const tt of ['team.register', 'team.change', 'activity']) {
      v.client.send({ t: tt, id: 'x', d: { key: 'chat:never', action: { kind: 'resolve' }, conversations: [{ key: 'chat:never' }], conversation: null, replying: false } });
      expect((await v.client.next('error')).d).toMatchObject({ code: 'forbidden' });
    }
    const sam = await join(samToken);
    const bad = async (frame: unknown, pattern: RegExp) => {
      sam.client.send(frame);
      const e = await sam.client.next<{ code: string; message: string }>('error');
      expect(e.d?.code, JSON.stringify(frame).slice(0, 200)).toBe('bad_frame');
      expect(e.d?.message).toMatch(pattern);
    };
    const many = Array.from({ length: 501 }, (_, i) => ({ key: `chat:${i}` }));
    await bad({ t: 'team.register', id: 'r', d: { conversations: many } }, /at most 500/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: [] } }, /conversations/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: 'chat:never' } }, /conversations/);
    await bad({ t: 'team.register', d: { conversations: [{ key: 'chat:never' }] } }, /needs an "id"/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: [{ key: 'x'.repeat(513) }] } }, /longer than 512/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: [{ key: 'chat:never\u0000' }] } }, /control/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: [{ key: 'chat:never', state: { status: 'gone' } }] } }, /status/);
    await bad({ t: 'team.register', id: 'r', d: { conversations: [{ key: 'chat:never', state: { ...OPEN, tags: ['two words'] } }] } }, /tag/);
    await bad({ t: 'team.change', d: { key: 'chat:never', action: { kind: 'resolve' } } }, /needs an "id"/);
    await bad({ t: 'team.change', id: 'x'.repeat(129), d: { key: 'chat:never', action: { kind: 'resolve' } } }, /optional string "id"/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never' } }, /action/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'explode' } } }, /not an action/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'constructor' } } }, /not an action/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'snooze', until: 'soon' } } }, /until/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'priority', priority: 'meh' } } }, /priority/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'note', text: '  ' } } }, /text/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'note', text: 'x'.repeat(20_001) } } }, /longer/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'tag', add: [], remove: [] } } }, /no tag/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'assign', to: 5 } } }, /to/);
    await bad({ t: 'team.change', id: 'c', d: { key: 'chat:never', action: { kind: 'assign', to: 'x' }, claim: true } }, /claim/);
    await bad({ t: 'team.change', id: 'c', d: { key: 12, action: { kind: 'resolve' } } }, /key/);
    await bad({ t: 'activity', d: { conversation: -1, replying: false } }, /conversation/);
    await bad({ t: 'activity', d: { conversation: 3 } }, /replying/);
    // Still connected, and none of it was committed.
    sam.client.send({ t: 'ping', id: 'p' });
    expect((await sam.client.next('pong')).id).toBe('p');
    const reg = await request<TeamRegistered>(sam.client, 'team.register', { conversations: [{ key: 'chat:never' }] });
    expect(reg.d?.conversations[0]?.seq).toBe(0);
  });
});

describe('relay: alone (no agent added)', () => {
  it('welcomes the owner with team:false and no roster; adding the first agent asks it to reconnect into the team', async () => {
    const t = await startTestRelay();
    try {
      const a = await agent(t.relay, { name: 'Dana' });
      expect(a.welcome).toMatchObject({ agent: 'owner', team: false });
      await a.client.none('roster', 300);
      const { registry, close } = openAgentRegistry(t.dbPath);
      registry.add('sam', Date.now());
      close();
      expect(await a.client.waitClose(2000)).toMatchObject({ code: 1012 });
      const again = await agent(t.relay, { name: 'Dana', resume: { epoch: a.welcome.epoch, afterSeq: a.welcome.lastSeq } });
      expect(again.welcome).toMatchObject({ agent: 'owner', team: true, resumed: true });
      const roster = await again.client.next<{ agents: Array<{ agent: string; online: boolean }> }>('roster');
      expect(roster.d?.agents.map((x) => [x.agent, x.online])).toEqual([['owner', true], ['sam', false]]);
      again.client.close();
    } finally {
      await t.dispose();
    }
  });
});

describe('relay: team state across a restart', () => {
  it('keeps numbers, states and the answers to change keys', async () => {
    const t = await startTestRelay();
    try {
      const { registry, close } = openAgentRegistry(t.dbPath);
      const samToken = registry.add('sam', Date.now());
      close();
      const sam = await agent(t.relay, { name: 'Sam' }, { token: samToken });
      sam.client.send({ t: 'team.register', id: 'r1', d: { conversations: [{ key: 'chat:a' }, { key: 'chat:b' }] } });
      await sam.client.next('team.registered');
      sam.client.send({ t: 'team.change', id: 'k1', d: { key: 'chat:b', action: { kind: 'assign', to: 'sam' }, claim: { take: false } } });
      const first = await sam.client.next<TeamChangeOk>('ok');
      await t.relay.close();
      await sam.client.waitClose();
      await t.restart();
      const again = await agent(t.relay, { name: 'Sam' }, { token: samToken });
      expect(again.welcome).toMatchObject({ agent: 'sam', team: true });
      again.client.send({ t: 'team.change', id: 'k1', d: { key: 'chat:b', action: { kind: 'assign', to: 'sam' }, claim: { take: false } } });
      expect((await again.client.next<TeamChangeOk>('ok')).d).toEqual(first.d);
      again.client.send({ t: 'team.register', id: 'r2', d: { conversations: [{ key: 'chat:b' }, { key: 'chat:c' }] } });
      const reg = await nextD<TeamRegistered>(again.client, 'team.registered');
      expect(reg.conversations.map((c) => [c.key, c.number, c.state.assignee, c.seq])).toEqual([
        ['chat:b', 2, 'sam', first.d?.seq],
        ['chat:c', 3, null, 0],
      ]);
      again.client.close();
    } finally {
      await t.dispose();
    }
  });
});
