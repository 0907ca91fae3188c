// Focus mode's routing in a team (issue 14), over a real store with a TeamPort double: the claim
// is asynchronous, so a session left while its claim is out must let the claimed one go, and a
// hub that throws is no licence to show a conversation another agent may have.
import { afterEach, expect, it } from 'vitest';
import { type FocusRouting, FocusSession } from '../../src/app/queue/focus-session.js';
import { prepareQueue } from '../../src/app/queue/policy.js';
import type { ClaimResult } from '../../src/app/team/port.js';
import { policyFromSettings } from '../../src/config/policy-settings.js';
import { type ConsoleHome, consoleHome } from '../helpers/console-home.js';

let home: ConsoleHome | null = null;
afterEach(() => {
  home?.cleanup();
  home = null;
});

function routing(claim: (id: number) => Promise<ClaimResult>) {
  const shown: Array<[number | null, string | null]> = [];
  const released: number[] = [];
  const log: string[] = [];
  const r: FocusRouting = {
    team: { enabled: true, me: 'me', claim, release: async (id) => void released.push(id) },
    onShow: (id, note) => shown.push([id, note]),
    log: (l) => log.push(l),
  };
  return { r, shown, released, log };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

it('shows nothing until the claim is answered, and a session left meanwhile releases what it then got', async () => {
  home = await consoleHome();
  const id = home.chat({ relayId: 1, name: 'Ann', text: 'hello', at: Date.now() - 60_000 });
  await prepareQueue(home.ctx);
  let answer: (r: ClaimResult) => void = () => {};
  const t = routing(() => new Promise((r) => (answer = r)));
  const s = new FocusSession(home.ctx.db, policyFromSettings(() => undefined), () => Date.now(), t.r);
  expect(s.currentId).toBe(null);
  await tick();
  expect(s.claiming).toBe(true);
  expect(s.idle().claiming).toBe(true);
  s.end();
  answer({ ok: true });
  await tick();
  expect(t.shown).toEqual([]);
  expect(t.released).toEqual([id]);
});

it('a claim that throws counts as refused (logged), and the next one is tried', async () => {
  home = await consoleHome();
  const now = Date.now();
  const first = home.chat({ relayId: 1, name: 'Ann', text: 'hello', at: now - 100_000 });
  const second = home.chat({ relayId: 2, name: 'Ben', text: 'hi', at: now - 60_000 });
  await prepareQueue(home.ctx);
  const t = routing(async (id) => {
    if (id === first) throw new Error('socket closed');
    return { ok: true };
  });
  const s = new FocusSession(home.ctx.db, policyFromSettings(() => undefined), () => Date.now(), t.r);
  await tick();
  expect(t.shown).toEqual([[second, null]]);
  expect(s.currentId).toBe(second);
  expect(t.log.join('\n')).toContain(`claiming #${first}: socket closed`);
  // Handled (answered, resolved…): it stays mine, nothing is released.
  s.handle(second, 'resolved');
  s.end();
  expect(t.released).toEqual([]);
});

it('one the hub refused is not asked for again for a while; then, free in this store, it is', async () => {
  home = await consoleHome();
  const start = Date.now();
  let clock = start;
  const first = home.chat({ relayId: 1, name: 'Ann', text: 'hello', at: start - 100_000 });
  const second = home.chat({ relayId: 2, name: 'Ben', text: 'hi', at: start - 60_000 });
  await prepareQueue(home.ctx);
  const asked: number[] = [];
  const t = routing(async (id) => {
    asked.push(id);
    return id === first && clock === start ? { ok: false, holder: 'sam' } : { ok: true };
  });
  const s = new FocusSession(home.ctx.db, policyFromSettings(() => undefined), () => clock, t.r);
  await tick();
  expect(s.currentId).toBe(second);
  s.skip('later'); // lets the second go; the first was refused a moment ago: nothing to show
  await tick();
  expect(t.released).toEqual([second]);
  expect(s.currentId).toBe(null);
  expect(asked).toEqual([first, second]);
  expect(s.idle()).toMatchObject({ held: 1, skipped: 1, claiming: false });
  clock = start + 31_000;
  s.facts(); // the console's tick: nothing shown, so focus looks again
  await tick();
  expect(asked).toEqual([first, second, first]);
  expect(s.currentId).toBe(first);
});
