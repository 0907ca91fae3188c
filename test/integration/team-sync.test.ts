// Team mode, the agents' side, against the real relay as the hub: two homes (two stores, two
// agents' tokens) on one relay. A change made in one lands in the other's store; a claim the other
// holds fails with the holder; a change made while the hub is down applies at once, waits in the
// team outbox and reaches the teammate once when the hub is back.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSupervisor } from '../../src/app/channels/supervisor.js';
import { applyAction } from '../../src/app/conversations/actions.js';
import { conversationMessages, getConversation } from '../../src/store/conversations.js';
import { enqueueTeamChange, pendingTeamChanges } from '../../src/store/team-outbox.js';
import { deliverChange, flushTeamOutbox } from '../../src/app/team/team-changes.js';
import { connectChat } from '../../src/app/chat/chat-account.js';
import { findChatAccount } from '../../src/app/channels/accounts.js';
import { teamAgent } from '../../src/store/team-numbers.js';
import { openAgentRegistry } from '../../src/relay/agent-registry.js';
import { type ConsoleHome, consoleHome, UNREACHABLE_EMAIL_ACCOUNT } from '../helpers/console-home.js';
import { BIN, makeCli } from '../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { check } from '../helpers/schemas.js';

const MIN = 60_000;

async function until<T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('team sync against the real relay', () => {
  let t: TestRelay;
  let port: number;
  let a: ConsoleHome;
  let b: ConsoleHome;
  let supA: ChannelSupervisor | null = null;
  let supB: ChannelSupervisor | null = null;
  let convA = 0;
  let convB = 0;

  const home = async (envVar: string, token: string) => {
    process.env[envVar] = token;
    const h = await consoleHome({ accounts: [UNREACHABLE_EMAIL_ACCOUNT, { type: 'chat', name: 'hub', url: t.relay.url.replace(/^http/, 'ws'), token: { env: envVar } }] });
    // The same customer thread in both stores (each agent's own sync saw it).
    const id = h.email({ id: 'order-1@cust.test', from: 'ann@cust.test', subject: 'Where is my order?', at: Date.now() - 10 * MIN });
    return { h, id };
  };
  const watch = (h: ConsoleHome) => ChannelSupervisor.start(h.ctx, { builtinRelay: 'off', duties: false, only: 'hub' });

  beforeAll(async () => {
    t = await startTestRelay();
    port = Number(new URL(t.relay.url).port);
    const { registry, close } = openAgentRegistry(t.dbPath);
    const samToken = registry.add('sam', Date.now());
    const kimToken = registry.add('kim', Date.now());
    close();
    ({ h: a, id: convA } = await home('ATTEND_TEAM_TEST_SAM', samToken));
    ({ h: b, id: convB } = await home('ATTEND_TEAM_TEST_KIM', kimToken));
    supA = await watch(a);
    supB = await watch(b);
    // Both join the team and register the thread: the same number on both screens.
    const keyed = (h: ConsoleHome, id: number) => h.ctx.db.prepare('SELECT team_key FROM conversations WHERE id = ?').get(id) as { team_key: string | null };
    await until('both numbered by the hub', () => {
      if (teamAgent(a.ctx.db) === null || teamAgent(b.ctx.db) === null) return false;
      if (!keyed(a, convA).team_key || keyed(a, convA).team_key !== keyed(b, convB).team_key) return false;
      const na = getConversation(a.ctx.db, convA)?.number;
      return na !== null && na !== undefined && na === getConversation(b.ctx.db, convB)?.number;
    });
  });

  afterAll(async () => {
    await supA?.close();
    await supB?.close();
    a?.cleanup();
    b?.cleanup();
    await t?.dispose();
  });

  it('each store knows who it is at the hub, and sees the other in the roster', async () => {
    expect(teamAgent(a.ctx.db)).toBe('sam');
    expect(teamAgent(b.ctx.db)).toBe('kim');
    const team = supA?.team;
    await until('kim online for sam', () => team?.teammates().find((m) => m.agent === 'kim' && m.online));
    supB?.team.setActivity(convB, true);
    await until("kim's activity for sam", () => team?.teammates().find((m) => m.agent === 'kim' && m.conversation === convA && m.replying));
  });

  it("a tag and a note made by one agent land in the other's store, the note once", async () => {
    const r = await applyAction(a.ctx, convA, { kind: 'tag', add: ['refund'], remove: [] });
    expect(r.ok && r.warnings).toEqual([]);
    await until('tag at kim', () => getConversation(b.ctx.db, convB)?.tags.includes('refund'));
    const n = await applyAction(a.ctx, convA, { kind: 'note', text: 'called Ann' });
    expect(n.ok).toBe(true);
    await until('note at kim', () => conversationMessages(b.ctx.db, convB).some((m) => m.direction === 'note' && m.text === 'called Ann'));
    await new Promise((r) => setTimeout(r, 300));
    const notesAt = (h: ConsoleHome, id: number) => conversationMessages(h.ctx.db, id).filter((m) => m.direction === 'note' && m.text === 'called Ann');
    expect(notesAt(a, convA)).toHaveLength(1);
    expect(notesAt(b, convB).map((m) => m.from.name)).toEqual(['sam']);
  });

  it('assigning is a claim: the second agent gets the holder, unless it takes it', async () => {
    const mine = await applyAction(a.ctx, convA, { kind: 'assign', to: 'sam' });
    expect(mine.ok).toBe(true);
    await until('sam holds it at kim', () => getConversation(b.ctx.db, convB)?.assignee === 'sam');
    const lost = await applyAction(b.ctx, convB, { kind: 'assign', to: 'kim' });
    expect(lost).toMatchObject({ ok: false, failure: 'claimed', holder: 'sam' });
    expect(!lost.ok && lost.message).toMatch(/^#\d+ is assigned to sam$/);
    expect(getConversation(b.ctx.db, convB)?.assignee).toBe('sam'); // put back
    const taken = await applyAction(b.ctx, convB, { kind: 'assign', to: 'kim', take: true });
    expect(taken.ok).toBe(true);
    await until('kim holds it at sam', () => getConversation(a.ctx.db, convA)?.assignee === 'kim');
  });

  it('a change made while the hub is down applies at once, waits, and reaches the teammate once when it is back', async () => {
    await supB?.close(); // kim's console quits: her changes go by the CLI's one-shot link
    supB = null;
    await t.relay.close();
    const r = await applyAction(b.ctx, convB, { kind: 'priority', priority: 'urgent' });
    expect(r.ok && r.teamQueued).toBe(true);
    expect(r.ok && r.warnings).toContain('the team hears of it when the hub is back');
    const offlineNote = await applyAction(b.ctx, convB, { kind: 'note', text: 'offline note' });
    expect(offlineNote.ok).toBe(true);
    expect(pendingTeamChanges(b.ctx.db)).toHaveLength(2);
    await t.restart({ port });
    supB = await watch(b);
    await until('outbox replayed', () => pendingTeamChanges(b.ctx.db).length === 0, 15_000);
    await until('priority at sam', () => (a.ctx.db.prepare('SELECT priority_set FROM conversations WHERE id = ?').get(convA) as { priority_set: string | null }).priority_set === 'urgent', 15_000);
    await until('note at sam', () => conversationMessages(a.ctx.db, convA).some((m) => m.text === 'offline note'), 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(conversationMessages(a.ctx.db, convA).filter((m) => m.text === 'offline note')).toHaveLength(1);
    expect(conversationMessages(b.ctx.db, convB).filter((m) => m.text === 'offline note')).toHaveLength(1);
  });

  it('the CLI, with no console running, sends its change on a one-shot connection and says nothing queued', async () => {
    await supA?.close(); // sam's console quits
    supA = null;
    const r = await applyAction(a.ctx, convA, { kind: 'pending' });
    expect(r.ok && r.warnings).toEqual([]);
    expect(r.ok && r.teamQueued).toBeFalsy();
    expect(pendingTeamChanges(a.ctx.db)).toEqual([]);
    await until('pending at kim', () => getConversation(b.ctx.db, convB)?.status === 'pending');
  });

  it('attend team: the roster from a one-shot connection, with what kim looks at by number', async () => {
    supB?.team.setActivity(convB, false);
    const { loadTeam } = await import('../../src/app/team/roster.js');
    const team = await until('kim viewing', async () => {
      const v = await loadTeam(a.ctx);
      return v?.agents.find((m) => m.agent === 'kim')?.conversation !== null ? v : null;
    });
    const view = team;
    expect(view?.me).toBe('sam');
    const number = getConversation(a.ctx.db, convA)?.number;
    expect(view?.agents.find((m) => m.agent === 'kim')).toMatchObject({ online: true, conversation: number, ref: String(number), replying: false, me: false });
    expect(view?.agents.find((m) => m.agent === 'sam')?.me).toBe(true);
  });

  it("the port: release gives it up only while it is mine; claim says who holds it", async () => {
    supA = await watch(a); // sam's console again: it hears the hub live
    const port = supB?.team;
    expect(port?.enabled && port.me).toBe('kim');
    expect(getConversation(b.ctx.db, convB)?.assignee).toBe('kim'); // taken above
    await port?.release(convB);
    await until('released at sam', () => getConversation(a.ctx.db, convA)?.assignee === null);
    const first = await applyAction(a.ctx, convA, { kind: 'assign', to: 'sam' });
    expect(first.ok).toBe(true);
    await until('sam holds it at kim', () => getConversation(b.ctx.db, convB)?.assignee === 'sam');
    expect(await port?.claim(convB)).toEqual({ ok: false, holder: 'sam' });
    await port?.release(convB); // not mine: nothing changes
    await new Promise((r) => setTimeout(r, 300));
    expect(getConversation(a.ctx.db, convA)?.assignee).toBe('sam');
    expect(getConversation(b.ctx.db, convB)?.assignee).toBe('sam');
  });

  it('a claim another process of mine sent and settled first still gets the hub\'s answer (refused), not "queued"', async () => {
    // sam holds it (above). kim's CLI queues a claim; kim's console (here: a second connection,
    // or the watcher's own tick) sends it first and settles it; the CLI must still learn "claimed".
    expect(getConversation(b.ctx.db, convB)?.assignee).toBe('sam');
    const key = (b.ctx.db.prepare('SELECT team_key FROM conversations WHERE id = ?').get(convB) as { team_key: string }).team_key;
    const account = findChatAccount(b.ctx, 'hub');
    if (!account) throw new Error('no hub account');
    for (const via of ['live link', 'one-shot']) {
      if (via === 'one-shot') {
        await supB?.close(); // no console: the CLI connects once
        supB = null;
      }
      const item = { changeId: randomUUID(), conversationId: convB, change: { key, action: { kind: 'assign' as const, to: 'kim' }, claim: { take: false } }, createdAt: Date.now() };
      enqueueTeamChange(b.ctx.db, item.changeId, item.conversationId, item.change, item.createdAt);
      const other = await connectChat(b.ctx, account, false);
      try {
        await flushTeamOutbox(b.ctx, other.client, 5000);
      } finally {
        await other.client.close();
      }
      expect(pendingTeamChanges(b.ctx.db)).toEqual([]);
      expect(await deliverChange(b.ctx, item, 5000), via).toEqual({ kind: 'claimed', holder: 'sam' });
    }
    supB = await watch(b);
    supB.team.setActivity(convB, false); // as before, for the roster test below
    await until('kim viewing again, for sam', () => supA?.team.teammates().find((m) => m.agent === 'kim' && m.conversation === convA));
  });

  it('attend team --json (the built CLI) prints the roster by the schema; outside a team it says so and exits 1', async () => {
    const r = await spawnCli(['team', '--json'], a.env);
    expect(r.code, r.stderr).toBe(0);
    const team = JSON.parse(r.stdout);
    check('team', team);
    expect(team.agents.map((m: { agent: string }) => m.agent)).toEqual(expect.arrayContaining(['sam', 'kim']));
    const text = await spawnCli(['team'], a.env);
    expect(text.stdout).toMatch(/kim\s+online, viewing #\d+/);
    const alone = makeCli();
    try {
      const out = await alone.run(['team']);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/not in a team/);
    } finally {
      alone.cleanup();
    }
  });
});

function spawnCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
