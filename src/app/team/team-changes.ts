// A change to a conversation in team mode: applied here first (the caller did), queued in the
// team outbox with its idempotency key, then sent — over this process's live link, or a one-shot
// connection for the CLI. The outbox is replayed oldest first with the same keys, so the hub
// applies each change once however often it is sent; its answer settles the local columns.
import type { RelayClient, RelayError } from '../../adapters/chat/relay-client.js';
import type { ConversationAction } from '../../domain/team.js';
import type { TeamChange, TeamChangeOk } from '../../protocol/frames.js';
import { dropTeamChange, enqueueTeamChange, isTeamChangePending, pendingTeamChanges, type QueuedTeamChange } from '../../store/team-outbox.js';
import { setTeamIdentity, teamAccountName, teamAgent } from '../../store/team-numbers.js';
import { applyHubState, fieldsOfAction, localTeamState, teamMirrorByKey, writeTeamColumns } from '../../store/team-state.js';
import { findChatAccount } from '../channels/accounts.js';
import type { AppContext } from '../context.js';
import { type ChangeOutcome, liveTeam } from './live.js';
import { ensureTeamKey } from './team-keys.js';

export type { ChangeOutcome } from './live.js';

/** How long a CLI command waits for the hub before leaving the change queued. */
export const ONE_SHOT_TIMEOUT_MS = 3000;

export const QUEUED_WARNING = 'the team hears of it when the hub is back';

/** Errors after which sending the same change again cannot help. */
const FINAL = new Set(['bad_frame', 'not_found', 'too_long', 'forbidden']);

export interface ShareOptions {
  changeId: string;
  claim?: { take: boolean };
  ifAssignee?: string | null;
  timeoutMs?: number;
}

/**
 * Queues a change already applied here and sends it. Null: the conversation is not shared with
 * the team (no key: a chat of another relay, a thread whose root is unknown).
 */
export async function shareChange(ctx: AppContext, conversationId: number, action: ConversationAction, o: ShareOptions): Promise<ChangeOutcome | null> {
  const key = ensureTeamKey(ctx, conversationId);
  if (key === null) return null;
  const change: TeamChange = { key, action: wireAction(action) };
  if (o.claim) change.claim = o.claim;
  if (o.ifAssignee !== undefined) change.ifAssignee = o.ifAssignee;
  const now = ctx.now();
  enqueueTeamChange(ctx.db, o.changeId, conversationId, change, now);
  return deliverChange(ctx, { changeId: o.changeId, conversationId, change, createdAt: now }, o.timeoutMs ?? ONE_SHOT_TIMEOUT_MS);
}

/** Sends a queued change (and what waits before it) and says what became of it: over this process's live link, else once. */
export function deliverChange(ctx: AppContext, item: QueuedTeamChange, timeoutMs = ONE_SHOT_TIMEOUT_MS): Promise<ChangeOutcome> {
  const live = liveTeam(ctx.db);
  return live ? live.deliver(item, timeoutMs) : deliverOnce(ctx, item, timeoutMs);
}

/**
 * The outcome of my change when another process of mine (the console, `sync --watch`) sent and
 * settled it first: asked again with the same key, the hub answers what it answered then (a
 * claim it refused stays refused) and applies nothing twice. Undefined: it still waits here.
 */
export async function askAgain(ctx: AppContext, client: RelayClient, item: QueuedTeamChange, timeoutMs: number): Promise<ChangeOutcome | undefined> {
  if (isTeamChangePending(ctx.db, item.changeId) || !client.connected) return undefined;
  return sendOne(ctx, client, item, timeoutMs);
}

/** The action as the wire has it (`take` travels as `claim.take`). */
function wireAction(a: ConversationAction): ConversationAction {
  return a.kind === 'assign' ? { kind: 'assign', to: a.to } : a;
}

