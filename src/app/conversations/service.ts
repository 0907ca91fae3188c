// The one way anything changes a conversation or sends a reply. The CLI and the console both call
// this service: typed requests in, typed results out, with the validation and the messages here.
// What differs between them is only how a queued reply is tried right away (delivery.ts).
//
// A reply is always: queue it durably → try to send it → only then change the conversation
// (a template's tags and status, --status) → report. A reply the server refused for good reached
// nobody, so the conversation stays as it was and the customer still waits.
import { emailAccounts } from '../../config/accounts.js';
import { queuedOutboxIds, requeueFailed } from '../../store/outbox.js';
import { conversationChannel } from '../../store/conversation-refs.js';
import { findChatAccount } from '../channels/accounts.js';
import type { AppContext } from '../context.js';
import { shownRefOf } from './conversation-ref.js';
import { type ActionResult, type ConversationAction, applyAction } from './actions.js';
import { type DeliveryRoute, type DeliveryTarget, directDelivery } from './delivery.js';
import { recountAnswers } from './failed-reply.js';
import { NotFoundError, type QueuedReply, queueReply } from './replies.js';
import type { SendResult } from './send-now.js';
import { type PreparedTemplateReply, prepareTemplateReply, templateActions } from './template-reply.js';
import { TemplateError } from './templates.js';

export interface ReplyRequest {
  conversationId: number;
  /** The text typed, or a canned reply rendered for the conversation (`vars` win over its own values). */
  content: { text: string } | { template: string; vars?: Record<string, string> };
  /** Then set the conversation to this; replaces a template's status or snooze. */
  status?: 'pending' | 'resolved';
}

export type ReplyState = 'sent' | 'queued' | 'failed';

/** Why nothing was queued: no such conversation (CLI exit 3), bad input or template (exit 2), or it cannot be built (exit 1). */
export type ReplyFailure = 'no-such-conversation' | 'invalid' | 'not-queued';

export type ReplyResult =
  | {
      ok: true;
      conversationId: number;
      channel: QueuedReply['channel'];
      /** The reply's Message-ID (email) or relay key (chat). */
      messageId: string;
      /** sent: the server took it; queued: it goes out later by itself; failed: refused for good. */
      state: ReplyState;
      /** Why it is not sent (yet); null when sent. */
      error: string | null;
      /** The line to show about the reply itself. */
      message: string;
      /** Lines about the conversation after the reply: a template's actions, or that nothing was changed. */
      notes: string[];
      /** Done, but something beside it did not work (a chat visitor not told of a status). */
      warnings: string[];
    }
  | { ok: false; failure: ReplyFailure; message: string };

export interface RetryResult {
  /** Failed replies queued again. */
  requeued: number;
  /** What trying them right away gave, in order (empty when their account is not configured any more). */
  results: Array<{ state: ReplyState; error: string | null }>;
}

export class ConversationService {
  private readonly route: DeliveryRoute;

  constructor(
    private readonly ctx: AppContext,
    route?: DeliveryRoute,
  ) {
    this.route = route ?? directDelivery(ctx);
  }

  /** Status, snooze, assignee, tags, note or priority (actions.ts). */
  act(conversationId: number, action: ConversationAction): Promise<ActionResult> {
    return applyAction(this.ctx, conversationId, action);
  }

  /** Queues a reply, tries to send it now, then applies what should follow it (see the top of this file). */
  async reply(request: ReplyRequest): Promise<ReplyResult> {
    const id = request.conversationId;
    let prepared: PreparedTemplateReply | null = null;
    let queued: QueuedReply;
    try {
      let body: string;
      if ('template' in request.content) {
        // Rendered before anything is queued: an unknown variable must never half-send.
        prepared = prepareTemplateReply(this.ctx, id, request.content.template, request.content.vars ?? {});
        body = prepared.body;
      } else body = request.content.text;
      if (body.trim() === '') return { ok: false, failure: 'invalid', message: 'the reply is empty' };
      queued = queueReply(this.ctx, id, body);
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof NotFoundError) return { ok: false, failure: 'no-such-conversation', message };
      if (err instanceof TemplateError) return { ok: false, failure: 'invalid', message };
      return { ok: false, failure: 'not-queued', message };
    }
    this.route.queued?.();

