import { describe, expect, it } from 'vitest';
import type { Channel, Priority } from '../../src/domain/types.js';
import { effectivePriority, hasWord, type PriorityFacts, type PriorityRule } from '../../src/policy/priority.js';
import type { SlaSettings } from '../../src/policy/sla.js';

const facts = (over: Partial<PriorityFacts> = {}): PriorityFacts => ({
  explicit: null,
  channel: 'email' as Channel,
  subject: 'Question about my order',
  customerEmails: ['ann@shop.test'],
  ...over,
});

const rules: PriorityRule[] = [
  { subjectWords: ['refund', 'money back'], priority: 'high' },
  { name: 'Big customer', domain: ['bigco.test'], priority: 'high' },
  { from: ['Boss@Partner.test'], priority: 'urgent' },
  { name: 'outage on chat', subjectWords: ['down'], channel: ['chat'], priority: 'urgent' },
  { domain: ['@news.test'], priority: 'low' },
];
const vip: SlaSettings['vip'] = { match: ['@vip.test', 'star@x.test'], factor: 0.5 };

describe('effectivePriority', () => {
  it.each<[string, PriorityFacts, Priority, string[]]>([
    ['default is normal without a reason', facts(), 'normal', []],
    ['explicit wins over every rule and VIP', facts({ explicit: 'low', subject: 'refund', customerEmails: ['a@vip.test'] }), 'low', ['set']],
    ['explicit urgent', facts({ explicit: 'urgent' }), 'urgent', ['set']],
    ['subject word, described by the word', facts({ subject: 'Re: REFUND please' }), 'high', ['subject: refund']],
    ['subject phrase across spaces', facts({ subject: 'I want my money   back' }), 'high', ['subject: money back']],
    ['subject word must be whole', facts({ subject: 'refunded already, thanks' }), 'normal', []],
    ['domain rule uses its name', facts({ customerEmails: ['x@BigCo.test'] }), 'high', ['Big customer']],
    ['domain is not a suffix of another domain', facts({ customerEmails: ['x@notbigco.test'] }), 'normal', []],
    ['from is exact and case-insensitive', facts({ customerEmails: ['boss@partner.TEST'] }), 'urgent', ['from: boss@partner.test']],
    ['from does not match a longer address', facts({ customerEmails: ['theboss@partner.test'] }), 'normal', []],
    ['every condition must match: channel missing', facts({ subject: 'site is down' }), 'normal', []],
    ['every condition must match: both', facts({ subject: 'site is down', channel: 'chat' }), 'urgent', ['outage on chat']],
    ['a rule may lower the priority', facts({ customerEmails: ['letters@news.test'] }), 'low', ['domain: news.test']],
    ['highest matching rule wins', facts({ subject: 'refund', customerEmails: ['boss@partner.test'] }), 'urgent', ['from: boss@partner.test']],
    ['several rules at the winning level all count', facts({ subject: 'refund', customerEmails: ['x@bigco.test'] }), 'high', ['subject: refund', 'Big customer']],
    ['VIP is at least high', facts({ customerEmails: ['a@vip.test'] }), 'high', ['VIP']],
    ['VIP lifts a low rule', facts({ customerEmails: ['star@x.test', 'letters@news.test'] }), 'high', ['VIP']],
    ['VIP and a high rule both explain', facts({ subject: 'refund', customerEmails: ['a@vip.test'] }), 'high', ['subject: refund', 'VIP']],
    ['an urgent rule outranks VIP', facts({ customerEmails: ['boss@partner.test', 'a@vip.test'] }), 'urgent', ['from: boss@partner.test']],
  ])('%s', (_name, f, priority, reasons) => {
    expect(effectivePriority(f, rules, vip)).toEqual({ priority, reasons });
  });

  it('no rules and no VIP settings', () => {
    expect(effectivePriority(facts({ subject: 'refund' }), [], undefined)).toEqual({ priority: 'normal', reasons: [] });
  });

  it('a rule without conditions matches everything; an empty list matches nothing', () => {
    expect(effectivePriority(facts(), [{ priority: 'low' }], undefined)).toEqual({ priority: 'low', reasons: ['every conversation'] });
    expect(effectivePriority(facts(), [{ from: [], priority: 'urgent' }], undefined)).toEqual({ priority: 'normal', reasons: [] });
  });

  it('describes every matched condition of an unnamed rule', () => {
    const r: PriorityRule[] = [{ domain: ['shop.test'], subjectWords: ['order'], channel: ['email'], priority: 'high' }];
    expect(effectivePriority(facts(), r, undefined).reasons).toEqual(['domain: shop.test, subject: order, channel: email']);
  });
});

describe('hasWord', () => {
  it.each<[string, string, boolean]>([
    ['Ärger mit der Rechnung', 'ärger', true],
    ['Rechnungen', 'rechnung', false],
    ['price (c++) issue', 'c++', true],
    ['anything', '   ', false],
    ['refund_request', 'refund', false],
  ])('%s / %s', (text, word, want) => expect(hasWord(text, word)).toBe(want));
});
