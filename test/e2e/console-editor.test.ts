// $EDITOR in team mode: the console lends the terminal to the editor but keeps running. Its
// connection to the hub answers the relay's pings (a teammate never sees it go offline or stop
// "replying"), chat that arrives meanwhile is stored, nothing is drawn over the editor, and the
// keys typed there are the editor's alone. The built binary in tmux against a real relay with a
// short heartbeat; the editor is a script that waits for the test.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import type { AgentActivity } from '../../src/protocol/frames.js';
import { openAgentRegistry } from '../../src/relay/agent-registry.js';
import { BIN, type Cli, makeCli } from '../helpers/cli.js';
import { requireTmux } from '../helpers/e2e.js';
import { agent, type Client, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';
import { startTmux, type TmuxSession } from '../helpers/tmux.js';

const describeE2E = requireTmux();
const HEARTBEAT_MS = 1000;
const REPLY = 'Written while the team kept seeing me.';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined). */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The editor: says it is open; once the test creates `read`, copies the line typed into its
 * terminal before (still in the tty's buffer unless someone else took it) to `typed`; waits
 * until the test creates `go`, then writes the reply above what the console put in the file and
 * exits — with status 1 instead when `fail` exists (the reply is kept as a draft).
 */
function editorScript(dir: string): string {
  const file = path.join(dir, 'editor.sh');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `d='${dir}'`,
      'echo "EDITING $1"',
      'touch "$d/opened"',
      'while [ ! -f "$d/read" ]; do sleep 0.1; done',
      'rm -f "$d/read"',
      'IFS= read -r line; printf "%s" "$line" > "$d/typed"',
      'while [ ! -f "$d/go" ]; do sleep 0.1; done',
      'rm -f "$d/go" "$d/opened"',
      `printf '${REPLY}\\n%s' "$(cat "$1")" > "$1"`,
      'if [ -f "$d/fail" ]; then exit 1; fi',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

describeE2E('the console with $EDITOR open, in a team', () => {
  let relay: TestRelay;
  let samToken: string;
  let kimToken: string;
  let tmp: string;
  const clis: Cli[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    relay = await startTestRelay({ heartbeatMs: HEARTBEAT_MS });
    const { registry, close } = openAgentRegistry(relay.dbPath);
    samToken = registry.add('sam', Date.now());
    kimToken = registry.add('kim', Date.now());
    close();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'attend-editor-'));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await relay?.dispose();
    for (const c of clis) c.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps answering the hub, storing chat and holding its frames while the editor runs; the keys are the editor’s', async () => {
    const cli = makeCli({ SAM_TOKEN: samToken });
    clis.push(cli);
    const added = await cli.run(['account', 'add', 'chat', 'website', '--url', relay.relay.url.replace(/^http/, 'ws'), '--token-env', 'SAM_TOKEN', '--agent-name', 'Sam', '--no-verify']);
    expect(added.code, added.stderr).toBe(0);

    // Kim, a teammate, watches what the hub says about sam.
    const kim = (await agent(relay.relay, { name: 'Kim' }, { token: kimToken })).client;
    sockets.push(kim);
    await kim.next('roster');
    const samSaid: AgentActivity[] = [];
    kim.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { t: string; d?: AgentActivity };
      if (f.t === 'activity' && f.d?.agent === 'sam') samSaid.push(f.d);
    });

    const t: TmuxSession = await startTmux({
      command: ['/bin/sh', '-c', '"$0" "$1"; s=$?; echo "[attend exited $s]"; read x; exit $s', process.execPath, BIN],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cli.home, ATTEND_HOME: cli.home, SAM_TOKEN: samToken, NO_COLOR: '1', EDITOR: editorScript(tmp) },
      width: 120, // the whole message line after a failed editor
    });
    onTestFinished(() => t.kill());
    await t.waitFor(/QUEUE \(\d+\) open/);
    await t.waitFor('● website online', 15_000);
    await until('sam online at the hub', () => samSaid.find((a) => a.online) ?? undefined);

    // A visitor's chat arrives; sam opens it and answers in $EDITOR (e).
    const vera = (await visitor(relay.relay.url, { name: 'Vera' })).client;
    sockets.push(vera);
    vera.send({ t: 'send', id: key('v'), d: { body: 'Is the blue kettle in stock?' } });
    await vera.next('sent');
    await t.waitFor('Vera');
    await t.sendKeys('g');
    await t.waitFor(/▸#\d+ /);
    const chatId = Number(/▸#(\d+) /.exec(await t.capture())?.[1]);
    await t.sendKeys('e');
    await until('the editor to open', () => (existsSync(path.join(tmp, 'opened')) ? true : undefined));
    let screen = await t.waitFor('EDITING');
    expect(await t.alternateOn()).toBe(false);
    const replying = await until('sam replying at the hub', () => samSaid.find((a) => a.replying) ?? undefined);
    expect(replying.online).toBe(true);

    // While it is open: a line typed in the editor's terminal is the editor's (the console reads no
    // keys, and cooked mode ends the line at Enter); the hub hears from sam; chat is stored.
    await t.type('no keys for the console q');
    await t.sendKeys('Enter');
    await sleep(500); // a console still reading its keyboard would take the line now
    writeFileSync(path.join(tmp, 'read'), '');
    await until('the editor to read its line', () => (existsSync(path.join(tmp, 'typed')) ? true : undefined), 5000);
    expect(readFileSync(path.join(tmp, 'typed'), 'utf8')).toBe('no keys for the console q');
    // Longer than two heartbeats: the hub would have cut a console that did not answer its pings.
    await sleep(3 * HEARTBEAT_MS + 500);
    expect(samSaid.filter((a) => !a.online)).toEqual([]);
    expect(samSaid.at(-1)).toMatchObject({ online: true, replying: true });
    vera.send({ t: 'send', id: key('v'), d: { body: 'Also: do you ship to Norway?' } });
    await vera.next('sent');
    const stored = await until(
      'the chat message stored while the editor is open',
      async () => {
        const r = await cli.run(['show', String(chatId), '--json']);
        return r.code === 0 && r.stdout.includes('ship to Norway') ? true : undefined;
      },
      10_000,
    );
    expect(stored).toBe(true);

    // Nothing of the console was drawn over the editor meanwhile (new chat, a ticking clock).
    screen = await t.capture();
    expect(screen).toContain('EDITING');
    expect(screen).not.toMatch(/QUEUE|Norway|online/);
    expect(await t.alternateOn()).toBe(false);

    // The editor is done: the reply goes out as ever, the console is back with its keys.
    writeFileSync(path.join(tmp, 'go'), '');
    await t.waitFor(/reply queued/);
    expect(await t.alternateOn()).toBe(true);
    for (;;) {
      const f = await vera.next<{ kind: string; message?: { from: string; body: string } }>('event', 10_000);
      if (f.d?.kind === 'message' && f.d.message?.from === 'agent') {
        expect(f.d.message.body).toBe(REPLY);
        break;
      }
    }
    await until('sam no longer replying', () => (samSaid.at(-1)?.replying === false ? true : undefined));
    expect(samSaid.filter((a) => !a.online)).toEqual([]);
    screen = await t.waitFor('ship to Norway');

    // An editor that fails: its text is kept as the draft, and the console is whole again.
    writeFileSync(path.join(tmp, 'fail'), '');
    await t.sendKeys('e');
    await t.waitFor('EDITING');
    await t.sendKeys('Enter');
    writeFileSync(path.join(tmp, 'read'), '');
    writeFileSync(path.join(tmp, 'go'), '');
    screen = await t.waitFor('kept as draft');
    expect(screen).toMatch(/exited with status 1; nothing was sent/);
    expect(await t.alternateOn()).toBe(true);
    await t.sendKeys('q');
    await t.waitFor('[attend exited 0]', 15_000);
    expect(await t.cursorVisible()).toBe(true);
  });
});
