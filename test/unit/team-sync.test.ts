// The agent's side of team mode over a real SQLite store: the hub's team.change events applied
// in any order and any number of times reach one state, a note lands once, numbers follow the hub,
// and the team outbox is replayed in order with the same keys (a recording client stands in for
// the relay connection; test/integration/team-sync.test.ts runs against the real relay).
import { MAX_PAYLOAD } from '../../src/protocol/transport.js';
import { describe, expect, it } from 'vitest';
import type { RelayClient } from '../../src/adapters/chat/relay-client.js';
import { RelayError } from '../../src/adapters/chat/relay-client.js';
import type { AppContext } from '../../src/app/context.js';
import { flushTeamOutbox } from '../../src/app/team/team-changes.js';
import { registerConversations } from '../../src/app/team/registration.js';
import { ensureTeamKey } from '../../src/app/team/team-keys.js';
import { INITIAL_TEAM_STATE, type TeamChangeEvent, type TeamState } from '../../src/domain/team.js';
import type { TeamChange, TeamChangeOk } from '../../src/protocol/frames.js';
import { getChatCursor, ingestChatEvent } from '../../src/store/chat-ingest.js';
import { conversationMessages, getConversation } from '../../src/store/conversations.js';
import { type Db, openDb } from '../../src/store/db.js';
import { ingestEmail } from '../../src/store/ingest.js';
import { enqueueTeamChange, pendingTeamChanges } from '../../src/store/team-outbox.js';
import { enterTeam, setTeamIdentity, threadRootOf, unnumberedConversations } from '../../src/store/team-numbers.js';
import { addTeamNote, applyTeamEvent, forgetTeamMirror, teamMirror, teamNoteId } from '../../src/store/team-state.js';

const NOW = Date.parse('2026-12-05T10:00:00.000Z');

function mail(db: Db, messageId: string, opts: { references?: string[]; inReplyTo?: string[]; from?: string } = {}): number {
  return ingestEmail(
    db,
    {
      account: 'support', mailbox: 'INBOX', uidValidity: 1, uid: Math.floor(Math.random() * 1e9), messageId, inReplyTo: opts.inReplyTo ?? [], references: opts.references ?? [],
      subject: 'Order', from: { name: 'Ann', email: opts.from ?? 'ann@cust.test' }, to: [], cc: [], sentAt: NOW - 60_000, flags: [], text: 'hi', attachments: [], size: 1, fingerprint: messageId,
    },
    'support@shop.test',
    NOW,
  ).conversationId;
}

function ctxOf(db: Db, agent = 'dana'): AppContext {
  const settings = {
    get: (k: string) => (k === 'accounts' ? [{ type: 'email', name: 'support', email: 'Support@Shop.test' }] : k === 'agent' ? { name: agent } : undefined),
  };
  return { db, now: () => NOW, log: () => {}, env: {}, settings: settings as never, loadSettings: async () => settings as never };
}

const KEY = 'email:support@shop.test:root1@cust.test';
const state = (s: Partial<TeamState>): TeamState => ({ ...INITIAL_TEAM_STATE, ...s });
const ev = (changeId: string, by: string, action: TeamChangeEvent['action'], s: Partial<TeamState>, number = 41): TeamChangeEvent => ({
  kind: 'team.change', number, key: KEY, by, action, state: state(s), changeId,
});

function teamStore(): { db: Db; id: number } {
  const db = openDb(':memory:');
  const id = mail(db, 'root1@cust.test');
  enterTeam(db, 'dana', 'hub');
  expect(setTeamIdentity(db, id, KEY, 41)).toBe(true);
  return { db, id };
}

const tx = (db: Db, f: () => void) => db.transaction(f).immediate();

