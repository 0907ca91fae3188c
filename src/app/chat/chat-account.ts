// Runs the chat channel for one account: resume from the stored cursor, store + ack events,
// deliver queued replies with their fixed keys, and (long-running) stay connected.
import { RelayClient, RelayError } from '../../adapters/chat/relay-client.js';
import type { AgentWelcome, Welcome } from '../../protocol/frames.js';
import { RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_MIN_MS } from '../../protocol/timing.js';
import { resolveSecret } from '../../config/secrets.js';
import type { ChatAccount } from '../../config/settings.js';
import { getChatCursor, ingestChatEvent, putChatCursor } from '../../store/chat-ingest.js';
import { relayConversationOf } from '../../store/conversation-refs.js';
import { markChatFailed, markChatSent, pendingChat } from '../../store/outbox.js';
import { enterTeam, teamAccountName } from '../../store/team-numbers.js';
import { forgetTeamMirror } from '../../store/team-state.js';
import type { AppContext } from '../context.js';
import { recountAnswers } from '../conversations/failed-reply.js';
import { findChatAccount } from '../channels/accounts.js';


export interface ChatSession {
  client: RelayClient;
  welcome: AgentWelcome;
}

/**
 * Connects as an agent, replays what was missed into the store (or refetches the history after a
 * reset or on first contact), and returns the live client.
 */
/**
 * Checks that the relay answers and takes the token, storing nothing: the first `sync` imports
 * the relay's events and says how many (`account add` used to import them silently, so that
 * sync then reported "0 new").
 */
export async function verifyChat(ctx: AppContext, account: ChatAccount): Promise<void> {
  let token: string;
  try {
    token = await resolveSecret(account.token, ctx.env);
  } catch (err) {
    throw new RelayError(`account ${account.name}: ${(err as Error).message}`, 'auth');
  }
  const client = new RelayClient({ url: account.url, token, name: account.agentName ?? ctx.settings.get('agent').name, reconnect: false, onEvent: () => {} });
  try {
    await client.start();
  } catch (err) {
    throw new RelayError(`account ${account.name}: ${(err as Error).message}`, (err as RelayError).code ?? 'network');
  } finally {
    await client.close();
  }
}

export async function connectChat(ctx: AppContext, account: ChatAccount, reconnect: boolean, o: { connectTimeoutMs?: number } = {}): Promise<ChatSession> {
  let token: string;
  try {
    token = await resolveSecret(account.token, ctx.env);
  } catch (err) {
    throw new RelayError(`account ${account.name}: ${(err as Error).message}`, 'auth');
  }
  const cursor = getChatCursor(ctx.db, account.name);
  let needHistory = !cursor;
  const client: RelayClient = new RelayClient({
    url: account.url,
    token,
    name: account.agentName ?? ctx.settings.get('agent').name,
    reconnect,
    ...(cursor ? { resume: { epoch: cursor.epoch, afterSeq: cursor.lastSeq } } : {}),
    onEvent: (e) => ingestChatEvent(ctx.db, account.name, client.cursor.epoch ?? '', e.seq, e.d, ctx.now()),
    onReset: () => {
      needHistory = true;
    },
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
  });
  const logProblem = (err: Error) => ctx.log(`${account.name}: ${err.message}`);
  // One-shot (sync): a failed start is the caller's error to report, once; later problems are logged.
  if (reconnect) client.on('problem', logProblem);
  client.on('welcome', (w: AgentWelcome) => {
    joinTeam(ctx, account, w);
    if (!w.resumed) void refetch(ctx, account, client, w).catch((err) => ctx.log(`${account.name}: history: ${(err as Error).message}`));
  });
  let welcome: AgentWelcome;
  try {
    welcome = await client.start();
  } catch (err) {
    throw new RelayError(`account ${account.name}: ${(err as Error).message}`, (err as RelayError).code ?? 'network');
  }
  if (!reconnect) client.on('problem', logProblem);
  if (needHistory || !welcome.resumed) await refetch(ctx, account, client, welcome);
  await client.drain();
  return { client, welcome };
}

