// The outgoing-email noun: a reply as the outbox keeps it (store/outbox.ts) and the SMTP adapter
// sends it (adapters/email/smtp-send.ts). Declared once so what is queued is exactly what is sent.
import type { Address } from './types.js';

/** Everything needed to build the same email again after a restart. */
export interface OutgoingEmail {
  /** Message-ID without angle brackets. */
  messageId: string;
  from: Address;
  to: Address[];
  subject: string;
  text: string;
  inReplyTo: string | null;
  references: string[];
  /** Epoch ms: the Date header, the same on every retry. */
  date: number;
}