describe('joining a team and numbers', () => {
  it('clears the local numbers once, and conversations stored afterwards wait for the hub\'s number', () => {
    const db = openDb(':memory:');
    const a = mail(db, 'a@cust.test');
    expect(getConversation(db, a)?.number).toBe(a);
    expect(enterTeam(db, 'dana', 'hub')).toBe(true);
    expect(getConversation(db, a)?.number).toBeNull();
    const b = mail(db, 'b@cust.test', { from: 'bob@cust.test' });
    expect(getConversation(db, b)?.number).toBeNull();
    expect(unnumberedConversations(db, 0, 500).map((c) => c.id)).toEqual([a, b]);
    setTeamIdentity(db, a, 'k-a', 7);
    expect(enterTeam(db, 'dana', 'hub')).toBe(false); // already in: numbers stay
    expect(getConversation(db, a)?.number).toBe(7);
    expect(enterTeam(db, 'dana', 'other-relay')).toBe(false);
  });

  it('a number the hub gives moves away from a conversation that held it before', () => {
    const db = openDb(':memory:');
    const a = mail(db, 'a@cust.test');
    const b = mail(db, 'b@cust.test', { from: 'bob@cust.test' });
    enterTeam(db, 'dana', 'hub');
    setTeamIdentity(db, a, 'k-a', 3);
    setTeamIdentity(db, b, 'k-b', 3);
    expect(getConversation(db, b)?.number).toBe(3);
    expect(getConversation(db, a)?.number).toBeNull();
    expect(setTeamIdentity(db, a, 'k-b', 4)).toBe(false); // the key is another conversation's
  });

  it('the thread root is the first stored message\'s References[0] ?? In-Reply-To ?? Message-ID; old rows fall back to the earliest Message-ID', () => {
    const db = openDb(':memory:');
    const reply = mail(db, 'r2@cust.test', { references: ['root@cust.test', 'r1@cust.test'], inReplyTo: ['r1@cust.test'] });
    expect(threadRootOf(db, reply)).toBe('root@cust.test');
    const inReply = mail(db, 'x2@cust.test', { inReplyTo: ['x1@cust.test'], from: 'x@cust.test' });
    expect(threadRootOf(db, inReply)).toBe('x1@cust.test');
    const fresh = mail(db, 'solo@cust.test', { from: 'y@cust.test' });
    db.prepare('UPDATE conversations SET thread_root = NULL WHERE id = ?').run(fresh);
    expect(threadRootOf(db, fresh)).toBe('solo@cust.test');
    expect(ensureTeamKey(ctxOf(db), reply)).toBe('email:support@shop.test:root@cust.test');
  });
});

