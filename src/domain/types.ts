// Domain types shared by every layer. No framework or network imports here.

export type Channel = 'email' | 'chat';
/** `history`: imported by an account's first sync from before its open window (domain/open-window.ts): never in the queue. */
export type Status = 'open' | 'pending' | 'snoozed' | 'resolved' | 'history';
export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export type Direction = 'in' | 'out' | 'note';
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed';

export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];

export interface Address {
  name: string;
  email: string;
}

export interface AttachmentMeta {
  filename: string;
  contentType: string;
  /** Decoded size in bytes (estimated from the transfer-encoded size where the server gives only that). */
  size: number;
}

/** A message as an adapter reports it to the store. */
export interface IncomingEmail {
  account: string;
  mailbox: string;
  uidValidity: number;
  uid: number;
  /** Message-ID without angle brackets; synthesised (stable) when the message has none. */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  subject: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  sentAt: number; // epoch ms
  flags: string[];
  text: string;
  attachments: AttachmentMeta[];
  size: number;
  /** Same message, same fingerprint (across UIDVALIDITY changes); distinct messages sharing a Message-ID differ. */
  fingerprint: string;
  /**
   * Headers only, the text follows (a first sync's newest batch, so the list has it at once): the
   * message is stored without text and announced (message.received) when the text arrives.
   */
  bodyPending?: boolean;
  /**
   * From the Sent mailbox: ours, whoever sent it (a teammate, another mail client, or attend itself,
   * whose copy comes back there). Stored as outgoing whatever its From says.
   */
  outgoing?: boolean;
}
