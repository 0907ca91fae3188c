// The console in team mode (issue 14), over a real store with a TeamPort double at the UI's
// boundary: teammates viewing and replying show in the row and the pane; what I view and whether
// I reply is told to the team; a reply where a teammate replies asks first; an email reply that a
// teammate's beat (stored from the Sent folder while I wrote) asks again and shows theirs; focus
// claims what it shows, passes over what teammates hold, and releases on skip and leave unless I replied.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/app/runtime.js';
import { getDraft } from '../../src/store/drafts.js';
import { App } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { type ConsoleHome, ME, consoleHome } from '../helpers/console-home.js';
import { FakeTeam } from '../helpers/fake-team.js';

const MIN = 60_000;
const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));

let home: ConsoleHome | null = null;
let runtime: Runtime | null = null;
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  home?.cleanup();
  home = null;
});

async function start(h: ConsoleHome, props: { editor?: (a: string, b: string) => Promise<string | null> } = {}) {
  runtime = await Runtime.start(h.ctx, { relay: false, channels: false, pollMs: 20 });
  const team = new FakeTeam().install(runtime);
  const ui = render(<App runtime={runtime} theme={makeTheme({ NO_COLOR: '1' })} size={{ columns: 80, rows: 24 }} {...props} />);
  const frame = () => ui.lastFrame() ?? '';
  const until = async (what: string | RegExp, present = true, ms = 4000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = frame();
      const has = typeof what === 'string' ? f.includes(what) : what.test(f);
      if (has === present) return f;
      if (Date.now() > deadline) throw new Error(`screen ${present ? 'never showed' : 'still shows'} ${String(what)}:\n${f}`);
      await settle(15);
    }
  };
  const waitFor = async (ok: () => boolean, what: string, ms = 4000) => {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`never: ${what}\n${frame()}`);
      await settle(15);
    }
  };
  await until('QUEUE');
  await settle(50);
  return { ui, rt: runtime, team, frame, until, waitFor };
}

const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`^[▸ ]#${id} `).test(l)) ?? '';

