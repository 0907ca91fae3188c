// Dispatch of client frames, plus the small ones (ping, ack, typing). A malformed frame gets
// `error bad_frame` and the connection stays up: one bad frame from a buggy client must not
// cost the visitor their chat. Floods do: rate-limit violations count as strikes, and enough
// strikes close the socket 4429.
import type { Frame } from '../protocol/frames.js';
import { parseFrame } from '../protocol/parse-frame.js';
import { onHistory, onIdentify, onSend, onStatus } from './commands.js';
import type { RelayCore } from './core.js';
import { onHello } from './handshake.js';
import type { Session } from './session.js';
import { budgetKey, rateLimited, targetConversation } from './guards.js';
import { onActivity, onTeamChange, onTeamRegister } from './team-commands.js';
import { checkSeq, fields } from './validate.js';

export function onMessage(core: RelayCore, s: Session, text: string): void {
  if (s.state === 'closed') return;
  if (s.role === 'visitor' && !allowFrame(core, s)) return;
  const f = parseFrame(text);
  if (!f) {
    s.error('bad_frame', 'a frame is a JSON object with a string "t" (and optional string "id", integer "seq", object "d")');
    return;
  }
  try {
    dispatch(core, s, f);
  } catch (err) {
    // The store failed (disk full, I/O error): nothing was acknowledged, so the client's retry
    // with the same key is safe.
    core.log(`error handling ${f.t} from ${s.role} ${s.name || s.ip}: ${(err as Error).message}`);
    s.error('internal', 'the relay could not handle this frame; retry later', f.id);
  }
}

function dispatch(core: RelayCore, s: Session, f: Frame): void {
  if (s.state === 'hello') {
    if (f.t !== 'hello') {
      s.error('bad_frame', 'the first frame must be hello', f.id);
      return;
    }
    onHello(core, s, f).catch((err: Error) => {
      core.log(`error in hello from ${s.role} ${s.ip}: ${err.message}`);
      s.error('internal', 'the relay could not complete the handshake; reconnect later');
      s.close(1011, 'internal error');
    });
    return;
  }
  if (f.t === 'hello') {
    s.error('bad_frame', 'hello was already accepted', f.id);
    return;
  }
  const handler = HANDLERS.get(f.t);
  if (handler) handler(core, s, f);
  else s.error('bad_frame', `unknown frame type "${f.t.slice(0, 32)}"`, f.id);
}

type Handler = (core: RelayCore, s: Session, f: Frame) => void;

// A Map, not an object: a frame type like "constructor" must not find anything.
const HANDLERS = new Map<string, Handler>([
  ['ping', (_core, s, f) => s.frame('pong', undefined, f.id)],
  ['ack', onAck],
  ['send', onSend],
  ['status', onStatus],
  ['history', onHistory],
  ['identify', onIdentify],
  ['typing', onTyping],
  ['team.register', onTeamRegister],
  ['team.change', onTeamChange],
  ['activity', onActivity],
]);

/**
 * The general frame budget of a visitor, kept per visitor once known and per connection before
 * hello: garbage on one connection must not use up the budget of everyone behind the same address
 * (a reverse proxy makes that every visitor). Connections per address are limited at the upgrade.
 */
function allowFrame(core: RelayCore, s: Session): boolean {
  const now = core.now();
  const wait = core.rates.frames.take(budgetKey(s), now);
  if (wait === 0) return true;
  rateLimited(core, s, wait);
  return false;
}

function onAck(core: RelayCore, s: Session, f: Frame): void {
  const upTo = checkSeq(fields(f.d).upTo, 'd.upTo');
  if (!upTo.ok || upTo.value === undefined) {
    s.error('bad_frame', upTo.ok ? 'ack needs d.upTo' : upTo.message, f.id);
    return;
  }
  s.acked = Math.max(s.acked, Math.min(upTo.value, core.store.lastSeq));
}

/**
 * Typing goes to the other side only. At most one `on` per interval is forwarded (the rest are
 * dropped quietly: they are hints); `on:false` always goes through so indicators never stick.
 */
function onTyping(core: RelayCore, s: Session, f: Frame): void {
  const on = fields(f.d).on;
  if (typeof on !== 'boolean') {
    s.error('bad_frame', 'typing needs d.on (boolean)', f.id);
    return;
  }
  const conversation = targetConversation(core, s, f, true);
  if (conversation === undefined) return;
  if (on) {
    const now = core.now();
    const last = s.typingOnAt.get(conversation);
    if (last !== undefined && now - last < core.limits.typingOnIntervalMs) return;
    s.typingOnAt.set(conversation, now);
  } else s.typingOnAt.delete(conversation);
  if (s.role === 'visitor') {
    // Agents hear of a conversation with its first durable event, typing included.
    if (core.store.conversation(conversation)?.opened) core.hub.toAgents(JSON.stringify({ t: 'typing', d: { conversation, on } }));
  } else {
    core.hub.visitor(conversation)?.frame('typing', { conversation, on, name: s.name });
  }
}
