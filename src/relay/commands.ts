// The frames that change or read the record: send, status, identify, history. Changes go
// through the committer (group commit): committed first, the sender answered second, fanned out
// third — whoever hears of an event can rely on it being stored, and a client that got its
// `sent` can rely on never seeing a duplicate.
import { randomUUID } from 'node:crypto';
import type { ChatMessage, EventData, Frame, SentData } from '../protocol/frames.js';
import { MAX_HISTORY_LIMIT } from '../protocol/limits.js';
import type { RelayCore } from './core.js';
import { eventFrame } from './fanout.js';
import { rateLimited, targetConversation } from './guards.js';
import type { Conversation, EventFilter, StoredEvent } from './relay-store.js';
import type { Session } from './session.js';
import { checkBody, checkEmail, checkName, checkSeq, fields } from './validate.js';

const DEFAULT_HISTORY_LIMIT = 50;
const NOT_STORED = 'the relay could not store this; retry with the same id';
/** A history answer stops growing here (and says `more`): one frame must not trip the slow-consumer limit. */
const HISTORY_MAX_BYTES = 256 * 1024;

function needId(s: Session, f: Frame, what: string): f is Frame & { id: string } {
  if (f.id !== undefined) return true;
  s.error('bad_frame', `${f.t} needs an "id" (${what})`);
  return false;
}

/** The events that make a visitor's conversation visible/open again before its new message. */
function openingEvents(core: RelayCore, s: Session, conv: Conversation): EventData[] {
  if (!conv.opened) {
    const v = core.store.visitor(conv.visitorId);
    const page = s.role === 'visitor' ? s.page : undefined;
    return [{ kind: 'conversation.opened', conversation: conv.id, visitor: { name: v?.name ?? undefined, email: v?.email ?? undefined, ...(page ? { page } : {}) } }];
  }
  // A resolved conversation reopens when the visitor writes again.
  if (conv.status === 'resolved' && s.role === 'visitor') return [{ kind: 'conversation.status', conversation: conv.id, status: 'open' }];
  return [];
}

export function onSend(core: RelayCore, s: Session, f: Frame): void {
  if (!needId(s, f, 'the idempotency key: retry with the same one')) return;
  const conversation = targetConversation(core, s, f, true);
  if (conversation === undefined) return;
  const body = checkBody(fields(f.d).body, core.limits.maxBodyChars);
  if (!body.ok) {
    s.error(body.code, body.message, f.id);
    return;
  }
  const { id } = f;
  const now = core.now();
  // Agents' keys are scoped by who the token says they are, not by the name they show.
  const scope = s.role === 'visitor' ? `v:${s.visitorId}` : `a:${s.agent}`;
  const pendingKey = `${scope}\n${id}`;
  const answer = (r: SentData | Error) => (r instanceof Error ? s.error('internal', NOT_STORED, id) : s.frame('sent', r, id));
  if (core.committer.joinPending(pendingKey, answer)) return;
  if (s.role === 'visitor') {
    const wait = core.rates.sends.take(s.visitorId, now);
    if (wait > 0) {
      // A retry of a stored message is answered even over the limit: it costs nothing.
      const prior = core.store.findKey(scope, id, now);
      if (prior) answer(prior);
      else rateLimited(core, s, wait, id);
      return;
    }
  }
  const message: ChatMessage = { id: randomUUID(), from: s.role, author: s.name || (s.role === 'visitor' ? 'Visitor' : 'Agent'), body: body.value, sentAt: new Date(now).toISOString() };
  let opened = false;
  // Set when the key turns out to be a retry of a stored message: the original answer, never a
  // second message. Checked inside the batch transaction, where a lookup is nearly free (an
  // autocommit read costs several lock syscalls).
  let prior: SentData | undefined;
  core.committer.enqueue(
    {
      commit: () => {
        prior = core.store.findKey(scope, id, now);
        if (prior) return [];
        const conv = core.store.conversation(conversation) as Conversation;
        opened = !conv.opened;
        const events = openingEvents(core, s, conv);
        events.push({ kind: 'message', conversation, message });
        return core.store.append(events, now, { scope, key: id });
      },
      done: (stored) => {
        if (prior && s.role === 'visitor') core.rates.sends.refund(s.visitorId);
        const sent: SentData = prior ?? { messageId: message.id, seq: (stored[stored.length - 1] as StoredEvent).seq };
        answer(sent);
        core.committer.settleKey(pendingKey, sent);
        core.hub.publish(stored);
        if (opened) core.hub.conversationOpened(conversation);
      },
      failed: (err) => {
        answer(err);
        core.committer.settleKey(pendingKey, err);
      },
    },
    pendingKey,
  );
}

