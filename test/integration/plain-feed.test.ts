// `attend --plain` (the console without a terminal): one line per new customer message, each with
// that message's own text — three quick messages are three different lines.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, makeCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { key, visitor } from '../helpers/relay.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

describe('attend --plain', () => {
  it('prints each message, not the conversation\'s latest one three times', async () => {
    const port = await freePort();
    const cli = makeCli({ ATTEND_RELAY_PORT: String(port) });
    stops.push(() => cli.cleanup());
    const p = spawn(process.execPath, [BIN, '--plain'], { env: { ...cli.env, ATTEND_RELAY_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    stops.push(() => p.kill('SIGKILL'));
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const until = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`never saw ${what}; stdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => err.includes('waiting for customers'), 'the feed start');
    const { client } = await visitor(`http://127.0.0.1:${port}`, { name: 'Vera' });
    stops.push(() => client.close());
    for (const body of ['first question', 'second question', 'third question']) client.send({ t: 'send', id: key('v'), d: { body } });
    for (let i = 0; i < 3; i++) await client.next('sent');
    await until(() => out.split('\n').filter((l) => l.includes('Vera:')).length >= 3, 'three lines');
    const lines = out.split('\n').filter((l) => l.includes('Vera:'));
    expect(lines.map((l) => l.replace(/^#\d+ chat {2}Vera: /, ''))).toEqual(['first question', 'second question', 'third question']);
  });
});
