// The orders the simulation compares. attend's is the real policy (policy/queue.ts ranks,
// policy/focus.ts picks); the others are the usual alternatives, written here only to compare.
import { DEFAULT_FOCUS, pickNext } from '../../src/policy/focus.js';
import { orderQueue, type QueueFacts, type QueueOrder } from '../../src/policy/queue.js';
import { DEFAULT_SLA, dueAt, type SlaSettings } from '../../src/policy/sla.js';
import type { SimPolicy } from './engine.js';

const NONE = new Set<number>();

const first = <T>(items: readonly T[], cmp: (a: T, b: T) => number): T | null => {
  let best: T | null = null;
  for (const i of items) if (best === null || cmp(i, best) < 0) best = i;
  return best;
};

const waited = (f: QueueFacts) => f.waitingSince ?? Number.MAX_SAFE_INTEGER;
const due = (f: QueueFacts, s: SlaSettings) => dueAt(f, s) ?? Number.MAX_SAFE_INTEGER;

/** Oldest waiting message first, whatever the channel. */
export const fifo: SimPolicy = { name: 'FIFO', next: (w) => first(w, (a, b) => waited(a) - waited(b) || a.id - b.id) };

/** Every waiting chat before any email; earliest due first within a channel. */
export const chatFirst = (s: SlaSettings = DEFAULT_SLA): SimPolicy => ({
  name: 'chat first',
  next: (w) => first(w, (a, b) => (a.channel === b.channel ? due(a, s) - due(b, s) : a.channel === 'chat' ? -1 : 1) || a.id - b.id),
});

/** The order attend shipped before: breached first, most overdue first, then least time left (= earliest due). */
export const breachedFirst = (s: SlaSettings = DEFAULT_SLA): SimPolicy => ({
  name: 'breached first (old)',
  next: (w) => first(w, (a, b) => due(a, s) - due(b, s) || waited(a) - waited(b) || a.id - b.id),
});

/** attend's queue: policy/queue.ts orders, policy/focus.ts picks (what focus mode opens next). */
export const attend = (order?: QueueOrder, s: SlaSettings = DEFAULT_SLA, name = 'attend'): SimPolicy => {
  const sla = order ? { ...s, order } : s;
  return { name, next: (w, now) => pickNext(orderQueue([...w], sla, now), NONE, DEFAULT_FOCUS)?.item ?? null };
};
