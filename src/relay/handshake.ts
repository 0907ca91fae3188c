// The first frame: `hello` → (replay | reset) → `welcome`. Replay is read from the store page by
// page, waiting for the socket to drain in between, so a client far behind cannot balloon the
// relay's memory or trip its own slow-consumer limit; it goes live in the same tick as the read
// that found nothing more, so no event falls between replay and live fan-out.
import { randomBytes } from 'node:crypto';
import { CLOSE } from '../protocol/close-codes.js';
import type { AgentWelcome, EventData, Frame, Welcome } from '../protocol/frames.js';
import { OWNER } from './agent-registry.js';
import type { RelayCore } from './core.js';
import { eventFrame, visitorPresence } from './fanout.js';
import type { EventFilter } from './relay-store.js';
import type { Session } from './session.js';
import { checkEmail, checkName, checkPage, checkSeq, fields } from './validate.js';

const REPLAY_PAGE = 500;
/** Replay pauses whenever this much is queued on the socket (well below the slow-consumer limit). */
const REPLAY_BUFFER_BYTES = 256 * 1024;

/** Handles `hello`; on a bad one the session stays in the hello state (its deadline still runs). */
export async function onHello(core: RelayCore, s: Session, f: Frame): Promise<void> {
  if (s.role === 'agent') await agentHello(core, s, f);
  else await visitorHello(core, s, f);
}

function readResume(d: Record<string, unknown>, s: Session): { afterSeq: number; epoch?: unknown } | null | undefined {
  if (d.resume === undefined) return undefined;
  const r = d.resume as Record<string, unknown> | null;
  const seq = typeof r === 'object' && r !== null ? checkSeq(r.afterSeq, 'd.resume.afterSeq') : null;
  if (!seq?.ok || seq.value === undefined) {
    s.error('bad_frame', 'd.resume must be {"afterSeq": int}');
    return null;
  }
  return { afterSeq: seq.value, epoch: (r as Record<string, unknown>).epoch };
}

async function agentHello(core: RelayCore, s: Session, f: Frame): Promise<void> {
  const d = fields(f.d);
  const name = checkName(d.name);
  if (!name.ok || name.value === undefined) {
    s.error(name.ok ? 'bad_frame' : name.code, name.ok ? 'an agent hello needs d.name' : name.message);
    return;
  }
  const resume = readResume(d, s);
  if (resume === null) return;
  s.name = name.value;
  s.state = 'replaying';
  let resumed = false;
  if (resume) {
    if (resume.epoch === core.store.epoch && retained(core, resume.afterSeq)) {
      await replay(core, s, resume.afterSeq, { kind: 'all' });
      resumed = true;
    } else s.sendRaw('{"t":"reset"}');
  }
  if (s.state !== 'replaying') return; // closed meanwhile
  s.state = 'live';
  const team = core.store.agents.isTeam();
  s.teamWelcomed = team;
  const w: AgentWelcome = { ...welcome(core, resumed), agent: s.agent, team };
  s.frame('welcome', w);
  core.hub.agentLive(s);
  // A team's agent learns who else there is and what each is doing; then it follows `activity`.
  if (team) s.frame('roster', core.presence.roster(teamNames(core)));
  core.presence.joined(s);
  // `agent "NAME" connected` starts the line, as it always did (tests and log readers look for it).
  core.log(`agent "${s.name}" connected from ${s.ip}${resumed ? ` (resumed after ${resume?.afterSeq})` : ''}${asAgent(s)}`);
}

