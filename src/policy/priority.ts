// Effective priority of a conversation, with the reasons for it. Pure: facts + rules in, no I/O.
import type { Channel, Priority } from '../domain/types.js';
import { PRIORITIES } from '../domain/types.js';
import { isVip, type SlaSettings } from './sla.js';

/**
 * A rule matches when every condition it has matches (a rule with no condition matches every
 * conversation). A condition given as an empty list matches nothing. Case never matters.
 */
export interface PriorityRule {
  /** Shown as the reason; without it the reason describes what matched ("subject: refund"). */
  name?: string;
  /** Exact customer addresses. */
  from?: string[];
  /** Customer address ends with "@" + domain ("bigco.test"; a leading "@" is accepted too). */
  domain?: string[];
  /** Any of these whole words (or phrases) occurs in the subject. */
  subjectWords?: string[];
  channel?: Channel[];
  priority: Priority;
}

export interface PriorityFacts {
  /** Set by an agent; wins over every rule. */
  explicit: Priority | null;
  channel: Channel;
  subject: string;
  customerEmails: string[];
}

export interface EffectivePriority {
  priority: Priority;
  /** Why: "set", rule names / descriptions, "VIP". Empty for the default. */
  reasons: string[];
}

/** Lower is more urgent: urgent 0 … low 3. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}

/**
 * Explicit (agent-set) priority wins outright, reason "set". Otherwise the highest priority among
 * matching rules — a rule may also lower a conversation below normal (e.g. newsletters: low) — and
 * a VIP customer is at least 'high'. The reasons are those that produced the result (several rules
 * at the same level all count; "VIP" only when VIP reaches the result). Default 'normal', no reason.
 */
export function effectivePriority(f: PriorityFacts, rules: readonly PriorityRule[], vip: SlaSettings['vip']): EffectivePriority {
  if (f.explicit !== null) return { priority: f.explicit, reasons: ['set'] };

  const matched: Array<{ priority: Priority; reason: string }> = [];
  for (const rule of rules) {
    const reason = matchRule(rule, f);
    if (reason !== null) matched.push({ priority: rule.priority, reason });
  }
  const candidates: Array<{ priority: Priority; reason: string }> = matched.length > 0 ? matched : [{ priority: 'normal', reason: '' }];
  if (isVip(f.customerEmails, vip)) candidates.push({ priority: 'high', reason: 'VIP' });

  const best = Math.min(...candidates.map((c) => priorityRank(c.priority)));
  const priority = PRIORITIES[best] ?? 'normal';
  const reasons = [...new Set(candidates.filter((c) => priorityRank(c.priority) === best && c.reason !== '').map((c) => c.reason))];
  return { priority, reasons };
}

/** The reason text when the rule matches, null when it does not. */
export function matchRule(rule: PriorityRule, f: Pick<PriorityFacts, 'channel' | 'subject' | 'customerEmails'>): string | null {
  const parts: string[] = [];
  const emails = f.customerEmails.map((e) => e.trim().toLowerCase());

  if (rule.from) {
    const hit = rule.from.find((a) => emails.includes(a.trim().toLowerCase()));
    if (hit === undefined) return null;
    parts.push(`from: ${hit.trim().toLowerCase()}`);
  }
  if (rule.domain) {
    const hit = rule.domain.find((d) => {
      const dom = d.trim().toLowerCase().replace(/^@/, '');
      return dom !== '' && emails.some((e) => e.endsWith(`@${dom}`));
    });
    if (hit === undefined) return null;
    parts.push(`domain: ${hit.trim().toLowerCase().replace(/^@/, '')}`);
  }
  if (rule.subjectWords) {
    const hit = rule.subjectWords.find((w) => hasWord(f.subject, w));
    if (hit === undefined) return null;
    parts.push(`subject: ${hit.trim().toLowerCase()}`);
  }
  if (rule.channel) {
    if (!rule.channel.includes(f.channel)) return null;
    parts.push(`channel: ${f.channel}`);
  }
  return rule.name ?? (parts.length > 0 ? parts.join(', ') : 'every conversation');
}

/** Whole word (or phrase) anywhere in the text, case-insensitive; letters and digits of any script form words. */
export function hasWord(text: string, word: string): boolean {
  const w = word.trim();
  if (w === '') return false;
  const escaped = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}
