// Chat events land in the same store as email; a visitor's email address joins that customer's history.
import { describe, expect, it } from 'vitest';
import { getChatCursor, ingestChatEvent } from '../../src/store/chat-ingest.js';
import { getConversation, listConversations } from '../../src/store/conversations.js';
import { openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';

const msg = (id: string, from: 'visitor' | 'agent', body: string) => ({ id, from, author: from === 'agent' ? 'Dana' : 'Vera', body, sentAt: '2026-11-25T10:00:00.000Z' });

describe('ingestChatEvent', () => {
  it('a visitor who gives an email address is the same customer as that address\'s email threads', () => {
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
    expect(getConversation(db, chat?.id as number)?.customer.id).toBe(emailCustomer);
    expect(getChatCursor(db, 'web')).toEqual({ epoch: 'e1', lastSeq: 3 });
  });

  it('stores each message once, however often the relay delivers it', () => {
    const db = openDb(':memory:');
    for (let i = 0; i < 3; i++) ingestChatEvent(db, 'web', 'e1', 1, { kind: 'message', conversation: 1, message: msg('c1', 'visitor', 'Hi') }, 0);
    ingestChatEvent(db, 'web', 'e1', 2, { kind: 'message', conversation: 1, message: msg('c2', 'agent', 'Hello!') }, 0);
    const [c] = listConversations(db, { status: 'all', limit: 5, now: Date.now() });
    expect(c).toMatchObject({ channel: 'chat', messageCount: 2, waitingSince: null });
  });
});
