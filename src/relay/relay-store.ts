// The relay's durable record (relay.db): visitors, conversations, the numbered event log and
// idempotency keys. Every event is committed here before anyone is told about it; `seq` is the
// events table's primary key, so the one global sequence survives restarts, and the epoch
// (random, made with the store) tells clients whether their cursor still means anything.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { hashToken, KEY_TTL_MS } from './secrets.js';

export { hashToken, KEY_TTL_MS };
import path from 'node:path';
import type { EventData } from '../protocol/frames.js';
import { ensureDir, privateFile, resolvePaths } from '../config/paths.js';
import { migrateRelayDb } from './relay-migrations.js';
import { type Checkpointer, lockStore, startCheckpointer } from './store-guard.js';
import { AgentRegistry } from './agent-registry.js';
import { SqliteTeamStore, type TeamStore } from './team-store.js';


export interface StoredEvent {
  seq: number;
  kind: EventData['kind'];
  conversation: number;
  /** The event's `d` as JSON: frames are built around it without parsing it again. */
  data: string;
  at: number;
}

export interface Visitor {
  id: number;
  name: string | null;
  email: string | null;
  createdAt: number;
}

export interface Conversation {
  id: number;
  visitorId: number;
  status: 'open' | 'resolved';
  /** Agents learn of a conversation with its first durable event (see docs/protocol-notes.md). */
  opened: boolean;
  createdAt: number;
}

/** Which events a reader may see: an agent all (optionally one conversation), a visitor its own. */
export type EventFilter = { kind: 'all' } | { kind: 'conversation'; conversation: number } | { kind: 'visitor'; conversation: number };

export interface IdempotentResult {
  messageId: string;
  seq: number;
}

export function relayDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(ensureDir(resolvePaths(env).data), 'relay.db');
}


/** Events a visitor may see (PROTOCOL.md, "Durable events"). */
export const VISITOR_KINDS: ReadonlySet<string> = new Set(['message', 'conversation.status']);

const VISITOR_KINDS_SQL = `kind IN ('message','conversation.status')`;

interface ConversationRow {
  id: number;
  visitor_id: number;
  status: 'open' | 'resolved';
  opened: number;
  created_at: number;
}
interface VisitorRow {
  id: number;
  name: string | null;
  email: string | null;
  created_at: number;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  visitorId: r.visitor_id,
  status: r.status,
  opened: r.opened === 1,
  createdAt: r.created_at,
});
const toVisitor = (r: VisitorRow): Visitor => ({ id: r.id, name: r.name, email: r.email, createdAt: r.created_at });

function prepare(db: Database.Database) {
  const pageSql = (cmp: '>' | '<', where: string, order: 'ASC' | 'DESC') =>
    db.prepare(`SELECT seq, kind, conversation, data, at FROM events WHERE seq ${cmp} ? ${where} ORDER BY seq ${order} LIMIT ?`);
  return {
    visitorByHash: db.prepare('SELECT id, name, email, created_at FROM visitors WHERE token_hash = ?'),
    visitorById: db.prepare('SELECT id, name, email, created_at FROM visitors WHERE id = ?'),
    insertVisitor: db.prepare('INSERT INTO visitors (token_hash, name, email, created_at) VALUES (?, ?, ?, ?)'),
    updateVisitor: db.prepare('UPDATE visitors SET name = ?, email = ? WHERE id = ?'),
    insertConversation: db.prepare('INSERT INTO conversations (visitor_id, created_at) VALUES (?, ?)'),
    conversation: db.prepare('SELECT id, visitor_id, status, opened, created_at FROM conversations WHERE id = ?'),
    latestConversation: db.prepare('SELECT id, visitor_id, status, opened, created_at FROM conversations WHERE visitor_id = ? ORDER BY id DESC LIMIT 1'),
    setStatus: db.prepare('UPDATE conversations SET status = ? WHERE id = ?'),
    setOpened: db.prepare('UPDATE conversations SET opened = 1 WHERE id = ?'),
    identifyVisitor: db.prepare(
      'UPDATE visitors SET name = coalesce(?, name), email = coalesce(?, email) WHERE id = (SELECT visitor_id FROM conversations WHERE id = ?)',
    ),
    insertEvent: db.prepare('INSERT INTO events (seq, kind, conversation, data, at) VALUES (?, ?, ?, ?, ?)'),
    findKey: db.prepare('SELECT message_id, seq, created_at FROM idempotency WHERE scope = ? AND key = ?'),
    putKey: db.prepare('INSERT OR REPLACE INTO idempotency (scope, key, message_id, seq, created_at) VALUES (?, ?, ?, ?, ?)'),
    purgeKeys: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
    pruneEvents: db.prepare('DELETE FROM events WHERE seq <= ?'),
    setRetained: db.prepare(`UPDATE meta SET value = ? WHERE key = 'retained_after'`),
    after: {
      all: pageSql('>', '', 'ASC'),
      conversation: pageSql('>', 'AND conversation = ?', 'ASC'),
      visitor: pageSql('>', `AND conversation = ? AND ${VISITOR_KINDS_SQL}`, 'ASC'),
    },
    before: {
      all: pageSql('<', '', 'DESC'),
      conversation: pageSql('<', 'AND conversation = ?', 'DESC'),
      visitor: pageSql('<', `AND conversation = ? AND ${VISITOR_KINDS_SQL}`, 'DESC'),
    },
  };
}

