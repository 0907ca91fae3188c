// The queue simulation checked against cases with a known answer, so its figures can be trusted.
import { describe, expect, it } from 'vitest';
import { runDay } from '../../bench/simulate/engine.js';
import { figuresOf, percentile } from '../../bench/simulate/figures.js';
import { DEFAULT_WORKLOAD, makeDay, type Scenario } from '../../bench/simulate/model.js';
import { attend, breachedFirst, chatFirst, fifo } from '../../bench/simulate/policies.js';

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

  it('nearest-rank percentiles are real measurements', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([5], 0.5)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });
});
