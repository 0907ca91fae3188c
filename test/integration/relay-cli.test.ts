// `attend relay` as shipped (the built binary): the agent token file, clean stop on SIGTERM,
// one-line errors. Needs `npm run build` first (npm test does it).
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { agent, visitor } from '../helpers/relay.js';

describe('attend relay (built binary)', () => {
  let cli: Cli;
  beforeAll(() => {
    cli = makeCli();
  });
  afterAll(() => cli.cleanup());

  it('`attend relay token` prints the same token every time, from a 0600 file', async () => {
    const first = await cli.run(['relay', 'token']);
    expect(first.code, first.stderr).toBe(0);
    const token = first.stdout.trim();
    expect(token).toMatch(/^[\w-]{43}$/); // 32 bytes, base64url
    const second = await cli.run(['relay', 'token']);
    expect(second.stdout.trim()).toBe(token);
    const file = path.join(cli.home, 'relay-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    // A loosened mode is tightened again.
    chmodSync(file, 0o644);
    expect((await cli.run(['relay', 'token'])).stdout.trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('runs until SIGTERM, serves chat with the printed token, and stops cleanly with 1001', async () => {
    const child = spawn(process.execPath, [BIN, 'relay', '--port', '0'], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !/<script src=/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /widget: +(http:\/\/\S+)\/widget\.js/.exec(stderr)?.[1] as string;
      expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stderr).toContain(`<script src="${url}/widget.js" async></script>`);
      expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
      const token = (await cli.run(['relay', 'token'])).stdout.trim();
      const a = await agent({ url, port: 0, agentToken: token, epoch: '', close: async () => {} });
      const v = await visitor(url);
      child.kill('SIGTERM');
      expect((await a.client.waitClose()).code).toBe(1001);
      expect((await v.client.waitClose()).code).toBe(1001);
      expect(await exited, stderr).toBe(0);
      expect(stderr).toContain('relay stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('names a data folder other users can read, and keeps relay.db private in it (issue 12.8)', async () => {
    chmodSync(cli.home, 0o755);
    const child = spawn(process.execPath, [BIN, 'relay', '--port', '0'], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    try {
      for (let i = 0; i < 200 && !/<script src=/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toMatch(/can be read by other users \(mode 755\).*chmod 700/);
      expect(statSync(path.join(cli.home, 'relay.db')).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGKILL');
      chmodSync(cli.home, 0o700);
    }
  });

  it('says so in one line when the port is in use, or the arguments are wrong', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await cli.run(['relay', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`attend: port ${port} is in use (another relay? pick one with --port)`);
    } finally {
      blocker.close();
    }
    const bad = await cli.run(['relay', '--port', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port must be a number/);
    const origin = await cli.run(['relay', '--port', '0', '--allowed-origin', 'shop.example']);
    expect(origin.code).toBe(2);
    expect(origin.stderr).toMatch(/--allowed-origin: not an origin: shop\.example/);
  });
});
