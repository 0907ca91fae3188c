// Small builders shared by unit tests: a customer email as the IMAP adapter reports it.
import type { IncomingEmail } from '../../src/domain/types.js';
import type { QueueFacts } from '../../src/policy/queue.js';

export const SUPPORT = 'support@shop.test';
let uid = 0;

/** A message to the support address; every field can be overridden, the UID counts up. */
export function incomingEmail(over: Partial<IncomingEmail> & { messageId: string }): IncomingEmail {
  uid++;
  return {
    account: 'support',
    mailbox: 'INBOX',
    uidValidity: 1,
    uid,
    inReplyTo: [],
    references: [],
    subject: 'Hello',
    from: { name: 'Ann', email: 'ann@cust.test' },
    to: [{ name: '', email: SUPPORT }],
    cc: [],
    flags: [],
    text: 'text',
    attachments: [],
    size: 100,
    fingerprint: `fp-${over.messageId}`,
    sentAt: 1000,
    ...over,
  };
}

/** A conversation as the queue policy sees it: an email waiting 10 minutes at `now`, unless told otherwise. */
export function queueFacts(now: number, id: number, over: Partial<QueueFacts>): QueueFacts {
  return {
    id,
    channel: 'email',
    priority: 'normal',
    waitingSince: now - 10 * 60_000,
    answeredBefore: false,
    customerEmails: [`c${id}@x.test`],
    ...over,
  };
}