/** A relay that says it is a team hub makes this store a team member (store/team-numbers.ts enterTeam). */
function joinTeam(ctx: AppContext, account: ChatAccount, w: AgentWelcome): void {
  if (w.team !== true || !w.agent) return;
  try {
    if (enterTeam(ctx.db, w.agent, account.name)) ctx.log(`${account.name}: joined the team as ${w.agent}`);
    const before = getChatCursor(ctx.db, account.name);
    if (before && before.epoch !== w.epoch && teamAccountName(ctx.db) === account.name) forgetTeamMirror(ctx.db);
  } catch (err) {
    ctx.log(`${account.name}: cannot record the team: ${(err as Error).message}`);
  }
}

const refetching = new WeakMap<RelayClient, Promise<void>>();

/** Pages back through the relay's history (idempotent ingest), then continues live from welcome.lastSeq. */
function refetch(ctx: AppContext, account: ChatAccount, client: RelayClient, w: Welcome): Promise<void> {
  const running = refetching.get(client);
  if (running) return running;
  const job = (async () => {
    let beforeSeq: number | undefined;
    for (let page = 0; page < 10_000; page++) {
      const reply = await client.history(beforeSeq === undefined ? { limit: 100 } : { beforeSeq, limit: 100 }, `h-${w.epoch}-${beforeSeq ?? 'top'}-${Date.now()}`);
      // Oldest first, so conversations open before their messages.
      for (const e of [...reply.events].sort((a, b) => a.seq - b.seq)) ingestChatEvent(ctx.db, account.name, w.epoch, e.seq, e.d, ctx.now());
      if (!reply.more || reply.events.length === 0) break;
      beforeSeq = Math.min(...reply.events.map((e) => e.seq));
    }
    putChatCursor(ctx.db, account.name, { epoch: w.epoch, lastSeq: w.lastSeq }, ctx.now());
    client.adoptCursor(w.lastSeq);
  })().finally(() => refetching.delete(client));
  refetching.set(client, job);
  return job;
}

export interface ChatFlush {
  sent: number;
  queued: number;
  failed: number;
  lastError: string | null;
}

/** Sends every queued chat reply with its fixed key; a repeat after a drop is answered, never duplicated. */
export async function flushChatOutbox(ctx: AppContext, account: ChatAccount, client: RelayClient, only?: number): Promise<ChatFlush> {
  const r: ChatFlush = { sent: 0, queued: 0, failed: 0, lastError: null };
  for (const item of pendingChat(ctx.db, account.name)) {
    if (only !== undefined && item.id !== only) continue;
    try {
      const sent = await client.send(item.chat.relayConversation, item.chat.body, item.chat.key);
      markChatSent(ctx.db, item.id, item.messageRowId, item.conversationId, sent.messageId, ctx.now());
      r.sent++;
    } catch (err) {
      const e = err as RelayError;
      r.lastError = `account ${account.name}: ${e.message}`;
      if (e.code === 'not_found' || e.code === 'too_long' || e.code === 'bad_frame' || e.code === 'forbidden') {
        markChatFailed(ctx.db, item.id, item.messageRowId, item.conversationId, e.message, ctx.now());
        recountAnswers(ctx, item.conversationId);
        r.failed++;
      } else {
        r.queued++;
      }
    }
  }
  return r;
}

/** One-shot: catch up with the relay and deliver the outbox, then disconnect. */
export async function syncChatOnce(ctx: AppContext, account: ChatAccount): Promise<{ events: number; outbox: ChatFlush; error: string | null }> {
  const before = getChatCursor(ctx.db, account.name)?.lastSeq ?? 0;
  let session: ChatSession;
  try {
    session = await connectChat(ctx, account, false);
  } catch (err) {
    return { events: 0, outbox: { sent: 0, queued: pendingChat(ctx.db, account.name).length, failed: 0, lastError: null }, error: (err as Error).message };
  }
  try {
    const outbox = await flushChatOutbox(ctx, account, session.client);
    await syncTeamOnce(ctx, account, session);
    await session.client.drain();
    const after = getChatCursor(ctx.db, account.name)?.lastSeq ?? 0;
    return { events: Math.max(0, after - before), outbox, error: null };
  } finally {
    await session.client.close();
  }
}

