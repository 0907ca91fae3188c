import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it } from 'vitest';
import { policyFingerprint, policyFromSettings } from '../../src/config/policy-settings.js';
import { openSettings, settingsSchema } from '../../src/config/settings.js';
import { DEFAULT_FOCUS } from '../../src/policy/focus.js';
import { effectivePriority } from '../../src/policy/priority.js';
import { DEFAULT_QUEUE_ORDER, DEFAULT_SLA } from '../../src/policy/sla.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'attend-policy-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const from = (values: Record<string, unknown>) => policyFromSettings((k) => values[k]);

describe('policyFromSettings', () => {
  it('without user values: the defaults, and no rules', () => {
    const p = from({});
    expect(p.sla).toEqual(DEFAULT_SLA);
    expect(p.focus).toEqual(DEFAULT_FOCUS);
    expect(p.rules).toEqual([]);
  });

  it('merges each level over the defaults', () => {
    const p = from({
      sla: { chat: { firstMinutes: 1 }, priorities: { urgent: { email: { firstMinutes: 60 } } }, vip: { match: ['@vip.test'] } },
      priority: { rules: [{ subjectWords: ['refund'], priority: 'high' }] },
      focus: { waitsFor: { email: ['chat'] }, breakthrough: { leadMinutes: { email: 60 }, bell: true }, queueNotice: { enabled: true } },
    });
    expect(p.sla).toEqual({
      channels: { chat: { firstMinutes: 1, nextMinutes: 5 }, email: { firstMinutes: 240, nextMinutes: 480 } },
      priorities: { urgent: { email: { firstMinutes: 60 } } },
      vip: { match: ['@vip.test'], factor: 0.5 },
      order: DEFAULT_QUEUE_ORDER,
    });
    expect(p.rules).toEqual([{ subjectWords: ['refund'], priority: 'high' }]);
    expect(p.focus).toEqual({
      channelRank: { chat: 2, email: 1 },
      waitsFor: { email: ['chat'] },
      breakthrough: { leadMinutes: { chat: 2, email: 60 }, vip: true, bell: true, notify: false },
      queueNotice: { enabled: true, text: DEFAULT_FOCUS.queueNotice.text },
    });
  });

  it('lists replace the default instead of merging; false and 0 are kept', () => {
    const p = from({ sla: { vip: { match: ['a@b.test'], factor: 1 } }, focus: { breakthrough: { vip: false, leadMinutes: { chat: 0 } } } });
    expect(p.sla.vip).toEqual({ match: ['a@b.test'], factor: 1 });
    expect(p.focus.breakthrough.vip).toBe(false);
    expect(p.focus.breakthrough.leadMinutes.chat).toBe(0);
  });

  it('never shares or changes the defaults', () => {
    const p = from({ sla: { chat: { firstMinutes: 1 } } });
    p.focus.channelRank.chat = 99;
    p.sla.channels.email.firstMinutes = 1;
    expect(DEFAULT_FOCUS.channelRank.chat).toBe(2);
    expect(DEFAULT_SLA.channels.email.firstMinutes).toBe(240);
    expect(DEFAULT_SLA.channels.chat.firstMinutes).toBe(2);
  });

  it('ignores values that are not objects and prototype keys', () => {
    const p = from({ sla: 'fast', priority: { rules: 'none' }, focus: JSON.parse('{"__proto__": {"polluted": true}, "channelRank": {"email": 3}}') });
    expect(p.sla).toEqual(DEFAULT_SLA);
    expect(p.rules).toEqual([]);
    expect(p.focus.channelRank).toEqual({ chat: 2, email: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the rules feed effectivePriority', () => {
    const p = from({ priority: { rules: [{ name: 'partner', domain: ['partner.test'], priority: 'urgent' }] } });
    const f = { explicit: null, channel: 'email' as const, subject: 'hi', customerEmails: ['x@partner.test'] };
    expect(effectivePriority(f, p.rules, p.sla.vip)).toEqual({ priority: 'urgent', reasons: ['partner'] });
  });
});

describe('policyFingerprint', () => {
  it('is stable across key order and changes with any setting', () => {
    const a = from({ focus: { channelRank: { chat: 1, email: 2 } }, sla: { chat: { nextMinutes: 3, firstMinutes: 1 } } });
    const b = from({ sla: { chat: { firstMinutes: 1, nextMinutes: 3 } }, focus: { channelRank: { email: 2, chat: 1 } } });
    expect(policyFingerprint(a)).toBe(policyFingerprint(b));
    expect(policyFingerprint(from({}))).toBe(policyFingerprint(from({ sla: {}, focus: {} })));
    expect(policyFingerprint(from({}))).not.toBe(policyFingerprint(from({ sla: { email: { firstMinutes: 60 } } })));
    expect(policyFingerprint(from({}))).not.toBe(policyFingerprint(from({ priority: { rules: [{ priority: 'low' }] } })));
    expect(JSON.parse(policyFingerprint(from({})))).toEqual(from({}));
  });
});

describe('settings schema for the policy keys', () => {
  const store = () => new Conf<Record<string, unknown>>({ cwd: tmp(), projectName: 'attend', schema: settingsSchema as never });

  const valid = {
    sla: { chat: { firstMinutes: 1.5 }, priorities: { urgent: { email: { firstMinutes: 60 } } }, vip: { match: ['@vip.test', 'ceo@x.test'], factor: 0.5 } },
    priority: { rules: [{ name: 'refunds', subjectWords: ['refund'], channel: ['email'], priority: 'high' }, { from: ['a@b.test'], domain: ['@c.test'], priority: 'low' }] },
    focus: { channelRank: { chat: 2, email: 1 }, waitsFor: { email: ['chat'] }, breakthrough: { leadMinutes: { chat: 0, email: 30 }, vip: false, bell: true, notify: false }, queueNotice: { enabled: true, text: 'You are #{{position}}' } },
  };

  it('accepts valid policy settings', () => {
    const s = store();
    for (const [k, v] of Object.entries(valid)) s.set(k, v);
    expect(policyFromSettings((k) => s.get(k)).rules).toHaveLength(2);
  });

  it.each<[string, string, unknown]>([
    ['a priority that does not exist', 'priority', { rules: [{ subjectWords: ['x'], priority: 'critical' }] }],
    ['a rule without priority', 'priority', { rules: [{ subjectWords: ['x'] }] }],
    ['a misspelt rule key', 'priority', { rules: [{ subjectWord: ['x'], priority: 'high' }] }],
    ['an unknown channel in a rule', 'priority', { rules: [{ channel: ['sms'], priority: 'high' }] }],
    ['an empty condition', 'priority', { rules: [{ from: [], priority: 'high' }] }],
    ['a from that is no address', 'priority', { rules: [{ from: ['bob'], priority: 'high' }] }],
    ['zero minutes', 'sla', { chat: { firstMinutes: 0 } }],
    ['negative minutes', 'sla', { email: { nextMinutes: -5 } }],
    ['minutes as a string', 'sla', { email: { firstMinutes: '60' } }],
    ['a misspelt target key', 'sla', { email: { firstMinute: 60 } }],
    ['a per-priority override for an unknown priority', 'sla', { priorities: { critical: { email: { firstMinutes: 5 } } } }],
    ['a VIP match that is no address or @domain', 'sla', { vip: { match: ['vip.test'] } }],
    ['a VIP factor of 0', 'sla', { vip: { match: [], factor: 0 } }],
    ['an unknown channel in waitsFor', 'focus', { waitsFor: { email: ['phone'] } }],
    ['an unknown channel key', 'focus', { channelRank: { phone: 3 } }],
    ['a negative lead', 'focus', { breakthrough: { leadMinutes: { chat: -1 } } }],
    ['bell as a string', 'focus', { breakthrough: { bell: 'yes' } }],
    ['an unknown focus key', 'focus', { waitFor: { email: ['chat'] } }],
  ])('rejects %s', (_name, key, value) => {
    const s = store();
    expect(() => s.set(key, value)).toThrow(/schema/);
    expect(s.get(key)).toBeUndefined();
  });

  it('openSettings rejects a file with a bad priority and reads a good one', () => {
    const env = { ATTEND_HOME: tmp() };
    const file = path.join(env.ATTEND_HOME, 'config.json');
    writeFileSync(file, JSON.stringify({ accounts: [], priority: { rules: [{ domain: ['x.test'], priority: 'asap' }] } }));
    expect(() => openSettings(env)).toThrow(/schema violation/);
    writeFileSync(file, JSON.stringify({ accounts: [], ...valid }));
    const settings = openSettings(env, { validate: true });
    const p = policyFromSettings((k) => settings.get(k as never));
    expect(p.sla.channels.chat).toEqual({ firstMinutes: 1.5, nextMinutes: 5 });
    expect(p.focus.waitsFor).toEqual({ email: ['chat'] });
  });
});
