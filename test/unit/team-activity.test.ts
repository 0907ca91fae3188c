// What the console tells the team about me (issue 14): only changes; replying at once (the editor
// blocks the event loop, so before it starts); where the cursor settles, not every row it passes.
import { afterEach, expect, it, vi } from 'vitest';
import { SOLO_TEAM } from '../../src/app/team/port.js';
import { ActivityReporter, VIEW_SETTLE_MS } from '../../src/ui/effects/use-team.js';

afterEach(() => {
  vi.useRealTimers();
});

it('tells replying at once, viewing where it settles, and never the same twice', () => {
  vi.useFakeTimers();
  const told: Array<[number | null, boolean]> = [];
  const r = new ActivityReporter(() => ({ ...SOLO_TEAM, setActivity: (c, replying) => void told.push([c, replying]) }));
  for (const id of [1, 2, 3, 4]) r.screen(id, null); // j j j j
  expect(told).toEqual([]);
  vi.advanceTimersByTime(VIEW_SETTLE_MS);
  expect(told).toEqual([[4, false]]);
  r.screen(4, null);
  vi.advanceTimersByTime(VIEW_SETTLE_MS);
  expect(told).toEqual([[4, false]]);
  r.screen(4, 4); // the composer opens: at once
  expect(told.at(-1)).toEqual([4, true]);
  r.screen(4, null);
  expect(told.at(-1)).toEqual([4, false]);
  r.editor(4); // the editor: at once, before it takes the terminal
  expect(told.at(-1)).toEqual([4, true]);
  r.editor(null);
  expect(told.at(-1)).toEqual([4, false]);
  r.screen(5, null);
  r.close(); // pending view change or not: nothing, now
  expect(told.at(-1)).toEqual([null, false]);
  vi.advanceTimersByTime(VIEW_SETTLE_MS);
  expect(told).toEqual([
    [4, false],
    [4, true],
    [4, false],
    [4, true],
    [4, false],
    [null, false],
  ]);
});
