// The team's agents (relay.db): a name and the sha256 of its token, nothing else. The relay's own
// token file (relay-token) is the owner's and is not in here. `attend relay agent add|list|remove`
// write this table directly, also while the relay runs (WAL + busy_timeout): the running relay
// notices through PRAGMA data_version (agent-watch.ts).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { privateFile } from '../config/paths.js';
import { migrateRelayDb } from './relay-migrations.js';
import { hashToken } from './secrets.js';

/** The relay token's holder: always an agent, never in the table. */
export const OWNER = 'owner';

/** Words that mean something else where agent names are typed (`assign ID me`, `--assignee none|any`). */
const RESERVED = new Set([OWNER, 'me', 'none', 'any']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** The same hash as visitor tokens' (a leaked relay.db leaks no token). */
export const tokenHash = hashToken;

export interface AgentRecord {
  name: string;
  createdAt: number;
}

/** The message for a name that cannot be an agent's, or null when it can. */
export function agentNameProblem(name: string): string | null {
  if (!NAME.test(name)) return `"${name.slice(0, 40)}" is not an agent name: one word of at most 32 letters, digits, ".", "_" or "-"`;
  if (RESERVED.has(name.toLowerCase())) return `"${name}" is reserved (owner, me, none and any mean something else); pick another name`;
  return null;
}

export class AgentRegistry {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      byHash: db.prepare('SELECT name FROM agents WHERE token_hash = ?'),
      all: db.prepare('SELECT name, token_hash, created_at FROM agents ORDER BY name COLLATE NOCASE'),
      insert: db.prepare('INSERT INTO agents (name, token_hash, created_at) VALUES (?, ?, ?)'),
      remove: db.prepare('DELETE FROM agents WHERE name = ?'),
      team: db.prepare(`SELECT 1 FROM meta WHERE key = 'team'`),
      setTeam: db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('team', '1')`),
    };
  }

  /** The agent a token belongs to (an added one; the owner's token is checked by the caller). */
  nameOf(tokenHash: string): string | undefined {
    return (this.stmts.byHash.get(tokenHash) as { name: string } | undefined)?.name;
  }

  /** Every added agent with its token hash: what a running relay compares its sessions against. */
  hashes(): Map<string, string> {
    const rows = this.stmts.all.all() as Array<{ name: string; token_hash: string }>;
    return new Map(rows.map((r) => [r.name, r.token_hash]));
  }

  list(): AgentRecord[] {
    return (this.stmts.all.all() as Array<{ name: string; created_at: number }>).map((r) => ({ name: r.name, createdAt: r.created_at }));
  }

  /**
   * Whether the relay is a team hub: an agent was added once. It stays one when every agent is
   * removed again, since its team state is then the truth the owner's stores follow.
   */
  isTeam(): boolean {
    return this.stmts.team.get() !== undefined;
  }

  /** Adds an agent and returns its token (shown once, stored hashed); throws 'exists' if taken. */
  add(name: string, now: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db.transaction(() => {
      try {
        this.stmts.insert.run(name, tokenHash(token), now);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw Object.assign(new Error(`agent ${name} exists`), { code: 'exists' });
        throw err;
      }
      this.stmts.setTeam.run();
    }).immediate();
    return token;
  }

  /** Removes an agent (any case of its name); false when there is none. */
  remove(name: string): boolean {
    return this.stmts.remove.run(name).changes > 0;
  }
}

/**
 * relay.db opened for the agent commands, beside a running relay or none: WAL (the relay's mode)
 * and a busy timeout, so a write waits for the relay's commit instead of failing.
 */
export function openAgentRegistry(file: string): { registry: AgentRegistry; close(): void } {
  privateFile(file);
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    migrateRelayDb(db);
    return { registry: new AgentRegistry(db), close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