async function visitorHello(core: RelayCore, s: Session, f: Frame): Promise<void> {
  const d = fields(f.d);
  const { store, hub } = core;
  if (d.token !== undefined && (typeof d.token !== 'string' || d.token.length > 128)) {
    s.error('bad_frame', 'd.token must be the string the relay issued');
    return;
  }
  const name = checkName(d.name);
  const email = checkEmail(d.email);
  for (const c of [name, email]) {
    if (!c.ok) {
      s.error(c.code, c.message);
      return;
    }
  }
  const resume = readResume(d, s);
  if (resume === null) return;
  const given = { name: name.ok ? name.value : undefined, email: email.ok ? email.value : undefined };
  const now = core.now();

  let token = d.token as string | undefined;
  let visitor = token ? store.findVisitor(token) : undefined;
  let conversation: ReturnType<typeof store.conversationOf>;
  const isNew = !visitor;
  if (!visitor) {
    // An unknown token (or none) starts a new visitor: this is what the per-IP limit counts.
    const { newVisitors } = core.rates;
    if (newVisitors.count(s.ip, now) >= core.limits.newVisitorsPerIpPerMinute) {
      s.error('rate_limited', 'too many new chat sessions from this address; try again later', undefined, { retryAfterMs: newVisitors.retryAfter(s.ip, now) });
      s.close(CLOSE.rateLimited, 'rate limited');
      return;
    }
    newVisitors.hit(s.ip, now);
    token = randomBytes(16).toString('base64url');
    ({ visitor, conversation } = store.createVisitor(token, given, now));
  } else {
    conversation = store.conversationOf(visitor.id, now);
    const next = { name: given.name ?? visitor.name, email: given.email ?? visitor.email };
    if (next.name !== visitor.name || next.email !== visitor.email) {
      if (conversation.opened) {
        const ev: EventData = { kind: 'visitor.identified', conversation: conversation.id, ...given };
        hub.publish(store.append([ev], now));
      } else store.updateVisitor(visitor.id, next.name, next.email);
      visitor = { ...visitor, ...next };
    }
  }
  s.visitorId = visitor.id;
  s.conversation = conversation.id;
  s.name = visitor.name ?? '';
  s.page = checkPage(d.page);
  s.state = 'replaying';
  // The newest connection wins: a reconnect must not be refused because the dead socket it
  // replaces has not timed out yet. The old one is told why (4409) and should not reconnect.
  const old = hub.claimVisitor(s);
  if (old) {
    old.replaced = true;
    old.close(CLOSE.sessionReplaced, 'session replaced');
  }
  let resumed = false;
  if (resume) {
    if (!isNew && retained(core, resume.afterSeq)) {
      await replay(core, s, resume.afterSeq, { kind: 'visitor', conversation: conversation.id });
      resumed = true;
    } else s.sendRaw('{"t":"reset"}');
  }
  if (s.state !== 'replaying') return;
  s.state = 'live';
  const status = hub.visitorStatus();
  s.frame('welcome', { ...welcome(core, resumed), token, conversation: conversation.id, ...status });
  s.sendRaw(visitorPresence(status));
  hub.visitorLive(s, conversation.opened);
}

/** ` as owner`: who its token says it is, when that is not the name it shows. */
export const asAgent = (s: Session): string => (s.name === s.agent ? '' : ` as ${s.agent}`);

/** Every agent of the team: the owner first, then the added ones by name. */
export function teamNames(core: RelayCore): string[] {
  return [OWNER, ...core.store.agents.list().map((a) => a.name)];
}

function welcome(core: RelayCore, resumed: boolean): Welcome {
  return { epoch: core.store.epoch, lastSeq: core.store.lastSeq, resumed, heartbeatMs: core.heartbeatMs };
}

/** A cursor can be resumed if nothing after it was pruned and it is not from a future we lost. */
function retained(core: RelayCore, afterSeq: number): boolean {
  return afterSeq >= core.store.retainedAfter && afterSeq <= core.store.lastSeq;
}

async function replay(core: RelayCore, s: Session, afterSeq: number, filter: EventFilter): Promise<void> {
  let cursor = afterSeq;
  const pauseAt = Math.min(REPLAY_BUFFER_BYTES, core.limits.slowConsumerBytes / 4);
  for (;;) {
    const page = core.store.eventsAfter(cursor, REPLAY_PAGE, filter);
    let waited = false;
    for (const e of page) {
      s.sendRaw(eventFrame(e));
      cursor = e.seq;
      if (s.ws.bufferedAmount > pauseAt) {
        await s.flushed();
        waited = true;
        if (s.state !== 'replaying') return;
      }
    }
    // A short page read without waiting since is the end: nothing can have been committed
    // in between (one thread), so the caller goes live now without a gap.
    if (page.length < REPLAY_PAGE && !waited) return;
  }
}
