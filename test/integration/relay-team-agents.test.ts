// A team's agents: `attend relay agent add|list|remove` (the built binary) beside a running relay
// process, tokens per agent, removal closing sockets 4401 at once and refusing the token, and who
// is online doing what (roster, activity, online:false). Needs `npm run build` first.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentActivity, Roster } from '../../src/protocol/frames.js';
import { openAgentRegistry } from '../../src/relay/agent-registry.js';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { agent, type Client, refusedStatus, startTestRelay, type TestRelay } from '../helpers/relay.js';
import { check } from '../helpers/schemas.js';

/** The `d` of the next frame of type `t` (which the frame's type leaves optional). */
const nextD = async <D>(c: Client, t: string): Promise<D> => (await c.next<D>(t)).d as D;

describe('attend relay agent … with a running relay process', () => {
  let cli: Cli;
  let relay: ChildProcess;
  let url: string;
  let ownerToken: string;
  let stderr = '';

  beforeAll(async () => {
    cli = makeCli();
    relay = spawn(process.execPath, [BIN, 'relay', '--port', '0'], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    relay.stderr?.setEncoding('utf8').on('data', (d) => (stderr += d));
    for (let i = 0; i < 400 && !/widget: +http/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
    url = /widget: +(http:\/\/\S+)\/widget\.js/.exec(stderr)?.[1] as string;
    expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    ownerToken = (await cli.run(['relay', 'token'])).stdout.trim();
  });
  afterAll(() => {
    relay?.kill('SIGKILL');
    cli?.cleanup();
  });

  const connectAs = (token: string, name = 'Someone') => agent({ url, port: 0, agentToken: token, epoch: '', close: async () => {} }, { name });

  it('adds agents (token printed once, 43 characters), lists them, refuses bad and taken names', async () => {
    const add = await cli.run(['relay', 'agent', 'add', 'sam']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout.trim()).toMatch(/^[\w-]{43}$/);
    expect(add.stderr).toMatch(/added agent sam/);
    const taken = await cli.run(['relay', 'agent', 'add', 'SAM']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/exists/);
    for (const name of ['owner', 'me', 'none', 'Any', 'two words', '-dash', 'x'.repeat(33), 'sam;rm']) {
      const r = await cli.run(['relay', 'agent', 'add', name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
    }
    const list = await cli.json<Array<{ name: string; created: string | null }>>(['relay', 'agent', 'list']);
    check('relay-agent-list', list);
    expect(list.map((a) => a.name)).toEqual(['owner', 'sam']);
    expect(list[0]?.created).toBeNull();
    expect(Date.parse(list[1]?.created as string)).toBeGreaterThan(Date.now() - 60_000);
    const text = await cli.run(['relay', 'agent', 'list']);
    expect(text.stdout).toMatch(/^owner\t.*\nsam\t\d{4}-/);
    // Only the hash is stored: the token itself is nowhere in relay.db.
    const { registry, close } = openAgentRegistry(`${cli.home}/relay.db`);
    try {
      expect([...registry.hashes().values()][0]).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      close();
    }
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${cli.home}/relay.db`).includes(Buffer.from(add.stdout.trim()))).toBe(false);
    const missing = await cli.run(['relay', 'agent', 'remove', 'nobody']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no agent nobody/);
    expect((await cli.run(['relay', 'agent', 'remove', 'owner'])).code).toBe(2);
  });

  it('a new agent connects at once with its token; removal closes its sockets 4401 within a second and refuses it', async () => {
    const kimToken = (await cli.run(['relay', 'agent', 'add', 'kim'])).stdout.trim();
    // No wait: the upgrade looks the token up in relay.db.
    const kim = await connectAs(kimToken, 'Kim K');
    expect(kim.welcome).toMatchObject({ agent: 'kim', team: true });
    const kim2 = await connectAs(kimToken, 'Kim on the laptop');
    const owner = await connectAs(ownerToken, 'Dana');
    expect(owner.welcome).toMatchObject({ agent: 'owner', team: true });
    const started = Date.now();
    const removed = await cli.run(['relay', 'agent', 'remove', 'kim']);
    expect(removed.code, removed.stderr).toBe(0);
    const removedAt = Date.now();
    const [c1, c2] = await Promise.all([kim.client.waitClose(3000), kim2.client.waitClose(3000)]);
    expect(c1.code).toBe(4401);
    expect(c2.code).toBe(4401);
    expect(Date.now() - removedAt, `closed ${Date.now() - started} ms after the remove started`).toBeLessThan(1000);
    expect(await refusedStatus(url, '/ws/agent', { token: kimToken })).toBe(401);
    // The others stay, and hear that kim is gone.
    const gone = await nextActivity(owner.client, 'kim');
    expect(gone).toMatchObject({ online: false });
    owner.client.send({ t: 'ping', id: 'p' });
    expect((await owner.client.next('pong')).id).toBe('p');
    // Added again under the same name: a new token; the old one stays refused.
    const fresh = (await cli.run(['relay', 'agent', 'add', 'kim'])).stdout.trim();
    expect(fresh).not.toBe(kimToken);
    expect(await refusedStatus(url, '/ws/agent', { token: kimToken })).toBe(401);
    expect((await connectAs(fresh)).welcome).toMatchObject({ agent: 'kim' });
    owner.client.close();
    expect(stderr).toMatch(/agent kim was removed/);
  });
});

/** The next `activity` about `who` (others are skipped). */
async function nextActivity(c: Client, who: string): Promise<AgentActivity> {
  for (;;) {
    const d = await nextD<AgentActivity>(c, 'activity');
    if (d.agent === who) return d;
  }
}

describe('relay: roster and activity', () => {
  let t: TestRelay;
  let samToken: string;
  let kimToken: string;
  beforeAll(async () => {
    t = await startTestRelay({ agentWatchMs: 50 });
    const { registry, close } = openAgentRegistry(t.dbPath);
    samToken = registry.add('sam', Date.now());
    kimToken = registry.add('kim', Date.now());
    close();
    // Let the relay notice these two (it tells connected agents of new ones) before anyone connects.
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(() => t.dispose());

  it('after welcome: every agent with online and activity; then activity to the others, and online:false when the last socket goes', async () => {
    const before = Date.now();
    const sam = await agent(t.relay, { name: 'Sam' }, { token: samToken });
    const roster = (await nextD<Roster>(sam.client, 'roster'));
    expect(roster.agents).toEqual([
      { agent: 'owner', online: false, conversation: null, replying: false, since: 0 },
      { agent: 'kim', online: false, conversation: null, replying: false, since: 0 },
      { agent: 'sam', online: true, conversation: null, replying: false, since: expect.any(Number) },
    ]);
    expect(roster.agents[2]?.since).toBeGreaterThanOrEqual(before);

    const kim = await agent(t.relay, { name: 'Kim' }, { token: kimToken });
    const kimRoster = (await nextD<Roster>(kim.client, 'roster'));
    expect(kimRoster.agents.find((a) => a.agent === 'sam')).toMatchObject({ online: true });
    expect(await nextActivity(sam.client, 'kim')).toMatchObject({ online: true, conversation: null, replying: false });

    // kim looks at #4, then replies: sam hears both; kim never hears itself.
    kim.client.send({ t: 'activity', d: { conversation: 4, replying: false } });
    expect(await nextActivity(sam.client, 'kim')).toMatchObject({ online: true, conversation: 4, replying: false });
    kim.client.send({ t: 'activity', d: { conversation: 4, replying: true } });
    const replying = await nextActivity(sam.client, 'kim');
    expect(replying).toMatchObject({ conversation: 4, replying: true });
    expect(replying.since).toBeGreaterThanOrEqual(before);
    await kim.client.none('activity', 200);
    // The same report again is no news.
    kim.client.send({ t: 'activity', d: { conversation: 4, replying: true } });
    await sam.client.none('activity', 250);

    // A burst is thinned, but the last word arrives.
    for (let i = 1; i <= 50; i++) kim.client.send({ t: 'activity', d: { conversation: i, replying: false } });
    let last: AgentActivity | undefined;
    let heard = 0;
    while (last?.conversation !== 50) {
      last = await nextActivity(sam.client, 'kim');
      heard++;
    }
    expect(heard).toBeLessThan(10);

    // A second socket of kim's (a CLI command) coming and going changes nothing for the others.
    const kimCli = await agent(t.relay, { name: 'Kim' }, { token: kimToken });
    await kimCli.client.next('roster');
    kimCli.client.close();
    await kimCli.client.waitClose();
    await sam.client.none('activity', 300);

    // A new roster tells a late joiner what kim is doing.
    const owner = await agent(t.relay, { name: 'Dana' });
    const ownerRoster = (await nextD<Roster>(owner.client, 'roster'));
    expect(ownerRoster.agents.find((a) => a.agent === 'kim')).toMatchObject({ online: true, conversation: 50, replying: false });
    expect(ownerRoster.agents.find((a) => a.agent === 'owner')).toMatchObject({ online: true });

    // kim's last socket closes: the others hear online:false.
    kim.client.close();
    expect(await nextActivity(sam.client, 'kim')).toMatchObject({ online: false, conversation: null, replying: false });
    expect(await nextActivity(owner.client, 'kim')).toMatchObject({ online: false });

    // An agent added while the others are connected shows up in their lists (offline).
    const { registry, close } = openAgentRegistry(t.dbPath);
    registry.add('lee', Date.now());
    close();
    expect(await nextActivity(sam.client, 'lee')).toMatchObject({ online: false });
    sam.client.close();
    owner.client.close();
  });

  it('refuses activity that is not a team number or says nothing of replying', async () => {
    const sam = await agent(t.relay, { name: 'Sam' }, { token: samToken });
    for (const d of [{ conversation: 0, replying: false }, { conversation: 1.5, replying: false }, { conversation: '3', replying: true }, { conversation: null, replying: 'yes' }]) {
      sam.client.send({ t: 'activity', d });
      expect((await sam.client.next('error')).d).toMatchObject({ code: 'bad_frame' });
    }
    sam.client.send({ t: 'activity', d: { conversation: null, replying: false } });
    await sam.client.none('error', 200);
    sam.client.close();
  });
});
