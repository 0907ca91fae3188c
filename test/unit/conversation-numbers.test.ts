// One number across the team, as people see and type it: "41"/"#41" by number, "~12" by local
// id until the hub numbers it; `me`; and the queue by assignee — all over a real store.
import { afterEach, describe, expect, it } from 'vitest';
import { applyAction } from '../../src/app/conversations/actions.js';
import { myAgentName, myAgentNameNow, refOf, resolveConversationRef, shownRefOf } from '../../src/app/conversations/conversation-ref.js';
import { QueueWindow } from '../../src/app/queue/queue-window.js';
import { listQueue } from '../../src/app/queue/queue-view.js';
import { conversationJson } from '../../src/cli/conversation-json.js';
import { parseConversationRef, refText, shownRef } from '../../src/domain/conversation-ref.js';
import { countConversations, getConversation, positionInQueue } from '../../src/store/conversations.js';
import { putMeta } from '../../src/store/ranks.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';
import { check } from '../helpers/schemas.js';

let home: ConsoleHome | null = null;
afterEach(() => {
  home?.cleanup();
  home = null;
});

const MIN = 60_000;

/** As the team link does when it joins a team: from then on new conversations wait for the hub's number. */
function joinTeam(h: ConsoleHome, agent: string): void {
  putMeta(h.ctx.db, 'team.agent', agent);
}

/** As the team link does when the hub numbers a conversation. */
function number(h: ConsoleHome, id: number, n: number): void {
  h.ctx.db.prepare('UPDATE conversations SET number = ? WHERE id = ?').run(n, id);
}

describe('what people type', () => {
  it('reads 41, #41 and ~12, and nothing else', () => {
    expect(parseConversationRef('41')).toEqual({ by: 'number', number: 41 });
    expect(parseConversationRef('#41')).toEqual({ by: 'number', number: 41 });
    expect(parseConversationRef(' 7 ')).toEqual({ by: 'number', number: 7 });
    expect(parseConversationRef('~12')).toEqual({ by: 'id', id: 12 });
    expect(parseConversationRef('#~12')).toEqual({ by: 'id', id: 12 });
    for (const bad of ['', '0', '~0', '-3', '4.1', '12a', 'abc', '~', '#', '1e3', '99999999999999999999']) expect(parseConversationRef(bad), bad).toBe(null);
  });

  it('shows "#41", or "~12" while not numbered', () => {
    expect(shownRef({ id: 12, number: 41 })).toBe('#41');
    expect(shownRef({ id: 12, number: null })).toBe('~12');
    expect(shownRef({ id: 12 })).toBe('#12'); // facts without a number: working alone
    expect(refText('41')).toBe('#41');
    expect(refText('~12')).toBe('~12');
  });
});

describe('resolving a conversation', () => {
  it('working alone, the number is the id: nothing changes', async () => {
    home = await consoleHome();
    const now = Date.now();
    const a = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'A', at: now - MIN });
    const b = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'B', at: now - MIN });
    expect(getConversation(home.ctx.db, b)?.number).toBe(b);
    expect(resolveConversationRef(home.ctx, { by: 'number', number: a })).toBe(a);
    expect(resolveConversationRef(home.ctx, { by: 'id', id: b })).toBe(b);
    expect(resolveConversationRef(home.ctx, { by: 'number', number: 999 })).toBe(undefined);
    expect(resolveConversationRef(home.ctx, { by: 'id', id: 999 })).toBe(undefined);
    expect(shownRefOf(home.ctx, a)).toBe(`#${a}`);
    const r = await applyAction(home.ctx, a, { kind: 'resolve' });
    expect(r.ok && r.message).toBe(`#${a} resolved`);
  });

  it('in a team, by the hub’s number; by ~id only until it is numbered', async () => {
    home = await consoleHome();
    const now = Date.now();
    const before = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'A', at: now - MIN }); // numbered alone: keeps its number
    joinTeam(home, 'sam');
    const fresh = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'B', at: now - MIN });
    const other = home.email({ id: 'c@x', from: 'cat@cust.test', subject: 'C', at: now - MIN });
    expect(getConversation(home.ctx.db, fresh)?.number).toBe(null);
    expect(shownRefOf(home.ctx, fresh)).toBe(`~${fresh}`);
    expect(refOf(home.ctx, fresh)).toBe(`~${fresh}`);
    expect(resolveConversationRef(home.ctx, { by: 'id', id: fresh })).toBe(fresh);
    expect(resolveConversationRef(home.ctx, { by: 'number', number: fresh })).toBe(undefined); // no conversation has that number
    const r = await applyAction(home.ctx, fresh, { kind: 'tag', add: ['vip'], remove: [] });
    expect(r.ok && r.message).toBe(`~${fresh} tagged vip`);
    // The hub numbers it 41 and the other one with the number the first had locally.
    number(home, fresh, 41);
    number(home, before, 900);
    number(home, other, before);
    expect(resolveConversationRef(home.ctx, { by: 'number', number: 41 })).toBe(fresh);
    expect(resolveConversationRef(home.ctx, { by: 'number', number: before })).toBe(other); // the number wins, not the id
    expect(resolveConversationRef(home.ctx, { by: 'id', id: fresh })).toBe(fresh); // ~id keeps working
    expect(shownRefOf(home.ctx, fresh)).toBe('#41');
  });

  it('--json: id is the number (null until numbered) and ref what commands accept; the schema holds both', async () => {
    home = await consoleHome();
    joinTeam(home, 'sam');
    const id = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'A', at: Date.now() - MIN });
    const unnumbered = conversationJson(getConversation(home.ctx.db, id) as never);
    expect(unnumbered).toMatchObject({ id: null, ref: `~${id}` });
    expect(unnumbered).not.toHaveProperty('number');
    check('list', [unnumbered]);
    number(home, id, 41);
    const numbered = conversationJson(getConversation(home.ctx.db, id) as never);
    expect(numbered).toMatchObject({ id: 41, ref: '41' });
    check('conversation-action', numbered);
    expect(() => check('list', [{ ...numbered, ref: '#41' }])).toThrow(/ref/);
  });
});

