// The message noun, as every layer reads it: the store builds it (store/conversations.ts), the
// console shows it, the public event feed picks its fields (domain/public-events.ts).
import type { AttachmentMeta, DeliveryState, Direction } from './types.js';

/** One message of a conversation (in, out or an internal note). Times are ISO strings. */
export interface MessageView {
  id: number;
  direction: Direction;
  from: { name: string; email: string };
  to: Array<{ name: string; email: string }>;
  subject: string;
  sentAt: string;
  text: string;
  attachments: AttachmentMeta[];
  deliveryState: DeliveryState | null;
  /** Why the server refused this reply for good (deliveryState failed); null otherwise. */
  deliveryError: string | null;
  externalId: string;
}