type Statements = ReturnType<typeof prepare>;

/** What SQLite's quick check finds wrong with the file (its first problem), or null when it is sound. */
function damageOf(db: Database.Database): string | null {
  const rows = db.pragma('quick_check(1)') as Array<{ quick_check: string }>;
  const first = rows[0]?.quick_check ?? 'no answer';
  // One line: SQLite's report starts with "*** in database main ***" and a line break.
  return first === 'ok' ? null : first.replace(/\*\*\* in database \w+ \*\*\*/g, '').replace(/\s+/g, ' ').trim();
}

export class RelayStore {
  readonly epoch: string;
  /** The last committed seq (0 for an empty log). */
  lastSeq: number;
  /** Events with seq ≤ this were pruned: a cursor below it cannot be resumed. */
  retainedAfter: number;
  /** Team mode: the hub's numbered conversations and their state (team-store.ts). */
  readonly team: TeamStore;
  /** The agents added with `attend relay agent add` (agent-registry.ts). */
  readonly agents: AgentRegistry;
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly unlock: () => void;
  private readonly checkpointer: Checkpointer;
  private readonly appendTx: (events: EventData[], at: number, key?: { scope: string; key: string }) => StoredEvent[];

  constructor(file: string) {
    this.unlock = lockStore(file);
    privateFile(file);
    let opened: Database.Database | undefined;
    try {
      opened = new Database(file);
      const damage = damageOf(opened);
      if (damage !== null) throw Object.assign(new Error(damage), { code: 'SQLITE_CORRUPT' });
    } catch (err) {
      if (opened?.open) opened.close();
      this.unlock();
      const e = err as Error & { code?: string };
      if (e.code === 'SQLITE_CORRUPT' || e.code === 'SQLITE_NOTADB') {
        // Refuse at start, by name, with the way out: a damaged log would let the relay start and
        // then answer `internal` to every agent forever.
        throw Object.assign(
          new Error(`${file} is damaged (${e.message}). Stop the relay, move the file aside (mv ${file} ${file}.damaged) and start it again: chats start a new history, and agents keep what they already synced`),
          { code: e.code },
        );
      }
      throw err;
    }
    const db = opened;
    this.db = db;
    // WAL + synchronous=NORMAL: a commit is durable against a crash of the process (what the
    // relay promises before it acks) and costs no fsync per message; only a power cut can lose
    // the last few, which the client's retry with the same key then repairs.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 1000');
    db.pragma('foreign_keys = ON');
    // Checkpoints happen in a worker (store-guard.ts), not inside our commits.
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    // Hot pages (recent events, their index, idempotency keys) stay in memory: a page read that
    // misses costs a syscall, and syscalls are what a busy relay spends its time on.
    db.pragma('cache_size = -32000');
    db.pragma(`mmap_size = ${256 * 1024 * 1024}`);
    migrateRelayDb(db);
    db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?), ('retained_after', '0')`).run(randomBytes(12).toString('base64url'));
    const meta = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string }).value;
    this.epoch = meta('epoch');
    this.retainedAfter = Number(meta('retained_after'));
    const maxSeq = (db.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
    this.lastSeq = Math.max(maxSeq, this.retainedAfter);

    this.stmts = prepare(db);
    this.team = new SqliteTeamStore(db);
    this.agents = new AgentRegistry(db);
    this.checkpointer = startCheckpointer(file);
    this.appendTx = db.transaction((events: EventData[], at: number, key?: { scope: string; key: string }): StoredEvent[] => {
      const out: StoredEvent[] = [];
      for (const e of events) {
        const data = JSON.stringify(e);
        const seq = this.lastSeq + 1;
        this.stmts.insertEvent.run(seq, e.kind, e.conversation, data, at);
        this.lastSeq = seq;
        out.push({ seq, kind: e.kind, conversation: e.conversation, data, at });
        // The tables beside the log are projections of it, updated in the same transaction.
        if (e.kind === 'conversation.opened') this.stmts.setOpened.run(e.conversation);
        else if (e.kind === 'conversation.status') this.stmts.setStatus.run(e.status, e.conversation);
        else if (e.kind === 'visitor.identified') this.stmts.identifyVisitor.run(e.name ?? null, e.email ?? null, e.conversation);
        else if (e.kind === 'message' && key) this.stmts.putKey.run(key.scope, key.key, e.message.id, seq, at);
      }
      return out;
    });
  }

  findVisitor(token: string): Visitor | undefined {
    const r = this.stmts.visitorByHash.get(hashToken(token)) as VisitorRow | undefined;
    return r && toVisitor(r);
  }

  visitor(id: number): Visitor | undefined {
    const r = this.stmts.visitorById.get(id) as VisitorRow | undefined;
    return r && toVisitor(r);
  }

  /** A new visitor and its (not yet opened) conversation, in one transaction. */
  createVisitor(token: string, details: { name?: string; email?: string }, now: number): { visitor: Visitor; conversation: Conversation } {
    return this.db.transaction(() => {
      const id = Number(this.stmts.insertVisitor.run(hashToken(token), details.name ?? null, details.email ?? null, now).lastInsertRowid);
      const cid = Number(this.stmts.insertConversation.run(id, now).lastInsertRowid);
      return {
        visitor: { id, name: details.name ?? null, email: details.email ?? null, createdAt: now },
        conversation: { id: cid, visitorId: id, status: 'open' as const, opened: false, createdAt: now },
      };
    })();
  }

  /** Updates details without an event: only for conversations agents have not seen yet. */
  updateVisitor(id: number, name: string | null, email: string | null): void {
    this.stmts.updateVisitor.run(name, email, id);
  }

  conversation(id: number): Conversation | undefined {
    const r = this.stmts.conversation.get(id) as ConversationRow | undefined;
    return r && toConversation(r);
  }

  /** The visitor's current conversation (a visitor has one; the schema allows more later). */
  conversationOf(visitorId: number, now: number): Conversation {
    const r = this.stmts.latestConversation.get(visitorId) as ConversationRow | undefined;
    if (r) return toConversation(r);
    const id = Number(this.stmts.insertConversation.run(visitorId, now).lastInsertRowid);
    return { id, visitorId, status: 'open', opened: false, createdAt: now };
  }

  /**
   * Commits events in one transaction and returns them numbered. With `key`, the message event
   * among them is recorded under that idempotency key, atomically with the message itself.
   */
  append(events: EventData[], at: number, key?: { scope: string; key: string }): StoredEvent[] {
    const before = this.lastSeq;
    try {
      return this.appendTx(events, at, key);
    } catch (err) {
      this.lastSeq = before; // rolled back: the numbers were not used
      throw err;
    }
  }

  /**
   * Runs `fn` in one transaction (group commit: one WAL write for many appends). Appends inside
   * it become savepoints, so one failing append does not undo the others.
   */
  batch<T>(fn: () => T): T {
    const before = this.lastSeq;
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      this.lastSeq = before;
      throw err;
    }
  }

  /** The original result for a key seen within the last 24 h. */
  findKey(scope: string, key: string, now: number): IdempotentResult | undefined {
    const r = this.stmts.findKey.get(scope, key) as { message_id: string; seq: number; created_at: number } | undefined;
    if (!r || r.created_at < now - KEY_TTL_MS) return undefined;
    return { messageId: r.message_id, seq: r.seq };
  }

  purgeKeys(now: number): number {
    return this.stmts.purgeKeys.run(now - KEY_TTL_MS).changes + this.team.purgeAnswers(now);
  }

  /** Changes when another connection (`attend relay agent remove`) commits to relay.db; cheap to poll. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Events after `afterSeq`, oldest first. */
  eventsAfter(afterSeq: number, limit: number, filter: EventFilter): StoredEvent[] {
    return this.page(this.stmts.after, afterSeq, limit, filter);
  }

  /** Events before `beforeSeq` (all when omitted), newest first. */
  eventsBefore(beforeSeq: number | undefined, limit: number, filter: EventFilter): StoredEvent[] {
    return this.page(this.stmts.before, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit, filter);
  }

  /** Drops events up to `throughSeq`; clients behind it get `reset` instead of a replay. */
  pruneEvents(throughSeq: number): void {
    this.db.transaction(() => {
      this.stmts.pruneEvents.run(throughSeq);
      this.stmts.setRetained.run(String(throughSeq));
    })();
    this.retainedAfter = Math.max(this.retainedAfter, throughSeq);
  }

  /** Stops the checkpointer, then closes (the last connection checkpoints the WAL), then unlocks. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.checkpointer.stop();
    this.db.close();
    this.unlock();
  }

  private page(set: Statements['after'], bound: number, limit: number, filter: EventFilter): StoredEvent[] {
    const rows =
      filter.kind === 'all' ? set.all.all(bound, limit) : filter.kind === 'conversation' ? set.conversation.all(bound, filter.conversation, limit) : set.visitor.all(bound, filter.conversation, limit);
    return rows as StoredEvent[];
  }
}

export function openRelayStore(file: string = relayDbPath()): RelayStore {
  return new RelayStore(file);
}
