// Hostile headers must not flow into replies (issue 12.9): a Message-ID a sender folded with
// " Bcc: …" is dropped, not copied into In-Reply-To/References, and a 1 MB subject does not go out
// as one 1 MB line (RFC 5322: 998 at most). Built by the real nodemailer composer.
import { describe, expect, it } from 'vitest';
import { buildRaw, validMsgId } from '../../src/adapters/email/smtp-send.js';
import type { OutgoingEmail } from '../../src/domain/outgoing-email.js';

const base: OutgoingEmail = {
  messageId: 'reply-1@attend.invalid',
  from: { name: 'Support', email: 'support@shop.test' },
  to: [{ name: 'Ann', email: 'ann@cust.test' }],
  subject: 'Re: Order',
  text: 'Thanks!',
  inReplyTo: 'parent@cust.test',
  references: ['root@cust.test', 'parent@cust.test'],
  date: Date.UTC(2026, 11, 5),
};

const headerBlock = (raw: Buffer) => raw.toString('latin1').split('\r\n\r\n')[0] as string;

describe('reply headers', () => {
  it('keeps valid msg-ids and drops an injected Bcc (folded Message-ID)', async () => {
    const evil = 'x@evil.test\r\n Bcc: victim@else.test';
    const raw = await buildRaw({ ...base, inReplyTo: evil, references: ['root@cust.test', evil, 'has space@x.test', 'parent@cust.test'] });
    const head = headerBlock(raw);
    expect(head).not.toMatch(/Bcc:/i);
    expect(head).not.toMatch(/victim@else\.test/);
    expect(head).not.toMatch(/^In-Reply-To:/im); // the only candidate was hostile
    expect(head).toMatch(/^References: <root@cust\.test> <parent@cust\.test>$/m);
  });

  it('keeps every header line within 998 bytes, whatever the subject or the thread length', async () => {
    const raw = await buildRaw({
      ...base,
      subject: `Re: ${'A'.repeat(1_000_000)}`,
      references: Array.from({ length: 500 }, (_, i) => `id${i}.${'x'.repeat(40)}@cust.test`),
    });
    const lines = headerBlock(raw).split('\r\n');
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l, 'latin1')))).toBeLessThanOrEqual(998);
    expect(raw.length).toBeLessThan(20_000);
    expect(headerBlock(raw)).toMatch(/^Subject: Re:/m);
    expect(headerBlock(raw)).toContain(`<id499.${'x'.repeat(40)}@cust.test>`); // the newest references stay
  });

  it('accepts real-world ids and refuses the rest', () => {
    for (const ok of ['CAH+x=y@mail.gmail.com', '<AM0PR01MB1234.eurprd01.prod.outlook.com@x.y>', 'a.b@[127.0.0.1]']) expect(validMsgId(ok), ok).not.toBeNull();
    for (const bad of ['', 'no-at', 'a@b c', 'a@b\r\nBcc: x@y', '"q"@x', `${'a'.repeat(300)}@x`, 'a..b@x']) expect(validMsgId(bad), bad).toBeNull();
  });
});