describe('applying team.change events', () => {
  it('applies the newest state and skips what is older, in any order', () => {
    const { db, id } = teamStore();
    tx(db, () => applyTeamEvent(db, ev('c2', 'sam', { kind: 'tag', add: ['refund'], remove: [] }, { assignee: 'sam', tags: ['refund'] }), 12, NOW));
    tx(db, () => applyTeamEvent(db, ev('c1', 'sam', { kind: 'assign', to: 'sam' }, { assignee: 'sam' }), 11, NOW)); // late: skipped
    tx(db, () => applyTeamEvent(db, ev('c3', 'lee', { kind: 'resolve' }, { status: 'resolved', assignee: 'sam', tags: ['refund'] }), 13, NOW));
    const c = getConversation(db, id);
    expect(c?.status).toBe('resolved');
    expect(c?.tags).toEqual(['refund']);
    expect(teamMirror(db, 41)?.seq).toBe(13);
    // An older event after a newer one changes nothing, not even the mirror.
    tx(db, () => applyTeamEvent(db, ev('c0', 'lee', { kind: 'reopen' }, { status: 'open' }), 5, NOW));
    expect(getConversation(db, id)?.status).toBe('resolved');
    expect(teamMirror(db, 41)?.state.status).toBe('resolved');
  });

  it('is idempotent: the same event twice writes once (one event log entry)', () => {
    const { db, id } = teamStore();
    const e = ev('c1', 'sam', { kind: 'assign', to: 'sam' }, { assignee: 'sam' });
    tx(db, () => applyTeamEvent(db, e, 3, NOW));
    tx(db, () => applyTeamEvent(db, e, 3, NOW));
    expect(getConversation(db, id)?.assignee).toBe('sam');
    const n = db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'conversation.assigned' AND conversation_id = ?").get(id) as { n: number };
    expect(n.n).toBe(1);
  });

  it('a note lands once, under its team id, with its author; my own note is not doubled by the echo', () => {
    const { db, id } = teamStore();
    const e = ev('n1', 'sam', { kind: 'note', text: 'called her' }, {});
    tx(db, () => applyTeamEvent(db, e, 4, NOW));
    tx(db, () => applyTeamEvent(db, e, 4, NOW));
    tx(db, () => addTeamNote(db, id, 'dana', 'mine', teamNoteId('dana', 'n2'), NOW));
    tx(db, () => applyTeamEvent(db, ev('n2', 'dana', { kind: 'note', text: 'mine' }, {}), 5, NOW));
    const notes = conversationMessages(db, id).filter((m) => m.direction === 'note');
    expect(notes.map((m) => [m.from.name, m.text, m.externalId])).toEqual([
      ['sam', 'called her', 'team-note:sam:n1'],
      ['dana', 'mine', 'team-note:dana:n2'],
    ]);
  });

  it('touches only what the change is about: a teammate\'s tag does not close a conversation a customer reopened here', () => {
    const { db, id } = teamStore();
    tx(db, () => applyTeamEvent(db, ev('c1', 'sam', { kind: 'resolve' }, { status: 'resolved' }), 1, NOW));
    db.prepare("UPDATE conversations SET status = 'open' WHERE id = ?").run(id); // the customer wrote again
    tx(db, () => applyTeamEvent(db, ev('c2', 'sam', { kind: 'tag', add: ['vip'], remove: [] }, { status: 'resolved', tags: ['vip'] }), 2, NOW));
    expect(getConversation(db, id)?.status).toBe('open');
    expect(getConversation(db, id)?.tags).toEqual(['vip']);
  });

  it('a hub that started over (new epoch) is followed from its first seq again, numbers given anew', () => {
    const { db, id } = teamStore();
    tx(db, () => applyTeamEvent(db, ev('c1', 'sam', { kind: 'assign', to: 'sam' }, { assignee: 'sam' }), 500, NOW));
    forgetTeamMirror(db);
    expect(getConversation(db, id)?.number).toBeNull();
    setTeamIdentity(db, id, KEY, 1);
    tx(db, () => applyTeamEvent(db, ev('c2', 'lee', { kind: 'assign', to: 'lee' }, { assignee: 'lee' }, 1), 2, NOW));
    expect(getConversation(db, id)?.assignee).toBe('lee');
  });

    it('what the hub says is outside text: names one safe line, tags one word, junk left out', () => {
    const { db, id } = teamStore();
    const hostile = { status: 'open', snoozedUntil: null, assignee: 'sam\u001b[31m\nroot', priority: 'bogus', tags: ['ok', 'two words', 'esc\u001b'] } as unknown as TeamState;
    tx(db, () => applyTeamEvent(db, { ...ev('c1', 'sam\u0007', { kind: 'assign', to: 'x' }, {}), state: hostile }, 1, NOW));
    tx(db, () => applyTeamEvent(db, { ...ev('c2', 'sam', { kind: 'tag', add: ['ok'], remove: [] }, {}), state: hostile }, 2, NOW));
    const c = getConversation(db, id);
    expect(c?.assignee).not.toMatch(/[\u0000-\u001f]/);
    expect(c?.assignee).toMatch(/^sam.*root$/);
    expect(c?.tags).toEqual(['ok']);
    expect(teamMirror(db, 41)?.state.priority).toBeNull();
  });

    it('through the chat ingest: the event and the cursor commit together', () => {
    const { db, id } = teamStore();
    ingestChatEvent(db, 'hub', 'ep', 9, { ...ev('c1', 'sam', { kind: 'priority', priority: 'urgent' }, { priority: 'urgent' }), conversation: 0 }, NOW);
    expect(getChatCursor(db, 'hub')?.lastSeq).toBe(9);
    expect(db.prepare('SELECT priority_set FROM conversations WHERE id = ?').get(id)).toEqual({ priority_set: 'urgent' });
  });

  it('a change made here and not yet confirmed stays visible while teammates\' changes arrive', () => {
    const { db, id } = teamStore();
    const change: TeamChange = { key: KEY, action: { kind: 'tag', add: ['mine'], remove: [] } };
    db.prepare("INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, 'mine')").run(id);
    enqueueTeamChange(db, 'local-1', id, change, NOW);
    tx(db, () => applyTeamEvent(db, ev('c1', 'sam', { kind: 'tag', add: ['theirs'], remove: [] }, { tags: ['theirs'] }), 1, NOW));
    expect(getConversation(db, id)?.tags).toEqual(['mine', 'theirs']);
  });
});

