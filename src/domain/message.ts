// The message noun, as every layer reads it: the store builds it (store/conversations.ts), the
// console shows it, the public event feed picks its fields (domain/public-events.ts).
import type { Address, AttachmentMeta, DeliveryState, Direction } from './types.js';

/** One message of a conversation (in, out or an internal note). Times are ISO strings. */
export interface MessageView {
  id: number;
  direction: Direction;
  from: Address;
  to: Address[];
  subject: string;
  sentAt: string;
  text: string;
  attachments: AttachmentMeta[];
  deliveryState: DeliveryState | null;
  /** Why the server refused this reply for good (deliveryState failed); null otherwise. */
  deliveryError: string | null;
  externalId: string;
}