    const [sent] = await this.route.deliver(targetOf(queued));
    const { state, error } = outcomeOf(sent);

    const ref = shownRefOf(this.ctx, id);
    const fromTemplate = prepared ? templateActions(prepared, request.status) : [];
    const followUps = [...fromTemplate, ...(request.status ? [statusAction(request.status)] : [])];
    const notes: string[] = [];
    const warnings: string[] = [];
    if (state !== 'failed') {
      // Status, tags and a template's actions follow a reply that went out or waits for a retry.
      const done: string[] = [];
      for (const action of followUps) {
        const r = await applyAction(this.ctx, id, action);
        if (!r.ok) {
          warnings.push(`${ref}: ${r.message}`);
          continue;
        }
        warnings.push(...r.warnings);
        if (fromTemplate.includes(action)) done.push(r.summary);
      }
      if (prepared && done.length) notes.push(`${ref}: ${done.join(', ')} (template ${prepared.template.name})`);
    } else if (followUps.length) {
      notes.push(`${ref}: status and tags left as they were: the reply was not sent`);
    }

    const message =
      state === 'sent'
        ? `sent reply to ${ref}`
        : state === 'failed'
          ? `reply to ${ref} failed: ${error}`
          : `reply to ${ref} queued (${error ?? 'server unreachable'}); ${whenQueuedGoesOut(error)}`;
    return { ok: true, conversationId: id, channel: queued.channel, messageId: queued.item.messageId, state, error, message, notes, warnings };
  }

  /** Failed replies of a conversation go back to the outbox (they count as answers again) and are tried now. */
  async retry(conversationId: number): Promise<RetryResult> {
    const requeued = requeueFailed(this.ctx.db, conversationId, this.ctx.now());
    if (requeued === 0) return { requeued, results: [] };
    // Queued again, it answers the customer again (a refused reply had put them back to waiting).
    recountAnswers(this.ctx, conversationId);
    this.route.queued?.();
    const target = this.targetFor(conversationId, queuedOutboxIds(this.ctx.db, conversationId));
    return { requeued, results: target ? (await this.route.deliver(target)).map(outcomeOf) : [] };
  }

  /**
   * An automatic line to a waiting chat visitor (focus mode's place in the queue): queued and
   * sent like a reply, but it neither counts as a response nor changes the conversation.
   */
  async notice(conversationId: number, text: string): Promise<void> {
    const queued = queueReply(this.ctx, conversationId, text, { automatic: true });
    this.route.queued?.();
    await this.route.deliver(targetOf(queued));
  }

  private targetFor(conversationId: number, outboxIds: number[]): DeliveryTarget | null {
    const where = conversationChannel(this.ctx.db, conversationId);
    if (!where || outboxIds.length === 0) return null;
    if (where.channel === 'chat') {
      const account = findChatAccount(this.ctx, where.account);
      return account ? { channel: 'chat', account, outboxIds } : null;
    }
    const account = emailAccounts(this.ctx.settings).find((a) => a.name === where.account);
    return account ? { channel: 'email', account, outboxIds } : null;
  }
}

/** An outbox state as the agent sees it: accepted by SMTP (no Sent copy yet) is sent. */
function outcomeOf(r: SendResult | undefined): { state: ReplyState; error: string | null } {
  if (r?.state === 'accepted' || r?.state === 'sent') return { state: 'sent', error: null };
  return { state: r?.state === 'failed' ? 'failed' : 'queued', error: r?.error ?? null };
}

function targetOf(q: QueuedReply): DeliveryTarget {
  return q.channel === 'chat' ? { channel: 'chat', account: q.account, outboxIds: [q.item.id] } : { channel: 'email', account: q.account, outboxIds: [q.item.id] };
}

function statusAction(status: 'pending' | 'resolved'): ConversationAction {
  return status === 'resolved' ? { kind: 'resolve' } : { kind: 'pending' };
}

/** When a queued reply goes out: after a new sign-in when the provider refused it, else with the next sync. */
function whenQueuedGoesOut(error: string | null): string {
  // SignInExpiredError's line (and NotSignedInError's) names the fix itself: `attend account login NAME`.
  if (error && /sign-in expired|not signed in/.test(error)) return 'it goes out after that sign-in, with the next attend sync (at once where the console or sync --watch runs)';
  return 'it goes out with the next attend sync or reply';
}