/** Answers team.change like the hub would (folding, claims), recording the keys it was sent. */
function fakeHub(opts: { offlineAfter?: number; holder?: string } = {}) {
  const sent: Array<{ key: string; change: TeamChange }> = [];
  let s = INITIAL_TEAM_STATE;
  let seq = 100;
  const client = {
    connected: true,
    async change(key: string, change: TeamChange): Promise<TeamChangeOk> {
      if (opts.offlineAfter !== undefined && sent.length >= opts.offlineAfter) throw new RelayError('disconnected from the relay', 'network');
      sent.push({ key, change });
      if (change.claim && opts.holder) throw new RelayError(`#41 is assigned to ${opts.holder}`, 'claimed', undefined, opts.holder);
      const { foldTeamAction } = await import('../../src/domain/team.js');
      s = foldTeamAction(s, change.action);
      return { seq: ++seq, number: 41, applied: true, state: s };
    },
  };
  return { client: client as unknown as RelayClient, sent };
}

describe('team outbox replay', () => {
  it('sends oldest first with the same keys, settles each, and stops at the first that cannot go (the rest keep their order)', async () => {
    const db = openDb(':memory:');
    const id = mail(db, 'root1@cust.test');
    enterTeam(db, 'dana', 'hub');
    const ctx = ctxOf(db);
    enqueueTeamChange(db, 'k1', id, { key: KEY, action: { kind: 'tag', add: ['a'], remove: [] } }, NOW);
    enqueueTeamChange(db, 'k2', id, { key: KEY, action: { kind: 'pending' } }, NOW);
    enqueueTeamChange(db, 'k3', id, { key: KEY, action: { kind: 'tag', add: ['b'], remove: [] } }, NOW);
    const offline = fakeHub({ offlineAfter: 1 });
    const first = await flushTeamOutbox(ctx, offline.client);
    expect(offline.sent.map((x) => x.key)).toEqual(['k1']);
    expect(first.get('k2')?.kind).toBe('queued');
    expect(pendingTeamChanges(db).map((p) => p.changeId)).toEqual(['k2', 'k3']);
    expect(getConversation(db, id)?.number).toBe(41); // the hub's answer numbered it

    const back = fakeHub();
    await flushTeamOutbox(ctx, back.client);
    expect(back.sent.map((x) => x.key)).toEqual(['k2', 'k3']);
    expect(pendingTeamChanges(db)).toEqual([]);
    expect(teamMirror(db, 41)?.seq).toBe(102);
  });

  it('a lost claim puts the assignment back to the holder and says who holds it', async () => {
    const db = openDb(':memory:');
    const id = mail(db, 'root1@cust.test');
    enterTeam(db, 'dana', 'hub');
    setTeamIdentity(db, id, KEY, 41);
    tx(db, () => applyTeamEvent(db, ev('c1', 'sam', { kind: 'assign', to: 'sam' }, { assignee: 'sam' }), 1, NOW));
    db.prepare("UPDATE conversations SET assignee = 'dana' WHERE id = ?").run(id); // applied here first
    enqueueTeamChange(db, 'k1', id, { key: KEY, action: { kind: 'assign', to: 'dana' }, claim: { take: false } }, NOW);
    const hub = fakeHub({ holder: 'sam' });
    const out = await flushTeamOutbox(ctxOf(db), hub.client);
    expect(out.get('k1')).toEqual({ kind: 'claimed', holder: 'sam' });
    expect(getConversation(db, id)?.assignee).toBe('sam');
    expect(pendingTeamChanges(db)).toEqual([]);
  });
});