/** The CLI: connect to the hub once (no reconnects), send the outbox, close. */
async function deliverOnce(ctx: AppContext, item: QueuedTeamChange, timeoutMs: number): Promise<ChangeOutcome> {
  const name = teamAccountName(ctx.db);
  const account = name === null ? undefined : findChatAccount(ctx, name);
  if (!account) return { kind: 'queued', reason: `the team's chat account ${name ?? ''} is not configured` };
  const { connectChat } = await import('../chat/chat-account.js');
  let client: RelayClient;
  try {
    client = (await connectChat(ctx, account, false, { connectTimeoutMs: timeoutMs })).client;
  } catch (err) {
    return { kind: 'queued', reason: (err as Error).message };
  }
  try {
    const outcomes = await flushTeamOutbox(ctx, client, timeoutMs);
    return outcomes.get(item.changeId) ?? (await askAgain(ctx, client, item, timeoutMs)) ?? { kind: 'queued', reason: 'the hub did not answer in time' };
  } finally {
    await client.close();
  }
}

/**
 * Sends every queued change in order, each with its own key, settling each answer in the store.
 * Stops at the first that cannot be sent now (offline, no answer): the rest keep their order.
 */
export async function flushTeamOutbox(ctx: AppContext, client: RelayClient, timeoutMs = 15_000, onOutcome?: (changeId: string, o: ChangeOutcome) => void): Promise<Map<string, ChangeOutcome>> {
  const outcomes = new Map<string, ChangeOutcome>();
  const note = (id: string, o: ChangeOutcome) => {
    outcomes.set(id, o);
    onOutcome?.(id, o);
  };
  for (const item of pendingTeamChanges(ctx.db)) {
    if (!client.connected) break;
    const outcome = await sendOne(ctx, client, item, timeoutMs);
    note(item.changeId, outcome);
    if (outcome.kind === 'queued') break;
  }
  return outcomes;
}

/** Sends one change and settles the hub's answer in the store (each settling is safe to repeat). */
async function sendOne(ctx: AppContext, client: RelayClient, item: QueuedTeamChange, timeoutMs: number): Promise<ChangeOutcome> {
  let ok: TeamChangeOk;
  try {
    ok = await client.change(item.changeId, item.change, timeoutMs);
  } catch (err) {
    const e = err as RelayError;
    if (e.code === 'claimed') {
      const holder = e.holder || 'someone else';
      settleClaimed(ctx, item, holder);
      return { kind: 'claimed', holder };
    }
    if (FINAL.has(e.code)) {
      settleRejected(ctx, item);
      ctx.log(`team: the hub refused a change to ${item.change.key}: ${e.message}`);
      return { kind: 'rejected', message: e.message };
    }
    return { kind: 'queued', reason: e.message };
  }
  settleOk(ctx, item, ok);
  return { kind: 'ok', ok };
}

function settleOk(ctx: AppContext, item: QueuedTeamChange, ok: TeamChangeOk): void {
  const db = ctx.db;
  db.transaction(() => {
    dropTeamChange(db, item.changeId);
    setTeamIdentity(db, item.conversationId, item.change.key, ok.number);
    const by = teamAgent(db) ?? '';
    applyHubState(db, { number: ok.number, key: item.change.key, state: ok.state, seq: ok.seq }, { fields: fieldsOfAction(item.change.action), by, now: ctx.now(), always: true });
  }).immediate();
}

/** The claim lost: the assignment made here is put back to the hub's (or to the holder). */
function settleClaimed(ctx: AppContext, item: QueuedTeamChange, holder: string): void {
  const db = ctx.db;
  db.transaction(() => {
    dropTeamChange(db, item.changeId);
    const mirror = teamMirrorByKey(db, item.change.key);
    if (mirror) applyHubState(db, mirror, { fields: ['assignee'], by: holder, now: ctx.now(), always: true });
    else writeTeamColumns(db, item.conversationId, { ...localTeamState(db, item.conversationId), assignee: holder }, ['assignee'], holder, ctx.now());
  }).immediate();
}

function settleRejected(ctx: AppContext, item: QueuedTeamChange): void {
  const db = ctx.db;
  db.transaction(() => {
    dropTeamChange(db, item.changeId);
    const mirror = teamMirrorByKey(db, item.change.key);
    if (mirror) applyHubState(db, mirror, { fields: fieldsOfAction(item.change.action), by: 'hub', now: ctx.now(), always: true });
  }).immediate();
}
