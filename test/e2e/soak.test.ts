// The short version of `npm run soak` (bench/soak/harness.ts): real Dovecot, SMTP sink, relay,
// `attend sync --watch` and `attend watch` as separate processes, visitors, mail and replies under
// load while each process is SIGKILLed and restarted. Nothing may be lost or delivered twice.
import { expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/harness.js';
import { requireDovecot } from '../helpers/e2e.js';

const describeWithDovecot = requireDovecot();

describeWithDovecot('soak (short)', () => {
  it('SIGKILLs of the relay, the agent and watch lose nothing and duplicate nothing', { timeout: 45_000 }, async () => {
    const report = await runSoak({ seconds: 15, seed: 4242, visitors: 4, killEveryMs: 3000, quietMs: 8_000 });
    expect(report.findings.filter((f) => !f.what.startsWith('reply not delivered'))).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    // The run really exercised something: messages flowed and processes died.
    expect(report.messages.chatAcked).toBeGreaterThan(20);
    expect(report.messages.emails).toBeGreaterThan(5);
    expect(Object.values(report.kills).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });
});
