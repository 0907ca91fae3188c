// Local hooks: a shell command per event type gets the event as JSON on stdin; a hook that fails or
// hangs is logged and killed, and attend keeps going.
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incomingEmail } from '../helpers/fixtures.js';
import { HookRunner } from '../../src/app/automation/hook-runner.js';
import { hookTable, hooksFor, runHook } from '../../src/app/automation/hooks.js';
import { openSettings, type Settings } from '../../src/config/settings.js';
import { assign, setStatus } from '../../src/store/conversations.js';
import { type Db, openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'attend-hooks-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runHook', () => {
  it('gives the hook the event on stdin', async () => {
    const out = path.join(tmp(), 'got.json');
    const o = await runHook({ command: `cat > '${out}'`, timeoutMs: 5000 }, '{"type":"x"}\n', process.env);
    expect(o).toMatchObject({ ok: true, code: 0, timedOut: false });
    expect(readFileSync(out, 'utf8')).toBe('{"type":"x"}\n');
  });

  it('reports a failure with the end of stderr, and a hook that ignores stdin is fine', async () => {
    const o = await runHook({ command: 'echo nope >&2; exit 3', timeoutMs: 5000 }, 'x'.repeat(1 << 20), process.env);
    expect(o).toMatchObject({ ok: false, code: 3, timedOut: false });
    expect(o.stderr).toBe('nope\n');
  });

  it('kills a hook that hangs, with whatever it started', async () => {
    const marker = path.join(tmp(), 'late');
    const started = Date.now();
    const o = await runHook({ command: `(sleep 1; touch '${marker}') & sleep 30`, timeoutMs: 200 }, '', process.env);
    expect(o).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 1300));
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the hooks setting', () => {
  it('maps event types (and "*") to commands with a timeout', () => {
    const t = hookTable({ 'message.received': 'a', 'sla.breached': { command: 'b', timeoutSeconds: 2 }, '*': 'c', 'conversation.status': '' });
    expect(hooksFor(t, 'message.received')).toEqual([
      { command: 'a', timeoutMs: 10_000 },
      { command: 'c', timeoutMs: 10_000 },
    ]);
    expect(hooksFor(t, 'sla.breached')[0]).toEqual({ command: 'b', timeoutMs: 2000 });
    expect(hooksFor(t, 'conversation.status')).toEqual([{ command: 'c', timeoutMs: 10_000 }]);
  });

  it('is schema-checked: an unknown event name is an error, not a hook that never runs', () => {
    const home = tmp();
    const file = path.join(home, 'config.json');
    writeFileSync(file, JSON.stringify({ accounts: [], hooks: { 'message.received': 'true', '*': { command: 'true', timeoutSeconds: 5 } } }));
    expect(openSettings({ ATTEND_HOME: home }).get('hooks')).toMatchObject({ 'message.received': 'true' });
    writeFileSync(file, JSON.stringify({ accounts: [], hooks: { 'message.recieved': 'true' } }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(() => openSettings({ ATTEND_HOME: home })).toThrow(/schema violation/);
  });
});

describe('HookRunner', () => {
  const ME = 'support@shop.test';
  function store(): { db: Db; id: number } {
    const db = openDb(path.join(tmp(), 'attend.db'));
    const r = db.transaction(() =>
      ingestEmail(
        db,
        incomingEmail({ messageId: 'm1@cust', text: 'Where is my order?', size: 1, fingerprint: 'f1' }),
        ME,
        1000,
      ),
    )();
    return { db, id: r.conversationId };
  }
  const settingsOf = (hooks: unknown) => ({ get: (k: string) => (k === 'hooks' ? hooks : undefined) }) as unknown as Settings;

  it('runs the hook of each new event once; failing and hanging hooks are logged and attend keeps going', async () => {
    const { db, id } = store();
    const dir = tmp();
    const got = path.join(dir, 'assigned.ndjson');
    const log: string[] = [];
    const hooks = {
      'conversation.assigned': `cat >> '${got}'`,
      'conversation.status': 'echo "cannot reach chat" >&2; exit 1',
      'conversation.reopened': { command: 'sleep 30', timeoutSeconds: 0.3 },
    };
    const runner = new HookRunner({ db, log: (l) => log.push(l), settings: settingsOf(hooks) }, { pollMs: 20 });
    runner.start(); // starts at the end of the log: the old message.received runs nothing
    setStatus(db, id, 'resolved', 2000);
    setStatus(db, id, 'open', 3000);
    assign(db, id, 'dana', 4000);
    await until(() => existsSync(got) && readFileSync(got, 'utf8').endsWith('\n'));
    await until(() => log.length >= 2);
    assign(db, id, 'eve', 5000);
    await until(() => readFileSync(got, 'utf8').split('\n').length === 3);
    await runner.close();
    const lines = readFileSync(got, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.type, e.assignee, e.conversation.id, e.conversation.customer.email])).toEqual([
      ['conversation.assigned', 'dana', id, 'ann@cust.test'],
      ['conversation.assigned', 'eve', id, 'ann@cust.test'],
    ]);
    expect(log.sort()).toEqual([
      expect.stringMatching(/^hook for conversation\.reopened \(seq \d+\) failed: timed out after 0\.3s$/),
      expect.stringMatching(/^hook for conversation\.status \(seq \d+\) failed: exit 1: cannot reach chat$/),
    ]);
    // A second runner on the same store (another process) finds nothing left to run.
    const again = new HookRunner({ db, log: (l) => log.push(l), settings: settingsOf(hooks) });
    again.tick();
    await again.close();
    expect(readFileSync(got, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('tells the hook the event type, seq and conversation in the environment', async () => {
    const { db, id } = store();
    const got = path.join(tmp(), 'env');
    const runner = new HookRunner(
      { db, log: () => {}, settings: settingsOf({ '*': `echo "$ATTEND_EVENT $ATTEND_CONVERSATION_ID $ATTEND_EVENT_SEQ" > '${got}'` }) },
      { pollMs: 20 },
    );
    runner.start();
    assign(db, id, 'dana', 2000);
    await until(() => existsSync(got) && readFileSync(got, 'utf8').endsWith('\n'));
    await runner.close();
    expect(readFileSync(got, 'utf8')).toMatch(new RegExp(`^conversation\\.assigned ${id} \\d+\\n$`));
  });
});
