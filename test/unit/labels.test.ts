// Who and what a queue row shows: names, typed (unverified) addresses, stable visitor tags with the
// page, and nothing a visitor typed may reach the terminal as an escape sequence.
import { describe, expect, it } from 'vitest';
import { claimLine, customerLabel, customerLine, emailText, rowText, visitorTag, type WhoFacts } from '../../src/domain/labels.js';
import { checkPage } from '../../src/relay/validate.js';
import { emptyText, whoCell } from '../../src/ui/components/QueuePane.js';
import { focusIdleText } from '../../src/ui/components/SplitView.js';
import type { ConversationSummary } from '../../src/domain/conversation.js';

const chat = (over: Partial<WhoFacts> = {}): WhoFacts => ({
  channel: 'chat',
  account: 'web',
  externalRef: '4',
  name: '',
  email: null,
  emailVerified: false,
  page: null,
  ...over,
});

describe('customerLabel', () => {
  it('a name wins; then the address, marked when only typed; then a stable visitor tag with the page', () => {
    expect(customerLabel(chat({ name: 'Vera', email: 'vera@x.test' }))).toBe('Vera');
    expect(customerLabel(chat({ email: 'vera@x.test' }))).toBe('vera@x.test (unverified)');
    expect(customerLabel({ ...chat({ email: 'ann@x.test', emailVerified: true }), channel: 'email', externalRef: null })).toBe('ann@x.test');
    const tag = visitorTag('web', '4');
    expect(tag).toMatch(/^visitor [0-9a-f]{4}$/);
    expect(customerLabel(chat({ page: '/pricing' }))).toBe(`${tag} · /pricing`);
    expect(customerLabel(chat())).toBe(tag);
    expect(customerLabel(chat())).not.toContain('visitor 4');
  });

  it('the visitor tag is stable for a conversation and differs between conversations and accounts', () => {
    expect(visitorTag('web', '4')).toBe(visitorTag('web', '4'));
    const tags = new Set(Array.from({ length: 50 }, (_, i) => visitorTag('web', String(i + 1))));
    expect(tags.size).toBeGreaterThan(45); // 16 bits: collisions are possible, but rare among a day's visitors
    expect(visitorTag('web', '4')).not.toBe(visitorTag('shop', '4'));
  });

  it('strips terminal escapes and controls from names, addresses and pages, and bounds their length', () => {
    const hostile = chat({ name: '\x1b]0;owned\x07\x1b[31mEve\x1b[0m\r\n\u202e', page: '/x' });
    expect(customerLabel(hostile)).toBe('Eve');
    const label = customerLabel(chat({ email: 'a\x1b[2J@b.test', page: '/p' }));
    expect(label).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(customerLabel(chat({ name: 'x'.repeat(500) })).length).toBeLessThanOrEqual(80);
    expect(customerLabel(chat({ page: '/\x1b[2Jpricing' }))).toMatch(/· \/pricing$/);
  });

  it('header line and claim line mark a typed address as unverified', () => {
    expect(customerLine({ name: 'Vera', email: 'vera@x.test', emailVerified: false }, 'Vera')).toBe('Vera <vera@x.test> (unverified)');
    expect(customerLine({ name: 'Ann', email: 'ann@x.test', emailVerified: true }, 'Ann')).toBe('Ann <ann@x.test>');
    expect(emailText('a@b.test', false)).toBe('a@b.test (unverified)');
    expect(claimLine({ email: 'ann@example.com', emailConversations: 3 })).toBe('claims to be ann@example.com (unverified) — 3 email conversations');
    expect(claimLine({ email: 'ann@example.com', emailConversations: 7, recent: [19, 15, 12, 9, 4] })).toBe(
      'claims to be ann@example.com (unverified) — 7 email conversations: #19 #15 #12 #9 #4 …',
    );
    expect(claimLine({ email: 'ann@example.com', emailConversations: 0 })).toBe('claims to be ann@example.com (unverified) — no email history here');
  });
});

describe('rowText', () => {
  it('chat shows what the visitor said last; email its subject', () => {
    expect(rowText({ channel: 'chat', subject: 'Chat on /pricing', preview: 'Do you ship to Norway?' })).toBe('Do you ship to Norway?');
    expect(rowText({ channel: 'chat', subject: '', preview: '' })).toBe('(no message yet)');
    expect(rowText({ channel: 'email', subject: 'Refund', preview: 'Hi, about my order' })).toBe('Refund');
    expect(rowText({ channel: 'chat', subject: '', preview: 'hi\x1b[2J there' })).toBe('hi there');
  });
});

describe('checkPage (relay)', () => {
  it('keeps a path, drops query and fragment, reads a full URL, refuses what is not a path', () => {
    expect(checkPage('/pricing')).toBe('/pricing');
    expect(checkPage('/pricing?email=ann@x.test#top')).toBe('/pricing');
    expect(checkPage('https://shop.example/cart/checkout?s=1')).toBe('/cart/checkout');
    expect(checkPage('javascript:alert(1)')).toBeUndefined();
    expect(checkPage(42)).toBeUndefined();
    expect(checkPage('/a\x1b[2J\x07b')).toBe('/ab');
    expect(checkPage(`/${'x'.repeat(500)}`)?.length).toBe(200);
  });
});

describe('console texts', () => {
  const row = (customer: ConversationSummary['customer'], label: string) => ({ customer, label }) as ConversationSummary;

  it('a row keeps the unverified marker even when the address is cut', () => {
    const typed = row({ id: 1, name: '', email: 'someone.with.a.long.address@example.com', emailVerified: false }, 'x');
    expect(whoCell(typed, 30)).toMatch(/… \(unverified\)$/);
    expect([...whoCell(typed, 30)].length).toBeLessThanOrEqual(30);
    expect(whoCell(typed, 12)).toMatch(/ \(\?\)$/);
    expect(whoCell(typed, 19)).toBe('someo… (unverified)');
    expect(whoCell(row({ id: 1, name: 'Vera', email: 'v@x.test', emailVerified: false }, 'Vera'), 30)).toBe('Vera');
  });

  it('an empty search says "no match" with the query; only an empty queue is the first-run text', () => {
    expect(emptyText({ status: 'open', channel: null, search: 'norway' })).toBe(' no match for “norway” — esc clears the search');
    expect(emptyText({ status: 'open', channel: null, search: '' })).toMatch(/nothing waiting/);
    expect(emptyText({ status: 'resolved', channel: null, search: '' })).toMatch(/nothing matches these filters/);
  });

  it('focus says "Nothing is waiting" only when nothing is', () => {
    expect(focusIdleText({ waiting: 0, skipped: 0, handled: 0 })).toMatch(/^Nothing is waiting/);
    expect(focusIdleText({ waiting: 3, skipped: 3, handled: 0 })).toBe('3 waiting, all skipped this session — N shows them again · f leaves focus');
    expect(focusIdleText({ waiting: 2, skipped: 1, handled: 1 })).toMatch(/^2 waiting, all skipped or handled/);
    expect(focusIdleText({ waiting: 2, skipped: 1, handled: 0 })).toBe('2 waiting — N shows the next · f leaves focus');
  });
});
