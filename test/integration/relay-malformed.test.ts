// One malformed HTTP request must not end the relay — neither `attend relay` nor the console that
// runs it built in (issue 12, item 1). A path the URL parser rejects (`GET //[ HTTP/1.1`) used to
// throw out of the request and upgrade handlers and exit the process. The relay runs as the built
// CLI in its own process, so "the process exited" is something the test can see; requests go over
// bare TCP so the malformed request line reaches the server unchanged. Needs `npm run build`.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { fuzzRequests, type RawAnswer, rawHttp, rawRequest, upgradeHeaders } from '../helpers/raw-http.js';
import { visitor } from '../helpers/relay.js';

interface RunningRelay {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Null while the process runs; its exit code or signal once it has ended. */
  ended(): string | null;
  stop(): Promise<void>;
}

/** `attend relay --port 0`, or `attend --plain` (the console's feed, with its built-in relay). */
async function launch(cli: Cli, kind: 'relay' | 'console'): Promise<RunningRelay> {
  const relayPort = kind === 'console' ? await freePort() : 0;
  const args = kind === 'relay' ? ['relay', '--port', '0'] : ['--plain'];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...cli.env, ATTEND_RELAY_PORT: String(relayPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let ended: string | null = null;
  child.stdout?.setEncoding('utf8').on('data', (d) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      ended = `exit ${code ?? signal}`;
      resolve();
    }),
  );
  const ready = kind === 'relay' ? /widget: +(http:\/\/\S+)\/widget\.js/ : /chat relay on (http:\/\/\S+) /;
  for (let i = 0; i < 200 && !ready.test(output) && ended === null; i++) await new Promise((r) => setTimeout(r, 50));
  const url = ready.exec(output)?.[1];
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`attend ${args.join(' ')} did not start a relay: ${ended ?? 'still running'}\n${output}`);
  }
  return {
    url,
    port: Number(new URL(url).port),
    child,
    output: () => output,
    ended: () => ended,
    async stop() {
      if (ended === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The relay still serves: its process runs, /healthz answers, and a visitor gets a welcome. */
async function expectServing(r: RunningRelay): Promise<void> {
  expect(r.ended(), r.output()).toBeNull();
  const health = await rawRequest(r.port, rawHttp('GET', '/healthz', ['Connection: close']), { untilClose: true });
  expect(health.status, r.output()).toBe(200);
  expect(health.text.endsWith('ok\n')).toBe(true);
  const v = await visitor(r.url, { name: 'After' });
  expect(v.welcome.conversation).toBeGreaterThan(0);
  v.client.close();
}

const UNPARSABLE_PATHS = ['//[', '//%zz', '//a:b@[::1'];

describe.each(['relay', 'console'] as const)('malformed requests against `attend %s`', (kind) => {
  let cli: Cli;
  let relay: RunningRelay;
  beforeAll(() => {
    cli = makeCli();
  });
  afterAll(() => cli.cleanup());
  // A fresh process per test: each shows on its own whether the process survives.
  beforeEach(async () => {
    relay = await launch(cli, kind);
  });
  afterEach(async () => {
    await relay?.stop();
  });

  it('a path the URL parser rejects gets 400, as GET and as a WebSocket upgrade, and the relay keeps serving', async () => {
    for (const target of UNPARSABLE_PATHS) {
      const get = await rawRequest(relay.port, rawHttp('GET', target, []));
      expect(get.status, `GET ${target}: ${JSON.stringify(get)}\n${relay.output()}`).toBe(400);
      // A refused upgrade answers on the raw socket and closes it.
      const up = await rawRequest(relay.port, rawHttp('GET', target, upgradeHeaders()), { untilClose: true });
      expect(up.status, `upgrade ${target}: ${JSON.stringify(up)}\n${relay.output()}`).toBe(400);
      expect(up.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(up.closed, `upgrade ${target} left the connection open`).toBe(true);
      expect(relay.ended(), relay.output()).toBeNull();
    }
    await expectServing(relay);
    expect(relay.output()).not.toMatch(/Invalid URL|unexpected error/);
  });

  it('a request Node cannot parse gets a 4xx and its connection closed', async () => {
    const answers: RawAnswer[] = [
      await rawRequest(relay.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n', { untilClose: true }),
      await rawRequest(relay.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', { untilClose: true }),
      await rawRequest(relay.port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, { untilClose: true }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 431]);
    for (const a of answers) expect(a.closed).toBe(true);
    await expectServing(relay);
  });

  it('survives a fuzz run over paths, methods and headers (400 requests, fixed seed)', async () => {
    const cases = fuzzRequests(kind === 'relay' ? 12 : 1201, 400);
    const statuses = new Map<number | null, number>();
    const hung: string[] = [];
    const failed: string[] = [];
    let next = 0;
    const started = Date.now();
    // A few connections at a time: enough to interleave, not enough to look like a flood.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < cases.length && relay.ended() === null) {
          const c = cases[next++];
          if (!c) break;
          const a = await rawRequest(relay.port, c.bytes, { timeoutMs: 2000 });
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (a.hung) hung.push(c.label);
          if (a.status === 500) failed.push(`${c.label} -> ${a.text.slice(0, 200)}`);
        }
      }),
    );
    const summary = `${JSON.stringify([...statuses])} in ${Date.now() - started} ms`;
    expect(relay.ended(), `the relay process ended during the fuzz run (${summary})\n${relay.output()}`).toBeNull();
    expect(failed, summary).toEqual([]);
    expect(hung, summary).toEqual([]);
    // The run reached the parts that answer, not only the parser's refusals.
    for (const s of [101, 200, 400, 401, 404]) expect(statuses.get(s) ?? 0, summary).toBeGreaterThan(0);
    expect(relay.output()).not.toMatch(/unexpected error/);
    await expectServing(relay);
  });
});
