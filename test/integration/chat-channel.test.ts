// The console's chat channel through the built CLI: a real relay, a visitor over a real socket,
// `attend sync/list/show/reply/resolve` on the agent side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cli, makeCli } from '../helpers/cli.js';
import { follow, until } from '../helpers/follow.js';
import { freePort } from '../helpers/net.js';
import { type Client, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';

interface Item {
  id: number;
  channel: string;
  account: string;
  subject: string;
  status: string;
  messageCount: number;
  customer: { name: string; email: string | null; emailVerified: boolean };
  waitingSince: string | null;
}
interface Shown {
  conversation: Item;
  messages: Array<{ direction: string; text: string; deliveryState: string | null }>;
}

describe('chat channel from the CLI', () => {
  let t: TestRelay;
  let cli: Cli;
  let port: number;
  let v: Client;
  let visitorToken: string;
  /** The relay's log: an agent that completed its hello is logged `agent "NAME" connected`. */
  const relayLog: string[] = [];
  const agentConnects = () => relayLog.filter((l) => l.startsWith('agent "Dana" connected')).length;

  beforeAll(async () => {
    t = await startTestRelay({ log: (line) => relayLog.push(line) });
    port = t.relay.port;
    cli = makeCli({ ATTEND_TEST_TOKEN: t.relay.agentToken });
    const added = await cli.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${port}`, '--token-env', 'ATTEND_TEST_TOKEN', '--agent-name', 'Dana']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
  });
  afterAll(async () => {
    v?.close();
    await t?.dispose();
    cli?.cleanup();
  });

  /** The visitor's next event of this kind (its own messages come back as events too). */
  async function nextEvent<D extends { kind: string }>(kind: string, match: (d: D) => boolean = () => true): Promise<D> {
    for (;;) {
      const f = await v.next<D>('event');
      if (f.d?.kind === kind && match(f.d)) return f.d;
    }
  }
  const chats = () => cli.json<Item[]>(['list', '--channel', 'chat', '--status', 'all']);

  it('the first sync after adding an account counts the chat events it imports (account add stores nothing) — issue 12.11', async () => {
    const r = await startTestRelay();
    const other = makeCli({ ATTEND_TEST_TOKEN: r.relay.agentToken });
    try {
      for (let i = 0; i < 3; i++) {
        const h = await visitor(r.relay.url, { name: `Early ${i}` });
        h.client.send({ t: 'send', id: key('e'), d: { body: `before the account ${i}` } });
        await h.client.next('sent');
        h.client.close();
      }
      expect((await other.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${r.relay.port}`, '--token-env', 'ATTEND_TEST_TOKEN'])).code).toBe(0);
      expect(await other.json<unknown[]>(['list', '--status', 'all'])).toHaveLength(0);
      const s = await other.run(['sync']);
      const n = Number(/web: (\d+) new chat event/.exec(s.stdout)?.[1]);
      expect(n).toBeGreaterThanOrEqual(6); // 3 conversations opened, 3 messages
      expect(await other.json<unknown[]>(['list', '--status', 'all'])).toHaveLength(3);
    } finally {
      other.cleanup();
      await r.dispose();
    }
  });

  it('an unreachable relay is one error line from sync, not two (issue 12.11)', async () => {
    const other = makeCli({ ATTEND_TEST_TOKEN: 'x' });
    try {
      const closed = await freePort();
      expect((await other.run(['account', 'add', 'chat', 'gone', '--url', `ws://127.0.0.1:${closed}`, '--token-env', 'ATTEND_TEST_TOKEN', '--no-verify'])).code).toBe(0);
      const r = await other.run(['sync']);
      expect(r.code).toBe(1);
      expect(r.stderr.match(/cannot reach the relay/g)).toHaveLength(1);
    } finally {
      other.cleanup();
    }
  });

  it('a bad token is refused when the account is added', async () => {
    const other = makeCli({ ATTEND_TEST_TOKEN: 'nope' });
    try {
      const r = await other.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${port}`, '--token-env', 'ATTEND_TEST_TOKEN']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/account web: .*refused the agent token/);
      const insecure = await other.run(['account', 'add', 'chat', 'x', '--url', 'ws://chat.example.com', '--token-env', 'ATTEND_TEST_TOKEN']);
      expect(insecure.code).toBe(2);
    } finally {
      other.cleanup();
    }
  });

  it('a visitor message lands in the same list as email, with the address the visitor gave (unverified)', async () => {
    const h = await visitor(t.relay.url, { name: 'Vera', email: 'vera@example.test' });
    v = h.client;
    visitorToken = h.welcome.token as string;
    v.send({ t: 'send', id: key('v'), d: { body: 'Hi! Is the blue kettle in stock?' } });
    await v.next('sent');
    const r = await cli.json<Array<{ account: string; channel: string; ok: boolean }>>(['sync']);
    expect(r).toEqual([expect.objectContaining({ account: 'web', channel: 'chat', ok: true })]);
    const [c] = await chats();
    expect(c).toMatchObject({ channel: 'chat', account: 'web', status: 'open', messageCount: 1, customer: { name: 'Vera', email: 'vera@example.test', emailVerified: false } });
    expect(c?.waitingSince).not.toBeNull();
    // Syncing again stores nothing twice.
    await cli.run(['sync']);
    expect((await chats())[0]?.messageCount).toBe(1);
  });

  it('attend reply answers the visitor (exit 0 on sent), exactly once', async () => {
    const [c] = await chats();
    const r = await cli.run(['reply', String(c?.id), '--body', 'Yes, 4 left!', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'sent' });
    const ev = await nextEvent<{ kind: string; message: { body: string; from: string; author: string } }>('message', (d) => d.message.from === 'agent');
    expect(ev).toMatchObject({ kind: 'message', message: { body: 'Yes, 4 left!', from: 'agent', author: 'Dana' } });
    await cli.run(['sync']);
    const shown = await cli.json<Shown>(['show', String(c?.id)]);
    expect(shown.messages.map((m) => [m.direction, m.text, m.deliveryState])).toEqual([
      ['in', 'Hi! Is the blue kettle in stock?', null],
      ['out', 'Yes, 4 left!', 'sent'],
    ]);
    expect(shown.conversation.waitingSince).toBeNull();
  });

  it('with the relay down the reply is queued (exit 75); after a restart the next sync sends it once', async () => {
    const [c] = await chats();
    v.close();
    await t.relay.close();
    const r = await cli.run(['reply', String(c?.id), '--body', 'Shipping is free, too.', '--json']);
    expect(r.code).toBe(75);
    expect(JSON.parse(r.stdout).state).toBe('queued');
    await t.restart({ port });
    const s = await cli.json<Array<{ outbox: { sent: number } }>>(['sync']);
    expect(s[0]?.outbox.sent).toBe(1);
    await cli.json(['sync']);
    const h = await visitor(t.relay.url, { token: visitorToken });
    v = h.client;
    v.send({ t: 'history', id: key('h'), d: {} });
    const hist = await v.next<{ events: Array<{ d: { kind: string; message?: { body: string } } }> }>('history');
    const bodies = hist.d?.events.filter((e) => e.d.kind === 'message').map((e) => e.d.message?.body);
    expect(bodies).toEqual(['Hi! Is the blue kettle in stock?', 'Yes, 4 left!', 'Shipping is free, too.']);
    const shown = await cli.json<Shown>(['show', String(c?.id)]);
    expect(shown.messages).toHaveLength(3);
  });

  it('the watcher resumes after the relay restarts: messages sent meanwhile arrive, none twice', async () => {
    const connects = agentConnects();
    const watcher = follow(cli, ['sync', '--watch', '--account', 'web']);
    try {
      // Ready when the relay has welcomed it (live from then on), not after a guessed pause.
      await until('the watcher to connect to the relay', () => agentConnects() > connects, 15_000);
      v.send({ t: 'send', id: key('v'), d: { body: 'one' } });
      await v.next('sent');
      v.close();
      await t.relay.close();
      await t.restart({ port });
      const h = await visitor(t.relay.url, { token: visitorToken });
      v = h.client;
      for (const body of ['two', 'three']) {
        v.send({ t: 'send', id: key('v'), d: { body } });
        await v.next('sent');
      }
      const [c] = await chats();
      const deadline = Date.now() + 30_000; // reconnecting backs off (full jitter), more so under load
      let texts: string[] = [];
      while (Date.now() < deadline) {
        texts = (await cli.json<Shown>(['show', String(c?.id)])).messages.map((m) => m.text);
        if (texts.includes('three')) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(texts.slice(-3)).toEqual(['one', 'two', 'three']);
      expect(new Set(texts).size).toBe(texts.length);
    } finally {
      await watcher.stop();
    }
  });

  it('resolve tells the visitor; a new visitor message reopens the conversation', async () => {
    const [c] = await chats();
    const r = await cli.run(['resolve', String(c?.id)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const ev = await nextEvent<{ kind: string; status: string }>('conversation.status');
    expect(ev).toMatchObject({ kind: 'conversation.status', status: 'resolved' });
    v.send({ t: 'send', id: key('v'), d: { body: 'One more thing' } });
    await v.next('sent');
    await cli.run(['sync']);
    expect((await chats())[0]?.status).toBe('open');
  });
});