describe('registration', () => {
  it('offers every unnumbered conversation by key with its state, in pages of at most 500, and follows the hub\'s answer', async () => {
    const db = openDb(':memory:');
    const ids = Array.from({ length: 503 }, (_, i) => mail(db, `t${i}@cust.test`, { from: `c${i}@cust.test` }));
    db.prepare("UPDATE conversations SET assignee = 'dana' WHERE id = ?").run(ids[0]);
    enterTeam(db, 'dana', 'hub');
    const pages: Array<Array<{ key: string; state?: TeamState }>> = [];
    const client = {
      connected: true,
      async register(conversations: Array<{ key: string; state?: TeamState }>) {
        pages.push(conversations);
        // The hub knew the first thread already: its state wins; the others are numbered from 1000.
        return {
          conversations: conversations.map((c, i) =>
            c.key.endsWith(':t0@cust.test') ? { key: c.key, number: 7, state: state({ assignee: 'sam', tags: ['vip'] }), seq: 3 } : { key: c.key, number: 1000 + pages.length * 1000 + i, state: c.state ?? INITIAL_TEAM_STATE, seq: 0 },
          ),
        };
      },
    } as unknown as RelayClient;
    const upTo = await registerConversations(ctxOf(db), client);
    // At most 500 to a frame, and fewer when 500 would not fit in one frame (see the next test).
    expect(pages.every((p) => p.length <= 500)).toBe(true);
    expect(pages.flat()).toHaveLength(503);
    expect(pages[0]?.[0]).toEqual({ key: 'email:support@shop.test:t0@cust.test', state: state({ assignee: 'dana' }) });
    expect(upTo).toBe(Math.max(...ids));
    expect(getConversation(db, ids[0] as number)).toMatchObject({ number: 7, assignee: 'sam', tags: ['vip'] });
    expect(unnumberedConversations(db, 0, 600)).toEqual([]);
    const sent = pages.length;
    expect(await registerConversations(ctxOf(db), client, upTo)).toBe(upTo);
    expect(pages).toHaveLength(sent); // nothing new: no frame
  });

  it('keeps every team.register frame within the wire\'s 64 KiB, however long the keys (a bigger frame closes the socket 1009)', async () => {
    const db = openDb(':memory:');
    // Message-IDs may be long (up to ~1000 characters in the wild); 500 of 400 characters is ~250 KB.
    for (let i = 0; i < 500; i++) mail(db, `${'x'.repeat(400)}${i}@cust.test`, { from: `c${i}@cust.test` });
    enterTeam(db, 'dana', 'hub');
    const frames: string[] = [];
    const client = {
      connected: true,
      async register(conversations: Array<{ key: string; state?: TeamState }>, id: string) {
        frames.push(JSON.stringify({ t: 'team.register', id, d: { conversations } }));
        return { conversations: conversations.map((c, i) => ({ key: c.key, number: frames.length * 1000 + i, state: c.state ?? INITIAL_TEAM_STATE, seq: 0 })) };
      },
    } as unknown as RelayClient;
    await registerConversations(ctxOf(db), client);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect(unnumberedConversations(db, 0, 600)).toEqual([]);
  });
});