export function onStatus(core: RelayCore, s: Session, f: Frame): void {
  if (!needId(s, f, 'a request id')) return;
  if (s.role !== 'agent') {
    s.error('forbidden', 'only agents set the status', f.id);
    return;
  }
  const status = fields(f.d).status;
  if (status !== 'open' && status !== 'resolved') {
    s.error('bad_frame', 'd.status must be "open" or "resolved"', f.id);
    return;
  }
  const conversation = targetConversation(core, s, f, true);
  if (conversation === undefined) return;
  const { id } = f;
  core.committer.enqueue({
    // Setting the status it already has is a no-op: `ok` again, no event (so retries are safe).
    commit: () => (core.store.conversation(conversation)?.status === status ? [] : core.store.append([{ kind: 'conversation.status', conversation, status }], core.now())),
    done: (stored) => {
      s.frame('ok', undefined, id);
      core.hub.publish(stored);
    },
    failed: () => s.error('internal', NOT_STORED, id),
  });
}

export function onIdentify(core: RelayCore, s: Session, f: Frame): void {
  if (!needId(s, f, 'a request id')) return;
  if (s.role !== 'visitor') {
    s.error('forbidden', 'identify is for visitors', f.id);
    return;
  }
  const d = fields(f.d);
  const name = checkName(d.name);
  if (!name.ok) {
    s.error(name.code, name.message, f.id);
    return;
  }
  const email = checkEmail(d.email);
  if (!email.ok) {
    s.error(email.code, email.message, f.id);
    return;
  }
  if (name.value === undefined && email.value === undefined) {
    s.error('bad_frame', 'identify needs d.name or d.email', f.id);
    return;
  }
  const { id } = f;
  let opened = false;
  core.committer.enqueue({
    commit: () => {
      const conv = core.store.conversation(s.conversation) as Conversation;
      const v = core.store.visitor(conv.visitorId);
      const changed = (name.value !== undefined && name.value !== v?.name) || (email.value !== undefined && email.value !== v?.email);
      if (!changed && conv.opened) return [];
      opened = !conv.opened;
      // opened first (with the details as they were), then identified: agents see one history.
      const events: EventData[] = openingEvents(core, s, conv).filter((e) => e.kind === 'conversation.opened');
      events.push({ kind: 'visitor.identified', conversation: conv.id, name: name.value, email: email.value });
      return core.store.append(events, core.now());
    },
    done: (stored) => {
      if (name.value !== undefined) s.name = name.value;
      s.frame('ok', undefined, id);
      core.hub.publish(stored);
      if (opened) core.hub.conversationOpened(s.conversation);
    },
    failed: () => s.error('internal', NOT_STORED, id),
  });
}

export function onHistory(core: RelayCore, s: Session, f: Frame): void {
  if (!needId(s, f, 'a request id')) return;
  const d = fields(f.d);
  const before = checkSeq(d.beforeSeq, 'd.beforeSeq');
  const limitIn = d.limit === undefined ? DEFAULT_HISTORY_LIMIT : d.limit;
  if (!before.ok || !Number.isSafeInteger(limitIn) || (limitIn as number) < 1) {
    s.error('bad_frame', before.ok ? 'd.limit must be a positive integer (at most 100)' : before.message, f.id);
    return;
  }
  const limit = Math.min(limitIn as number, MAX_HISTORY_LIMIT);
  let filter: EventFilter;
  if (s.role === 'visitor') {
    if (targetConversation(core, s, f, false) === undefined) return;
    filter = { kind: 'visitor', conversation: s.conversation };
  } else if (d.conversation === undefined) {
    filter = { kind: 'all' };
  } else {
    const c = targetConversation(core, s, f, true);
    if (c === undefined) return;
    filter = { kind: 'conversation', conversation: c };
  }
  const rows = core.store.eventsBefore(before.value, limit + 1, filter);
  let more = rows.length > limit;
  const frames: string[] = [];
  const maxBytes = Math.min(HISTORY_MAX_BYTES, core.limits.slowConsumerBytes / 4);
  let bytes = 0;
  for (const e of rows.slice(0, limit)) {
    const text = eventFrame(e);
    bytes += text.length;
    if (bytes > maxBytes && frames.length > 0) {
      more = true;
      break;
    }
    frames.push(text);
  }
  frames.reverse(); // oldest first, like the live stream
  s.sendRaw(`{"t":"history","id":${JSON.stringify(f.id)},"d":{"events":[${frames.join(',')}],"more":${more}}}`);
}
