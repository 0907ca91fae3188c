// The console with conversation numbers and queue views, over a real store (channels off): v cycles
// everyone's → mine → unassigned (named in the queue header), and rows and the pane show the team's
// number, or ~id until the hub numbers a conversation.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { applyAction } from '../../src/app/conversations/actions.js';
import { Runtime } from '../../src/app/runtime.js';
import { putMeta } from '../../src/store/ranks.js';
import { App } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';

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

async function start(h: ConsoleHome) {
  runtime = await Runtime.start(h.ctx, { relay: false, channels: false, pollMs: 20 });
  const ui = render(<App runtime={runtime} theme={makeTheme({ NO_COLOR: '1' })} size={{ columns: 100, rows: 24 }} />);
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
  await until('QUEUE');
  await settle(50);
  return { ui, frame, until };
}

const header = (frame: string) => frame.split('\n').find((l) => l.includes('QUEUE')) ?? '';

describe('queue views', () => {
  it('v cycles everyone’s → mine → unassigned, shows which in the header, and is in the help', async () => {
    home = await consoleHome(); // agent.name: Sam
    const now = Date.now();
    const mine = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Mine to answer', at: now - 30 * MIN });
    const theirs = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Kim has this', at: now - 20 * MIN });
    const nobodys = home.email({ id: 'c@x', from: 'cat@cust.test', subject: 'Nobody has this', at: now - 10 * MIN });
    await applyAction(home.ctx, mine, { kind: 'assign', to: 'Sam' });
    await applyAction(home.ctx, theirs, { kind: 'assign', to: 'kim' });
    const { ui, frame, until } = await start(home);
    expect(header(frame())).toMatch(/QUEUE \(3\) open · all channels/);
    for (const id of [mine, theirs, nobodys]) expect(frame()).toContain(`#${id} `);

    ui.stdin.write('v');
    await until(/QUEUE \(1\) mine · open/);
    expect(frame()).toContain(`#${mine} `);
    expect(frame()).not.toContain(`#${theirs} `);
    expect(frame()).not.toContain(`#${nobodys} `);

    ui.stdin.write('v');
    await until(/QUEUE \(1\) unassigned · open/);
    expect(frame()).toContain(`#${nobodys} `);
    expect(frame()).not.toContain(`#${mine} `);

    // Mine and resolved: the view says so when it is empty.
    ui.stdin.write('v');
    await until(/QUEUE \(3\) open · all channels/);
    ui.stdin.write('v');
    await until(/QUEUE \(1\) mine/);
    ui.stdin.write('R');
    await until(/QUEUE \(0\) mine/);
    expect(frame()).toContain('nothing assigned to you — v shows all');

    ui.stdin.write('?');
    await until('view: all');
    expect(frame()).toMatch(/v\s+view: all → mine → unassigned/);
    ui.unmount();
  });

  it('in a team, mine is my name at the hub; rows and the pane show the hub’s number, or ~id until numbered', async () => {
    home = await consoleHome();
    putMeta(home.ctx.db, 'team.agent', 'sam-at-hub');
    const now = Date.now();
    const numbered = home.email({ id: 'a@x', from: 'ann@cust.test', subject: 'Numbered at the hub', at: now - 30 * MIN });
    const waiting = home.email({ id: 'b@x', from: 'bob@cust.test', subject: 'Not numbered yet', at: now - 20 * MIN });
    home.ctx.db.prepare('UPDATE conversations SET number = 41 WHERE id = ?').run(numbered);
    await applyAction(home.ctx, waiting, { kind: 'assign', to: 'sam-at-hub' });
    const { ui, frame, until } = await start(home);
    expect(frame()).toContain('▸#41 ');
    expect(frame()).toContain(`~${waiting} `);
    expect(frame()).toMatch(/#41 Numbered at the hub/); // the pane's title line
    ui.stdin.write('j');
    await until(new RegExp(`~${waiting} Not numbered yet`));
    ui.stdin.write('v');
    await until(/QUEUE \(1\) mine/);
    expect(frame()).toContain(`▸~${waiting} `);
    expect(frame()).not.toContain('#41 ');
    ui.unmount();
  });
});
