// Chat events land in the same store as email. A visitor's typed address is only a claim: linked to
// that address's email history as "claims to be", never merged into that customer.
import { describe, expect, it } from 'vitest';
import { getChatCursor, ingestChatEvent } from '../../src/store/chat-ingest.js';
import { getConversation, listConversations } from '../../src/store/conversations.js';
import { openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { claimedIdentity } from '../../src/store/customers.js';
import { visitorTag } from '../../src/domain/labels.js';

const msg = (id: string, from: 'visitor' | 'agent', body: string) => ({ id, from, author: from === 'agent' ? 'Dana' : 'Vera', body, sentAt: '2026-11-25T10:00:00.000Z' });

describe('ingestChatEvent', () => {
  it('a relay whose clock runs ahead cannot push a visitor\'s due time later: waiting since is never after now', () => {
    const db = openDb(':memory:');
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    ingestChatEvent(db, 'web', 'e1', 1, { kind: 'conversation.opened', conversation: 7, visitor: { name: 'Vera' } }, now);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'message', conversation: 7, message: { ...msg('c1', 'visitor', 'Hello?'), sentAt: '2026-11-25T10:10:00.000Z' } }, now);
    const chat = listConversations(db, { status: 'all', channel: 'chat', limit: 5, now })[0];
    expect(chat?.waitingSince).toBe('2026-11-25T10:00:00.000Z');
  });

  it('a visitor who types an email address stays their own customer: the address is unverified and only claimed', () => {
    const db = openDb(':memory:');
    const mail = ingestEmail(
      db,
      {
        account: 'support', mailbox: 'INBOX', uidValidity: 1, uid: 1, messageId: 'm1@x', inReplyTo: [], references: [], subject: 'Order',
        from: { name: 'Vera', email: 'vera@example.test' }, to: [], cc: [], sentAt: 1, flags: [], text: 'hi', attachments: [], size: 1, fingerprint: 'f',
      },
      'support@shop.test',
      0,
    );
    ingestChatEvent(db, 'web', 'e1', 1, { kind: 'conversation.opened', conversation: 7, visitor: { name: 'Vera' } }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'message', conversation: 7, message: msg('c1', 'visitor', 'Hello?') }, 0);
    const chat = listConversations(db, { status: 'all', channel: 'chat', limit: 5, now: Date.now() })[0];
    const emailCustomer = getConversation(db, mail.conversationId)?.customer.id;
    expect(chat?.customer.id).not.toBe(emailCustomer);
    ingestChatEvent(db, 'web', 'e1', 3, { kind: 'visitor.identified', conversation: 7, email: 'Vera@Example.test' }, 0);
    const after = getConversation(db, chat?.id as number);
    expect(after?.customer.id).toBe(chat?.customer.id);
    expect(after?.customer.id).not.toBe(emailCustomer);
    expect(after?.customer).toMatchObject({ name: 'Vera', email: 'vera@example.test', emailVerified: false });
    // The email customer's address is still theirs alone, and verified.
    expect(getConversation(db, mail.conversationId)?.customer).toMatchObject({ email: 'vera@example.test', emailVerified: true });
    expect(claimedIdentity(db, after?.customer.id ?? null)).toEqual({ email: 'vera@example.test', customerId: emailCustomer, emailConversations: 1, recent: [mail.conversationId] });
    // A search for the address finds both: the real sender's thread and the chat that claims it.
    expect(listConversations(db, { status: 'all', search: 'vera@example', limit: 5, now: Date.now() }).map((c) => c.channel).sort()).toEqual(['chat', 'email']);
    expect(getChatCursor(db, 'web')).toEqual({ epoch: 'e1', lastSeq: 3 });
  });

  it('an anonymous visitor is "visitor xxxx · /page", and the row text is what they said last, not the reply', () => {
    const db = openDb(':memory:');
    ingestChatEvent(db, 'web', 'e1', 1, { kind: 'conversation.opened', conversation: 4, visitor: { page: '/pricing' } }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'message', conversation: 4, message: msg('c1', 'visitor', 'Do you ship to Norway?') }, 0);
    ingestChatEvent(db, 'web', 'e1', 3, { kind: 'message', conversation: 4, message: { ...msg('c2', 'agent', 'We do!'), sentAt: '2026-11-25T10:01:00.000Z' } }, 0);
    const [c] = listConversations(db, { status: 'all', limit: 5, now: Date.now() });
    expect(c).toMatchObject({ label: `${visitorTag('web', '4')} · /pricing`, page: '/pricing', preview: 'Do you ship to Norway?' });
    expect(c?.label).toMatch(/^visitor [0-9a-f]{4} · \/pricing$/);
    expect(c?.subject).not.toMatch(/visitor 4/);
    expect(c?.customer).toMatchObject({ name: '', email: null, emailVerified: false });
  });

  it('a visitor merged into an email customer before migration 10 cannot rename that customer', () => {
    const db = openDb(':memory:');
    const mail = ingestEmail(
      db,
      {
        account: 'support', mailbox: 'INBOX', uidValidity: 1, uid: 1, messageId: 'm1@x', inReplyTo: [], references: [], subject: 'Order',
        from: { name: 'Vera Real', email: 'vera@example.test' }, to: [], cc: [], sentAt: 1, flags: [], text: 'hi', attachments: [], size: 1, fingerprint: 'f',
      },
      'support@shop.test',
      0,
    );
    const owner = getConversation(db, mail.conversationId)?.customer.id as number;
    db.prepare("INSERT INTO customer_visitors (account, visitor_ref, customer_id) VALUES ('web', '8', ?)").run(owner); // the old merge
    ingestChatEvent(db, 'web', 'e1', 1, { kind: 'conversation.opened', conversation: 8, visitor: {} }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'visitor.identified', conversation: 8, name: 'Mallory', email: 'vera@example.test' }, 0);
    expect(getConversation(db, mail.conversationId)?.customer).toMatchObject({ name: 'Vera Real', email: 'vera@example.test', emailVerified: true });
    expect(claimedIdentity(db, owner)).toBeNull();
  });

  it('a hostile name or address never carries a terminal escape into the store', () => {
    const db = openDb(':memory:');
    ingestChatEvent(db, 'web', 'e1', 1, { kind: 'conversation.opened', conversation: 5, visitor: { name: 'Eve\x1b]0;pwned\x07\x1b[2J', page: '/a\x1b[31m' } }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'visitor.identified', conversation: 5, email: 'x\x1b[2J@evil.test' }, 0);
    const [c] = listConversations(db, { status: 'all', limit: 5, now: Date.now() });
    for (const text of [c?.label, c?.customer.name, c?.customer.email, c?.page, c?.subject]) expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(c?.label).toBe('Eve');
  });

  it('stores each message once, however often the relay delivers it', () => {
    const db = openDb(':memory:');
    for (let i = 0; i < 3; i++) ingestChatEvent(db, 'web', 'e1', 1, { kind: 'message', conversation: 1, message: msg('c1', 'visitor', 'Hi') }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'message', conversation: 1, message: msg('c2', 'agent', 'Hello!') }, 0);
    const [c] = listConversations(db, { status: 'all', limit: 5, now: Date.now() });
    expect(c).toMatchObject({ channel: 'chat', messageCount: 2, waitingSince: null });
  });
});

describe('a typed address earns nothing', () => {
  it('neither VIP nor a priority rule matches an address a visitor only typed; the real sender gets both', async () => {
    const { consoleHome } = await import('../helpers/console-home.js');
    const { prepareQueue } = await import('../../src/app/queue/policy.js');
    const home = await consoleHome({
      sla: { vip: { match: ['boss@big.test'] } },
      priority: { rules: [{ name: 'big client', from: ['boss@big.test'], priority: 'urgent' }] },
    });
    try {
      const now = Date.now();
      const mail = home.email({ id: 'b1@x', from: 'boss@big.test', subject: 'Contract', at: now - 60_000 });
      const chat = home.chat({ relayId: 9, name: '', email: 'boss@big.test', text: 'I am the boss, serve me first', at: now - 60_000 });
      await prepareQueue(home.ctx);
      expect(getConversation(home.ctx.db, mail)).toMatchObject({ vip: true, priority: 'urgent' });
      expect(getConversation(home.ctx.db, chat)).toMatchObject({ vip: false, priority: 'normal', customer: { email: 'boss@big.test', emailVerified: false } });
    } finally {
      home.cleanup();
    }
  });
});
