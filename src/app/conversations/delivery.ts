// How a queued reply is tried right away, which depends on who asks: a one-shot command connects
// for it (a fresh SMTP session, a relay connection of its own), while the console hands chat
// replies to the connection it keeps open. The reply sequence (service.ts) is the same for both.
import type { ChatAccount, EmailAccount } from '../../config/settings.js';
import type { AppContext } from '../context.js';
import type { SendResult } from './send-now.js';

/** Replies already in the outbox, of one account, to be tried now. */
export type DeliveryTarget = { channel: 'email'; account: EmailAccount; outboxIds: number[] } | { channel: 'chat'; account: ChatAccount; outboxIds: number[] };

export interface DeliveryRoute {
  /** Tries to deliver the replies; one result per outbox id, in order. Never throws for a network error. */
  deliver(target: DeliveryTarget): Promise<SendResult[]>;
  /** Told once a reply is durably queued (or queued again), before any network I/O. */
  queued?(): void;
}

/** For a process that holds no connection: connects for each reply (email and chat). */
export function directDelivery(ctx: AppContext): DeliveryRoute {
  return {
    async deliver(target) {
      // Loaded when a reply goes out: IMAP, SMTP and ws are not on the console's first frame.
      const { sendChatNow, sendNow } = await import('./send-now.js');
      const results: SendResult[] = [];
      for (const id of target.outboxIds) {
        results.push(target.channel === 'chat' ? await sendChatNow(ctx, target.account, id) : await sendNow(ctx, target.account, id));
      }
      return results;
    },
  };
}
