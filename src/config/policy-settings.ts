// Policy settings: the user's `sla`, `priority` and `focus` keys merged over the defaults. Takes a
// getter instead of the conf store so this module (and its callers' tests) never need conf:
//   policyFromSettings((k) => settings.get(k as never))
import type { Channel, Priority } from '../domain/types.js';
import { DEFAULT_FOCUS, type FocusSettings } from '../policy/focus.js';
import type { PriorityRule } from '../policy/priority.js';
import { type HoursSettings, resolveHours } from '../policy/business-hours.js';
import { DEFAULT_SLA, type SlaSettings, type Target } from '../policy/sla.js';

/** The `sla` key as written in the settings file. */
export interface SlaSettingsInput {
  chat?: Partial<Target>;
  email?: Partial<Target>;
  priorities?: Partial<Record<Priority, Partial<Record<Channel, Partial<Target>>>>>;
  vip?: { match: string[]; factor?: number };
}

/** The `priority` key. */
export interface PrioritySettingsInput {
  rules: PriorityRule[];
}

/** The `focus` key: any part of FocusSettings. */
export interface FocusSettingsInput {
  channelRank?: Partial<Record<Channel, number>>;
  waitsFor?: Partial<Record<Channel, Channel[]>>;
  breakthrough?: { leadMinutes?: Partial<Record<Channel, number>>; vip?: boolean; bell?: boolean; notify?: boolean };
  queueNotice?: { enabled?: boolean; text?: string };
}

export interface PolicySettings {
  sla: SlaSettings;
  rules: PriorityRule[];
  focus: FocusSettings;
}

/**
 * Deep-merges the user's values over DEFAULT_SLA / DEFAULT_FOCUS: objects merge key by key,
 * anything else (numbers, strings, lists) replaces the default; missing or undefined keeps it.
 */
export function policyFromSettings(get: (key: string) => unknown): PolicySettings {
  const sla = asObject(get('sla')) as SlaSettingsInput | undefined;
  const priority = asObject(get('priority')) as Partial<PrioritySettingsInput> | undefined;
  const focus = asObject(get('focus'));
  const slaOver = sla ? { channels: { chat: sla.chat, email: sla.email }, priorities: sla.priorities, vip: sla.vip } : undefined;
  const merged = merge(DEFAULT_SLA, slaOver) as SlaSettings;
  // Business hours belong to the targets (they decide when a target runs), so they live in `sla`
  // and are part of the fingerprint: a schedule change re-ranks every conversation.
  const hours = resolveHours(asObject(get('hours')) as HoursSettings | undefined);
  if (Object.keys(hours).length > 0) merged.hours = hours;
  return {
    sla: merged,
    rules: Array.isArray(priority?.rules) ? structuredClone(priority.rules) : [],
    focus: merge(DEFAULT_FOCUS, focus) as FocusSettings,
  };
}

/**
 * Stable JSON of the merged settings (object keys sorted, so the order in the file does not
 * matter): equal strings, equal policy. Ranks cached under another fingerprint must be recomputed.
 */
export function policyFingerprint(p: PolicySettings): string {
  return JSON.stringify(sortKeys(p));
}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObject = (v: unknown): Plain | undefined => (isPlain(v) ? v : undefined);
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isPlain(base) || !isPlain(over)) return structuredClone(over);
  const out: Plain = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (UNSAFE.has(k) || v === undefined) continue;
    out[k] = merge(base[k], v);
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isPlain(v)) return v;
  const out: Plain = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
  return out;
}
