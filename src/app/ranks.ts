// Keeps the cached queue ranks current: the policy decides, the store keeps the result.
import { type PolicySettings, policyFingerprint } from '../config/policy-settings.js';
import { PRIORITIES } from '../domain/types.js';
import { effectivePriority } from '../policy/priority.js';
import { dueAt, isVip, targetMinutes } from '../policy/sla.js';
import type { Db } from '../store/db.js';
import { getMeta, markAllStale, putMeta, type RankOutputs, rankStaleInSql, staleRankInputs, writeRanks } from '../store/ranks.js';

const BATCH = 2000;

/**
 * Recomputes the ranks of conversations whose inputs changed (all of them after the policy settings
 * changed). Cost grows with what changed: a clean store costs one indexed lookup.
 * @returns how many were recomputed
 */
export function refreshRanks(db: Db, policy: PolicySettings): number {
  const fingerprint = policyFingerprint(policy);
  let done = 0;
  if (getMeta(db, 'rank_policy') !== fingerprint) {
    db.transaction(() => {
      markAllStale(db);
      putMeta(db, 'rank_policy', fingerprint);
    }).immediate();
  }
  if (policy.rules.length === 0 && (policy.sla.vip?.match.length ?? 0) === 0) {
    // Nothing needs JavaScript: the same arithmetic as one SQL statement.
    return db
      .transaction(() =>
        rankStaleInSql(db, {
          targetMs: (channel, priority, answeredBefore) =>
            targetMinutes({ channel, priority, waitingSince: 0, answeredBefore, customerEmails: [] }, policy.sla) * 60_000,
          reasonsJson: (explicit) => JSON.stringify(effectivePriority({ explicit, channel: 'email', subject: '', customerEmails: [] }, [], policy.sla.vip).reasons),
        }),
      )
      .immediate();
  }
  for (;;) {
    const batch = db.transaction(() => {
      const inputs = staleRankInputs(db, BATCH);
      const out: RankOutputs[] = inputs.map((c) => {
        const { priority, reasons } = effectivePriority(
          { explicit: c.prioritySet, channel: c.channel, subject: c.subject, customerEmails: c.customerEmails },
          policy.rules,
          policy.sla.vip,
        );
        const facts = { channel: c.channel, priority, waitingSince: c.waitingSince, answeredBefore: c.answeredBefore, customerEmails: c.customerEmails };
        return { id: c.id, priority, priorityRank: PRIORITIES.indexOf(priority), dueAt: dueAt(facts, policy.sla), lastMessageAt: c.lastMessageAt, vip: isVip(c.customerEmails, policy.sla.vip), reasons };
      });
      writeRanks(db, out);
      return out.length;
    }).immediate();
    done += batch;
    if (batch < BATCH) return done;
  }
}
