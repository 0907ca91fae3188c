// The queue simulation checked against cases with a known answer, so its figures can be trusted.
import { describe, expect, it } from 'vitest';
import { runDay } from '../../bench/simulate/engine.js';
import { figuresOf, percentile } from '../../bench/simulate/figures.js';
import { type ConversationSpec, type Day, DEFAULT_WORKLOAD, makeDay, type Scenario } from '../../bench/simulate/model.js';
import { attend, breachedFirst, chatFirst, fifo } from '../../bench/simulate/policies.js';
import { DEFAULT_SLA } from '../../src/policy/sla.js';

const MIN = 60_000;

describe('queue simulation', () => {
  it('an M/M/1 queue (email only, FIFO) has the mean time in system 1/(μ−λ), within 3%', () => {
    // ρ = 0.7 with 6-minute exponential service: λ = 0.7/6 per minute, W = 1/(1/6 − 0.7/6) = 20 minutes.
    const scenario: Scenario = { name: 'mm1', utilisation: 0.7, chatShare: 0, hours: 24 * 400 };
    const day = makeDay(scenario, DEFAULT_WORKLOAD, 1, 42);
    const { responses } = runDay(day, fifo, { agents: 1, mode: 'finish', workload: DEFAULT_WORKLOAD });
    expect(responses.length).toBeGreaterThan(60_000);
    const mean = responses.reduce((s, r) => s + r.ms, 0) / responses.length / MIN;
    expect(mean).toBeGreaterThan(20 * 0.97);
    expect(mean).toBeLessThan(20 * 1.03);
    // And the arrival rate is the one asked for (Poisson with λ = 7/h).
    expect(responses.length / (24 * 400)).toBeGreaterThan(7 * 0.98);
    expect(responses.length / (24 * 400)).toBeLessThan(7 * 1.02);
  });

  it('an M/M/2 queue (two agents) matches the Erlang C waiting time, within 5%', () => {
    // λ = 2·0.7/6 per minute, μ = 1/6, c = 2, ρ = 0.7: P(wait) = 2ρ²/(1+ρ) = 0.5765, Wq = P/(cμ − λ) = 0.5765·6/0.6 = 5.765 min.
    const scenario: Scenario = { name: 'mm2', utilisation: 0.7, chatShare: 0, hours: 24 * 300 };
    const day = makeDay(scenario, DEFAULT_WORKLOAD, 2, 7);
    const { responses } = runDay(day, fifo, { agents: 2, mode: 'finish', workload: DEFAULT_WORKLOAD });
    const meanW = responses.reduce((s, r) => s + r.ms, 0) / responses.length / MIN;
    const expected = 5.765 + 6;
    expect(Math.abs(meanW - expected) / expected).toBeLessThan(0.05);
  });

  it('is deterministic for a seed and different for another', () => {
    const scenario: Scenario = { name: 'mix', utilisation: 0.85, chatShare: 0.2, hours: 24, backlog: { emails: 10, maxOverdueHours: 48 } };
    const run = (seed: number) => {
      const day = makeDay(scenario, DEFAULT_WORKLOAD, 1, seed);
      return JSON.stringify(figuresOf('attend', 'interrupt', [runDay(day, attend(), { agents: 1, mode: 'interrupt', workload: DEFAULT_WORKLOAD })], scenario.hours * 3_600_000));
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
  });

  it('every policy answers every customer message of the day exactly once, in both agent modes', () => {
    const scenario: Scenario = { name: 'all', utilisation: 0.9, chatShare: 0.3, hours: 12, backlog: { emails: 20, maxOverdueHours: 24 } };
    const day = makeDay(scenario, DEFAULT_WORKLOAD, 1, 11);
    const expected = day.conversations.reduce((n, c) => n + c.work.length, 0);
    for (const policy of [fifo, chatFirst(), breachedFirst(), attend()])
      for (const mode of ['finish', 'interrupt'] as const) {
        const { responses } = runDay(day, policy, { agents: 1, mode, workload: DEFAULT_WORKLOAD });
        expect(responses.length, `${policy.name} ${mode}`).toBe(expected);
      }
  });

  describe('a hand-computed timeline (resume costs 30 s)', () => {
    const spec = (id: number, channel: 'email' | 'chat', atMin: number, workMin: number): ConversationSpec => ({ id, channel, at: atMin * MIN, work: [workMin * MIN], think: [], backlog: atMin < 0 });
    const day = (...c: ConversationSpec[]): Day => ({ conversations: c, origin: 0, end: 60 * MIN });
    const answered = (r: ReturnType<typeof runDay>, channel: string) => r.responses.filter((x) => x.channel === channel).map((x) => x.at / MIN);

    it('focus mode: a chat interrupts an email, which resumes from its draft', () => {
      // Email 0–10 min of work from t=0; a chat at t=1 (0.5 min of work) breaks through at once.
      const r = runDay(day(spec(1, 'email', 0, 10), spec(2, 'chat', 1, 0.5)), attend(), { agents: 1, mode: 'interrupt', workload: DEFAULT_WORKLOAD });
      expect(answered(r, 'chat')).toEqual([1.5]);
      expect(answered(r, 'email')).toEqual([11]); // 1 min done, 9 left + 0.5 to pick it up again, from 1.5
      expect(r.interruptions).toBe(1);
      const finish = runDay(day(spec(1, 'email', 0, 10), spec(2, 'chat', 1, 0.5)), attend(), { agents: 1, mode: 'finish', workload: DEFAULT_WORKLOAD });
      expect(answered(finish, 'email')).toEqual([10]);
      expect(answered(finish, 'chat')).toEqual([10.5]);
    });

    it('any order: an agent who takes an email while a chat is at risk jumps to the chat at once, losing nothing', () => {
      // FIFO offers the backlog email first; the breakthrough line sends the agent to each chat.
      const r = runDay(day(spec(1, 'email', -300, 6), spec(2, 'chat', 0, 0.5), spec(3, 'chat', 0.2, 0.5)), fifo, { agents: 1, mode: 'interrupt', workload: DEFAULT_WORKLOAD });
      expect(answered(r, 'chat')).toEqual([0.5, 1]);
      expect(answered(r, 'email')).toEqual([7]); // never started before: no resume cost
    });

    it('nobody is interrupted while a colleague is free', () => {
      const r = runDay(day(spec(1, 'email', 0, 10), spec(2, 'chat', 1, 0.5)), attend(), { agents: 2, mode: 'interrupt', workload: DEFAULT_WORKLOAD });
      expect(r.interruptions).toBe(0);
      expect(answered(r, 'email')).toEqual([10]);
      expect(answered(r, 'chat')).toEqual([1.5]);
    });

    it('agents on a shift start nothing while the shop is closed', () => {
      const shop = { timeZone: 'UTC', weekly: { mon: ['09:00-17:00'] } };
      const monday = Date.UTC(2026, 10, 30);
      const d: Day = { conversations: [{ ...spec(1, 'email', 0, 10), at: monday + 2 * 3_600_000 }], origin: monday, end: monday + 24 * 3_600_000 };
      const r = runDay(d, attend(), { agents: 1, mode: 'finish', workload: DEFAULT_WORKLOAD, shift: shop, sla: { ...DEFAULT_SLA, hours: { email: shop } } });
      expect(answered(r, 'email')).toEqual([9 * 60 + 10]); // arrived 02:00, started at 09:00
      expect(r.responses[0]?.ms).toBe(10 * MIN); // open time only
    });
  });

  it('nearest-rank percentiles are real measurements', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([5], 0.5)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });
});
