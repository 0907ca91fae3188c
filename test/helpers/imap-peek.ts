/** Reads a mailbox as the customer's (or agent's) own mail client would see it. */
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { DovecotInstance } from './dovecot.js';

export interface PeekedMessage {
  uid: number;
  flags: string[];
  messageId: string;
  inReplyTo: string;
  references: string[];
  subject: string;
  text: string;
  raw: Buffer;
}

export async function peek(dovecot: DovecotInstance, user: string, mailbox = 'INBOX'): Promise<PeekedMessage[]> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: dovecot.password(user) }, logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    const box = await client.mailboxOpen(mailbox, { readOnly: true });
    if (box.exists === 0) return [];
    const out: PeekedMessage[] = [];
    for await (const m of client.fetch('1:*', { uid: true, flags: true, source: true })) {
      const parsed = await simpleParser(m.source as Buffer);
      const refs = parsed.references;
      out.push({
        uid: m.uid,
        flags: [...(m.flags ?? [])],
        messageId: parsed.messageId ?? '',
        inReplyTo: parsed.inReplyTo ?? '',
        references: refs === undefined ? [] : Array.isArray(refs) ? refs : [refs],
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        raw: m.source as Buffer,
      });
    }
    return out;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
