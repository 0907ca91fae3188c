// The frames that change or read the record: send, status, identify, history. Each commits
// first, answers the sender second, fans out third: whoever hears of an event can rely on it
// being in the store, and a client that got its `sent` can rely on never seeing a duplicate.
import { randomUUID } from 'node:crypto';
import { type EventData, type Frame, MAX_HISTORY_LIMIT } from '../adapters/chat/wire.js';
import type { RelayCore } from './core.js';
import { eventFrame } from './fanout.js';
import { rateLimited, targetConversation } from './guards.js';
import type { Conversation, EventFilter } from './relay-store.js';
import type { Session } from './session.js';
import { checkBody, checkEmail, checkName, checkSeq, fields } from './validate.js';

const DEFAULT_HISTORY_LIMIT = 50;
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
    return [{ kind: 'conversation.opened', conversation: conv.id, visitor: { name: v?.name ?? undefined, email: v?.email ?? undefined } }];
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
  const now = core.now();
  const scope = s.role === 'visitor' ? `v:${s.visitorId}` : `a:${s.name}`;
  const prior = core.store.findKey(scope, f.id, now);
  if (prior) {
    // A retry: the original answer, never a second message. (Not rate limited: it costs nothing.)
    s.frame('sent', prior, f.id);
    return;
  }
  if (s.role === 'visitor') {
    const wait = core.rates.sends.take(s.visitorId, now);
    if (wait > 0) {
      rateLimited(core, s, wait, f.id);
      return;
    }
  }
  const conv = core.store.conversation(conversation) as Conversation;
  const events = openingEvents(core, s, conv);
  const message = { id: randomUUID(), from: s.role, author: s.name || (s.role === 'visitor' ? 'Visitor' : 'Agent'), body: body.value, sentAt: new Date(now).toISOString() };
  events.push({ kind: 'message', conversation, message });
  const stored = core.store.append(events, now, { scope, key: f.id });
  const last = stored[stored.length - 1];
  s.frame('sent', { messageId: message.id, seq: last?.seq }, f.id);
  core.hub.publish(stored);
  if (!conv.opened) core.hub.conversationOpened(conversation);
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
  // Setting the status it already has is a no-op: `ok` again, no event (so retries are safe).
  const stored = core.store.conversation(conversation)?.status === status ? [] : core.store.append([{ kind: 'conversation.status', conversation, status }], core.now());
  s.frame('ok', undefined, f.id);
  core.hub.publish(stored);
}

export function onIdentify(core: RelayCore, s: Session, f: Frame): void {
  if (!needId(s, f, 'a request id')) return;
  if (s.role !== 'visitor') {
    s.error('forbidden', 'identify is for visitors', f.id);
    return;
  }
  const d = fields(f.d);
  const name = checkName(d.name);
  const email = checkEmail(d.email);
  if (!name.ok || !email.ok) {
    const c = !name.ok ? name : (email as Extract<typeof email, { ok: false }>);
    s.error(c.code, c.message, f.id);
    return;
  }
  if (name.value === undefined && email.value === undefined) {
    s.error('bad_frame', 'identify needs d.name or d.email', f.id);
    return;
  }
  const conv = core.store.conversation(s.conversation) as Conversation;
  const v = core.store.visitor(conv.visitorId);
  const changed = (name.value !== undefined && name.value !== v?.name) || (email.value !== undefined && email.value !== v?.email);
  let stored: ReturnType<typeof core.store.append> = [];
  if (changed || !conv.opened) {
    // opened first (with the details as they were), then identified: agents see one history.
    const events: EventData[] = openingEvents(core, s, conv).filter((e) => e.kind === 'conversation.opened');
    events.push({ kind: 'visitor.identified', conversation: conv.id, name: name.value, email: email.value });
    stored = core.store.append(events, core.now());
    if (name.value !== undefined) s.name = name.value;
  }
  s.frame('ok', undefined, f.id);
  core.hub.publish(stored);
  if (!conv.opened) core.hub.conversationOpened(conv.id);
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