describe('collision detection', () => {
  it('shows teammates viewing and replying in the row and the pane as soon as the hub says so, names sanitized, within 80 columns', async () => {
    home = await consoleHome();
    const now = Date.now();
    const a = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: now - 1 * MIN });
    const b = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Where is my parcel', at: now - 10 * MIN });
    const { team, frame, until } = await start(home);
    expect(rowOf(frame(), b)).not.toContain('@');

    team.set([
      { agent: 'sam', conversation: b },
      { agent: 'kim\x1b[31m\x1b]0;pwned\x07', conversation: a, replying: true },
    ]);
    await until('@sam');
    expect(rowOf(frame(), b)).toContain('@sam');
    expect(rowOf(frame(), a)).toContain('kim replying');
    // The pane of the selected conversation (a) names who replies.
    await until('kim is replying');
    expect(frame()).not.toMatch(/\x1b\]|\x1b\[31m/);
    for (const l of frame().split('\n')) expect([...l].length).toBeLessThanOrEqual(80);

    // Offline, or gone elsewhere: the markers go.
    team.set([{ agent: 'sam', conversation: b, online: false }]);
    await until('@sam', false);
    expect(frame()).not.toContain('kim');
  });

  it('tells the team what I view and when I reply — on every change, and only on change', async () => {
    home = await consoleHome();
    const now = Date.now();
    const a = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: now - 1 * MIN });
    const b = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Where is my parcel', at: now - 10 * MIN });
    const { ui, team, until, waitFor } = await start(home);
    await waitFor(() => team.last()?.[0] === a, 'viewing the selected conversation');
    expect(team.last()).toEqual([a, false]);
    ui.stdin.write('j');
    await waitFor(() => team.last()?.[0] === b, 'viewing the next one');
    ui.stdin.write('k');
    await waitFor(() => team.last()?.[0] === a, 'back');
    ui.stdin.write('r'); // chat: the inline composer
    await until(`reply #${a}>`);
    await waitFor(() => team.last()?.[1] === true, 'replying');
    expect(team.last()).toEqual([a, true]);
    ui.stdin.write('\x1b');
    await until(`reply #${a}>`, false);
    await waitFor(() => team.last()?.[1] === false, 'no longer replying');
    expect(team.last()).toEqual([a, false]);
    // Never the same activity twice in a row.
    for (let i = 1; i < team.activity.length; i++) expect(team.activity[i]).not.toEqual(team.activity[i - 1]);
    ui.unmount();
    await waitFor(() => team.last()?.[0] === null, 'nothing when the console closes');
  });

  it('asks before replying where a teammate is replying: n leaves it, y opens the composer', async () => {
    home = await consoleHome();
    const a = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: Date.now() - MIN });
    const { ui, team, frame, until } = await start(home);
    team.set([{ agent: 'sam', conversation: a, replying: true }]);
    await until('sam replying');
    ui.stdin.write('r');
    await until(`sam is replying to #${a} — reply anyway?`);
    ui.stdin.write('n');
    await until('reply anyway?', false);
    expect(frame()).not.toContain(`reply #${a}>`);
    ui.stdin.write('r');
    await until('reply anyway?');
    ui.stdin.write('y');
    await until(`reply #${a}>`);
    // Only viewing is no reason to ask.
    ui.stdin.write('\x1b');
    await until(`reply #${a}>`, false);
    team.set([{ agent: 'sam', conversation: a }]);
    await until('sam is viewing');
    ui.stdin.write('r');
    await until(`reply #${a}>`);
    expect(frame()).not.toContain('reply anyway?');
  });

  it('a canned reply (T) where a teammate is replying asks first too: n inserts nothing, y inserts it', async () => {
    home = await consoleHome();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${home.dir}/templates`);
    writeFileSync(`${home.dir}/templates/thanks.md`, 'Thanks, {{customer.name}}!\n');
    const a = home.chat({ relayId: 1, name: 'Cleo', text: 'Hello?', at: Date.now() - MIN });
    const { ui, team, frame, until } = await start(home);
    team.set([{ agent: 'sam', conversation: a, replying: true }]);
    await until('sam replying');
    const pick = async () => {
      ui.stdin.write('T');
      await until('Insert a canned reply');
      await settle(50);
      ui.stdin.write('\r');
    };
    await pick();
    await until(`sam is replying to #${a} — reply anyway?`);
    ui.stdin.write('n');
    await until('reply anyway?', false);
    expect(frame()).not.toContain(`reply #${a}>`);
    await pick();
    await until('reply anyway?');
    ui.stdin.write('y');
    await until(`reply #${a}> Thanks, Cleo!`);
  });

  it('an email reply that a teammate beat while I wrote: warns, shows theirs, and keeps mine as a draft or sends it anyway', async () => {
    home = await consoleHome();
    const id = home.email({ id: 'q@x', from: 'ann@cust.test', subject: 'Order 42', at: Date.now() - 30 * MIN, text: 'Where is order 42?' });
    const h = home;
    let n = 0;
    let toldBefore: [number | null, boolean] | undefined;
    // While I write, a teammate's reply arrives from the Sent folder (their copy, our mailbox's address).
    const editor = async () => {
      n++;
      toldBefore = fake?.last();
      h.email({ id: `t${n}@x`, from: ME, subject: 'Re: Order 42', inReplyTo: 'q@x', at: Date.now(), text: `Teammate answer ${n}: it ships today.` });
      return `My answer ${n}`;
    };
    const { ui, team, rt, frame, until } = await start(home, { editor });
    const fake = team;
    const outbox = () => rt.ctx.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE conversation_id = ?').get(id) as { n: number };

    ui.stdin.write('r');
    await until('went out while you wrote yours');
    expect(toldBefore).toEqual([id, true]); // "replying" was told before the editor took the terminal
    expect(frame()).toContain('Teammate answer 1: it ships today.');
    expect(outbox().n).toBe(0);
    ui.stdin.write('n');
    await until('kept yours as a draft');
    expect(getDraft(rt.ctx.db, id)).toBe('My answer 1');
    expect(outbox().n).toBe(0);

    // Again: the first teammate reply is old news now; the second one is not. y sends mine.
    ui.stdin.write('r');
    await until('Teammate answer 2');
    expect(frame()).not.toContain('Teammate answer 1');
    ui.stdin.write('y');
    await until(/reply queued( \(| →)/); // tried (SMTP is unreachable here): nothing in flight when the store closes
    const sent = rt.ctx.db.prepare('SELECT m.text FROM outbox o JOIN messages m ON m.id = o.message_row_id WHERE o.conversation_id = ?').all(id);
    expect(sent).toEqual([{ text: expect.stringContaining('My answer 2') }]);
    expect(getDraft(rt.ctx.db, id)).toBe(null);
  });

  it('my own reply (queued by this store) is no warning', async () => {
    home = await consoleHome();
    const id = home.email({ id: 'q@x', from: 'ann@cust.test', subject: 'Order 42', at: Date.now() - 30 * MIN });
    const { ui, rt, frame, until, waitFor } = await start(home, { editor: async () => 'Mine' });
    const queued = () => (rt.ctx.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE conversation_id = ?').get(id) as { n: number }).n;
    ui.stdin.write('r');
    await waitFor(() => queued() === 1, 'the first reply queued');
    await until(/reply queued( \(| →)/);
    ui.stdin.write('r');
    await waitFor(() => queued() === 2, 'the second reply queued, without a question');
    await until('reply queued…', false); // tried: nothing in flight when the store closes
    expect(frame()).not.toContain('went out while you wrote');
  });
});

describe('focus mode in a team', () => {
  it('claims what it shows, passes over what teammates hold, releases on skip and leave — not after I replied', async () => {
    home = await consoleHome();
    const now = Date.now();
    const held = home.chat({ relayId: 1, name: 'Ann', text: 'first in line', at: now - 100_000 }); // due soonest
    const assigned = home.chat({ relayId: 2, name: 'Ben', text: 'second in line', at: now - 90_000 });
    const skipped = home.chat({ relayId: 3, name: 'Cy', text: 'third in line', at: now - 80_000 });
    const replied = home.chat({ relayId: 4, name: 'Di', text: 'fourth in line', at: now - 70_000 });
    // Assigned to a teammate here already: not even asked at the hub.
    home.ctx.db.prepare('UPDATE conversations SET assignee = ? WHERE id = ?').run('kim', assigned);
    const { ui, team, until } = await start(home);
    team.holders.set(held, 'sam');

    ui.stdin.write('f');
    await until(`FOCUS · #${skipped}`);
    expect(team.claims).toEqual([held, skipped]);
    expect(team.releases).toEqual([]);

    ui.stdin.write('N'); // still waiting: asks why, then lets it go
    await until('skip — one word why:');
    await settle(50);
    ui.stdin.write('later');
    await until('why: later');
    ui.stdin.write('\r');
    await until(`FOCUS · #${replied}`);
    expect(team.releases).toEqual([skipped]);
    expect(team.claims).toEqual([held, skipped, replied]);

    ui.stdin.write('r');
    await until(`reply #${replied}>`);
    await settle(50);
    ui.stdin.write('On it');
    await until(`reply #${replied}> On it`);
    ui.stdin.write('\r'); // chat: Enter sends and stays
    await until(`#${replied}: reply queued`);
    ui.stdin.write('f');
    await until('While you were focused');
    await settle(50);
    expect(team.releases).toEqual([skipped]); // I replied to it: it stays mine
  });

  it('leaving releases what focus claimed; a conversation that was mine before stays mine; too many held in a row says so', async () => {
    home = await consoleHome();
    const now = Date.now();
    const ids = Array.from({ length: 11 }, (_, i) => home?.chat({ relayId: i + 1, name: `V${i}`, text: `hello ${i}`, at: now - (3 * MIN - i * 1000) }) as number);
    const { ui, team, until, frame } = await start(home);
    for (const id of ids.slice(0, 10)) team.holders.set(id, id % 2 ? 'sam' : 'kim');

    ui.stdin.write('f');
    await until('10 conversations in a row are held by teammates');
    expect(team.claims).toEqual(ids.slice(0, 10));
    expect(frame()).toMatch(/held by teammates/);
    // The teammates let go: N asks again, from the top.
    team.holders.clear();
    ui.stdin.write('N');
    await until(`FOCUS · #${ids[0]}`);
    ui.stdin.write('f');
    await until('While you were focused');
    expect(team.releases).toEqual([ids[0]]);

    // Mine before focus claimed it: leaving does not unassign it.
    home.ctx.db.prepare('UPDATE conversations SET assignee = ? WHERE id = ?').run('me', ids[0]);
    ui.stdin.write('x'); // back to the queue
    await until('QUEUE');
    ui.stdin.write('f');
    await until(`FOCUS · #${ids[0]}`);
    ui.stdin.write('f');
    await until('While you were focused');
    expect(team.releases).toEqual([ids[0]]);
  });
});
