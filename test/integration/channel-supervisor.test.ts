// Every long-running process runs its channels through one supervisor (app/channels/supervisor.ts).
// Two behaviours that the separate copies had only in the console now hold everywhere:
// `attend --plain` (the console without a terminal) records channel states and runs the hooks, and
// `sync --watch` starts an account added while it runs, and stops one removed.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, makeCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { key, startTestRelay, visitor } from '../helpers/relay.js';

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

function follow(p: ChildProcessWithoutNullStreams) {
  const o = { out: '', err: '' };
  p.stdout.setEncoding('utf8').on('data', (d) => (o.out += d));
  p.stderr.setEncoding('utf8').on('data', (d) => (o.err += d));
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}; stdout:\n${o.out}\nstderr:\n${o.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { o, until };
}

describe('one channel supervisor', () => {
  it('attend --plain records channel states and runs the hooks, as the console does', async () => {
    const port = await freePort();
    const cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    stops.push(() => cli.cleanup());
    const hookFile = path.join(cli.home, 'hook.ndjson');
    writeFileSync(path.join(cli.home, 'config.json'), JSON.stringify({ hooks: { '*': `cat >> '${hookFile}'; echo >> '${hookFile}'` } }));
    const p = spawn(process.execPath, [BIN, '--plain'], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
    stops.push(() => p.kill('SIGKILL'));
    const { o, until } = follow(p);
    const hookTypes = () => (existsSync(hookFile) ? readFileSync(hookFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { type: string }).type) : []);

    await until('the feed start', () => o.err.includes('waiting for customers'));
    await until('channel.connected through the hooks', () => hookTypes().includes('channel.connected'));
    const { client } = await visitor(`http://127.0.0.1:${port}`, { name: 'Vera' });
    stops.push(() => client.close());
    client.send({ t: 'send', id: key('v'), d: { body: 'is anyone there?' } });
    await until('the feed line', () => o.out.includes('Vera: is anyone there?'));
    await until('message.received through the hooks', () => hookTypes().includes('message.received'));

    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Stopping is recorded, and that too reaches the hooks before the process exits.
    expect(hookTypes()).toContain('channel.disconnected');
  });

  it('sync --watch starts an account added while it runs, and stops one removed', async () => {
    const relay = await startTestRelay();
    stops.push(() => relay.dispose());
    const cli = makeCli({ ATTEND_TEST_TOKEN: relay.relay.agentToken });
    stops.push(() => cli.cleanup());
    const url = `ws://127.0.0.1:${relay.relay.port}`;
    const first = await cli.run(['account', 'add', 'chat', 'one', '--url', url, '--token-env', 'ATTEND_TEST_TOKEN']);
    expect(first.code, first.stderr).toBe(0);
    const q = spawn(process.execPath, [BIN, 'sync', '--watch', '--json'], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
    stops.push(() => q.kill('SIGKILL'));
    const w = follow(q);
    const { client } = await visitor(relay.relay.url, { name: 'Vera' });
    stops.push(() => client.close());
    client.send({ t: 'send', id: key('v'), d: { body: 'hello' } });
    await w.until('activity on the first account', () => w.o.out.includes('"account":"one"'));

    const second = await cli.run(['account', 'add', 'chat', 'two', '--url', url, '--token-env', 'ATTEND_TEST_TOKEN']);
    expect(second.code, second.stderr).toBe(0);
    await w.until('the new account started', () => w.o.err.includes('account two added: connecting'));
    client.send({ t: 'send', id: key('v'), d: { body: 'hello again' } });
    await w.until('activity on the new account', () => w.o.out.includes('"account":"two"'));

    const removed = await cli.run(['account', 'remove', 'two']);
    expect(removed.code, removed.stderr).toBe(0);
    await w.until('the removed account stopped', () => w.o.err.includes('account two removed: stopped'));
  });
});