/** `sync` on the team's account: the team outbox goes out and what the hub has not numbered gets its number. */
async function syncTeamOnce(ctx: AppContext, account: ChatAccount, session: ChatSession): Promise<void> {
  if (session.welcome.team !== true || teamAccountName(ctx.db) !== account.name) return;
  try {
    const { flushTeamOutbox } = await import('../team/team-changes.js');
    const { registerConversations } = await import('../team/registration.js');
    await flushTeamOutbox(ctx, session.client);
    await registerConversations(ctx, session.client);
  } catch (err) {
    ctx.log(`${account.name}: team: ${(err as Error).message}`);
  }
}

export interface ChatWatchHooks {
  onActivity?: () => void;
  /** Connection state for the console's status bar. */
  onState?: (state: 'connecting' | 'online' | 'offline', detail?: string) => void;
  /** A visitor started or stopped typing in a relay conversation. */
  onTyping?: (relayConversation: number, on: boolean) => void;
  /** Lets the caller ask for the outbox to go out now instead of at the next poll. */
  kick?: EventTarget;
  /** Team mode: the process's team link rides on this connection while it runs (app/team/team-link.ts). */
  team?: { attach(account: ChatAccount, client: RelayClient, welcome: AgentWelcome): void; detach(client: RelayClient): void };
}

/** Long-running: stays connected (the client reconnects by itself) and sends what other processes queue. */
export async function watchChat(ctx: AppContext, account: ChatAccount, signal: AbortSignal, hooks: ChatWatchHooks | (() => void) = {}): Promise<void> {
  const h: ChatWatchHooks = typeof hooks === 'function' ? { onActivity: hooks } : hooks;
  let backoff = RECONNECT_BACKOFF_MIN_MS;
  while (!signal.aborted) {
    h.onState?.('connecting');
    try {
      const { client, welcome } = await connectChat(ctx, account, true);
      backoff = RECONNECT_BACKOFF_MIN_MS;
      h.team?.attach(account, client, welcome);
      h.onState?.('online');
      client.on('state', (s: string) => {
        h.onState?.(s === 'connected' ? 'online' : 'offline', s === 'connected' ? undefined : 'reconnecting');
        if (s === 'connected') void flushChatOutbox(ctx, account, client);
      });
      client.on('typing', (t: { conversation?: number; on: boolean }) => {
        if (t.conversation !== undefined) h.onTyping?.(t.conversation, t.on);
      });
      const flushNow = () => {
        if (client.connected) void flushChatOutbox(ctx, account, client);
      };
      h.kick?.addEventListener('kick', flushNow);
      let last = 0;
      const poll = setInterval(() => {
        const pending = pendingChat(ctx.db, account.name).length;
        if (pending > 0 && client.connected) void flushChatOutbox(ctx, account, client);
        const seq = client.cursor.lastSeq;
        if (seq !== last) {
          last = seq;
          h.onActivity?.();
        }
      }, 500);
      await flushChatOutbox(ctx, account, client);
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        client.once('fatal', () => resolve());
      });
      clearInterval(poll);
      h.kick?.removeEventListener('kick', flushNow);
      h.team?.detach(client);
      await client.close();
    } catch (err) {
      h.onState?.('offline', (err as Error).message);
      ctx.log(`${(err as Error).message}; retrying in ${Math.round(backoff / 1000)}s`);
      await new Promise((res) => setTimeout(res, Math.random() * backoff));
      backoff = Math.min(backoff * 2, RECONNECT_BACKOFF_MAX_MS);
    }
  }
}

/**
 * Tells the relay (and so the visitor) that a chat conversation was resolved or reopened.
 * Best effort: when the relay is unreachable the local status still changes, and a warning says so.
 */
export async function mirrorChatStatus(ctx: AppContext, conversationId: number, status: 'open' | 'resolved'): Promise<string | null> {
  const conv = relayConversationOf(ctx.db, conversationId);
  if (!conv) return null;
  const account = findChatAccount(ctx, conv.account);
  if (!account) return `chat account ${conv.account} is not configured; the visitor was not told`;
  try {
    const { client } = await connectChat(ctx, account, false);
    try {
      await client.setStatus(conv.relayConversation, status, `status-${conversationId}-${status}-${ctx.now()}`);
    } finally {
      await client.close();
    }
    return null;
  } catch (err) {
    return `${(err as Error).message}; the visitor was not told`;
  }
}