describe('who "me" is', () => {
  it('the settings’ agent name alone; my team agent name in a team', async () => {
    home = await consoleHome(); // agent.name: Sam
    expect(await myAgentName(home.ctx)).toBe('Sam');
    expect(myAgentNameNow(home.ctx)).toBe('Sam');
    joinTeam(home, 'sam-at-hub');
    expect(await myAgentName(home.ctx)).toBe('sam-at-hub');
    expect(myAgentNameNow(home.ctx, { me: 'from-port' })).toBe('from-port');
  });
});

describe('the queue by assignee', () => {
  async function threeAssigned() {
    const h = await consoleHome();
    const now = Date.now();
    const mine = h.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Mine', at: now - 30 * MIN });
    const theirs = h.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Theirs', at: now - 20 * MIN });
    const nobodys = h.email({ id: 'c@x', from: 'cat@cust.test', subject: 'Nobody', at: now - 10 * MIN });
    const mineResolved = h.email({ id: 'd@x', from: 'dan@cust.test', subject: 'Done', at: now - 5 * MIN });
    await applyAction(h.ctx, mine, { kind: 'assign', to: 'Sam' });
    await applyAction(h.ctx, theirs, { kind: 'assign', to: 'kim' });
    await applyAction(h.ctx, mineResolved, { kind: 'assign', to: 'Sam' });
    await applyAction(h.ctx, mineResolved, { kind: 'resolve' });
    return { h, mine, theirs, nobodys, mineResolved };
  }

  it('filters mine, unassigned, someone’s, everyone’s — with status, counts and positions', async () => {
    const t = await threeAssigned();
    home = t.h;
    const ctx = t.h.ctx;
    const ids = async (assignee?: string | null, status: 'open' | 'all' = 'open') =>
      (await listQueue(ctx, { status, limit: 50, ...(assignee !== undefined ? { assignee } : {}) })).map((c) => c.id).sort();
    expect(await ids('Sam')).toEqual([t.mine]);
    expect(await ids('Sam', 'all')).toEqual([t.mine, t.mineResolved].sort());
    expect(await ids(null)).toEqual([t.nobodys]);
    expect(await ids('kim')).toEqual([t.theirs]);
    expect(await ids('nobody-by-this-name')).toEqual([]);
    expect(await ids()).toEqual([t.mine, t.theirs, t.nobodys].sort());
    expect(countConversations(home.ctx.db, { status: 'open', assignee: 'Sam' })).toBe(1);
    expect(countConversations(home.ctx.db, { status: 'all', assignee: 'Sam' })).toBe(2);
    expect(countConversations(home.ctx.db, { status: 'open', assignee: null })).toBe(1);
    expect(positionInQueue(home.ctx.db, t.theirs, { status: 'open', assignee: 'kim', now: Date.now() })).toBe(0);
    expect(positionInQueue(home.ctx.db, t.theirs, { status: 'open', assignee: null, now: Date.now() })).toBe(null);
  });

  it('the console’s views: mine follows who I am, unassigned, everyone’s', async () => {
    const t = await threeAssigned();
    home = t.h;
    let me = 'Sam';
    const w = new QueueWindow(home.ctx.db, Date.now, () => me);
    const rows = (view?: 'everyone' | 'mine' | 'unassigned') =>
      w
        .rows(1, { status: 'open', channel: null, search: '', ...(view ? { view } : {}) }, 0, 10)
        .map((c) => c.id)
        .sort();
    expect(rows()).toEqual([t.mine, t.theirs, t.nobodys].sort());
    expect(rows('mine')).toEqual([t.mine]);
    expect(rows('unassigned')).toEqual([t.nobodys]);
    expect(rows('everyone')).toEqual([t.mine, t.theirs, t.nobodys].sort());
    me = 'kim';
    expect(rows('mine')).toEqual([t.theirs]);
    expect(w.count(1, { status: 'open', channel: null, search: '', view: 'mine' })).toBe(1);
  });

  it('reads an index, as the whole queue does (cost does not grow with the other agents’ conversations)', async () => {
    const h = await consoleHome();
    home = h;
    const plan = (sql: string, ...args: unknown[]) =>
      (h.ctx.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const order = 'ORDER BY c.queue_key, c.priority_rank, c.waiting_since, c.id LIMIT 50';
    expect(plan(`SELECT c.id FROM conversations c WHERE c.status = ? AND c.assignee = ? AND c.backlog_slot = 0 AND c.queue_key <= ? ${order}`, 'open', 'Sam', 1)).toMatch(
      /USING (COVERING )?INDEX conversations_order_assignee \(assignee=\? AND status=\? AND backlog_slot=\? AND queue_key<\?\)/,
    );
    expect(plan(`SELECT c.id FROM conversations c WHERE c.assignee IS NULL AND c.backlog_slot = ? ${order}`, 3)).toMatch(
      /USING (COVERING )?INDEX conversations_order_assignee_any \(assignee=\? AND backlog_slot=\?\)/,
    );
    expect(plan(`SELECT c.id FROM conversations c WHERE c.status = ? AND c.assignee = ? AND c.backlog_slot = 0 ${order}`, 'open', 'Sam')).not.toMatch(/TEMP B-TREE/);
  });
});
