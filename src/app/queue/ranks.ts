// Keeps the cached queue ranks current: the policy decides, the store keeps the result.
import { type PolicySettings, policyFingerprint } from '../../config/policy-settings.js';
import { PRIORITIES } from '../../domain/types.js';
import { effectivePriority } from '../../policy/priority.js';
import { backlogAt, backlogLeadMs } from '../../policy/queue.js';
import { dueAt, hasCalendar, isVip, queueOrderOf, targetMinutes } from '../../policy/sla.js';
import type { Db } from '../../store/db.js';
import { anyStale, getMeta, markAllStale, putMeta, queueKey, type RankOfNew, type RankOutputs, rankStaleInSql, staleRankInputs, writeRanks } from '../../store/ranks.js';

const BATCH = 2000;

/** Whether ranks depend only on channel, priority and time (no rule or VIP needs the conversation's details). */
const plainPolicy = (policy: PolicySettings) => policy.rules.length === 0 && (policy.sla.vip?.match.length ?? 0) === 0;

/**
 * Ranks a new conversation as the store writes it, by the same policy functions as refreshRanks,
 * when the policy needs nothing but its channel and times (the default); else undefined, and new
 * conversations are ranked by refreshRanks with everything else that changed.
 */
export function rankerForNew(policy: PolicySettings): RankOfNew | undefined {
  if (!plainPolicy(policy)) return undefined;
  const { priority, reasons } = effectivePriority({ explicit: null, channel: 'email', subject: '', customerEmails: [] }, [], policy.sla.vip);
  const reasonsJson = JSON.stringify(reasons);
  const priorityRank = PRIORITIES.indexOf(priority);
  return (c) => {
    const facts = { channel: c.channel, priority, waitingSince: c.waitingSince, answeredBefore: c.answeredBefore, customerEmails: [] };
    const due = dueAt(facts, policy.sla);
    return {
      priority,
      priorityRank,
      dueAt: due,
      queueKey: queueKey(due, c.lastMessageAt),
      vip: false,
      reasonsJson,
      backlogAt: backlogAt(facts, policy.sla),
      backlogLead: backlogLeadMs(c.channel, policy.sla),
    };
  };
}

/**
 * Recomputes the ranks of conversations whose inputs changed (all of them after the policy settings
 * changed). Cost grows with what changed: a clean store costs one indexed lookup.
 * @param now the clock, when known: what is already backlog is written as such (else markBacklog moves it)
 * @returns how many were recomputed
 */
export function refreshRanks(db: Db, policy: PolicySettings, now?: number): number {
  const fingerprint = policyFingerprint(policy);
  let done = 0;
  const policyChanged = getMeta(db, 'rank_policy') !== fingerprint;
  // Nothing to do is found by reading alone: `attend list` during a sync never queues behind the
  // sync's write transactions for a lock it would not use.
  if (!policyChanged && !anyStale(db)) return 0;
  if (policyChanged) {
    db.transaction(() => {
      markAllStale(db);
      putMeta(db, 'rank_policy', fingerprint);
    }).immediate();
  }
  // Business hours make a due time a walk through the calendar, not an addition SQL can do.
  if (plainPolicy(policy) && !hasCalendar(policy.sla)) {
    // Nothing needs JavaScript: the same arithmetic as one SQL statement.
    return db
      .transaction(() =>
        rankStaleInSql(db, {
          targetMs: (channel, priority, answeredBefore) =>
            targetMinutes({ channel, priority, waitingSince: 0, answeredBefore, customerEmails: [] }, policy.sla) * 60_000,
          reasonsJson: (explicit) => JSON.stringify(effectivePriority({ explicit, channel: 'email', subject: '', customerEmails: [] }, [], policy.sla.vip).reasons),
          graceMs: (channel, priority, answeredBefore) =>
            queueOrderOf(policy.sla).graceTargets * targetMinutes({ channel, priority, waitingSince: 0, answeredBefore, customerEmails: [] }, policy.sla) * 60_000,
          backlogLeadMs: (channel) => backlogLeadMs(channel, policy.sla),
          ...(now !== undefined ? { now } : {}),
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
        return {
          id: c.id,
          priority,
          priorityRank: PRIORITIES.indexOf(priority),
          dueAt: dueAt(facts, policy.sla),
          lastMessageAt: c.lastMessageAt,
          vip: isVip(c.customerEmails, policy.sla.vip),
          reasons,
          backlogAt: backlogAt(facts, policy.sla),
          backlogLead: backlogLeadMs(c.channel, policy.sla),
        };
      });
      writeRanks(db, out, now);
      return out.length;
    }).immediate();
    done += batch;
    if (batch < BATCH) return done;
  }
}
