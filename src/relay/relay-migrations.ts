// The relay's own schema (relay.db), separate from the console's store: the relay may run on
// another machine. Each entry runs once, in order, in a transaction; PRAGMA user_version records
// progress. Never edit a shipped migration: add a new one.
import type Database from 'better-sqlite3';

export const RELAY_MIGRATIONS: readonly string[] = [
  /* 1: visitors, conversations, the event log, idempotency keys, meta (epoch) */ `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE visitors (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,   -- sha256 of the visitor token: a leaked db does not leak sessions
    name TEXT,
    email TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    status TEXT NOT NULL DEFAULT 'open',
    opened INTEGER NOT NULL DEFAULT 0, -- 1 once conversation.opened was committed (agents know it)
    created_at INTEGER NOT NULL
  );
  CREATE INDEX conversations_visitor ON conversations(visitor_id, id);
  -- seq is assigned by the relay (the one writer: last + 1), not by AUTOINCREMENT, which costs a
  -- page write per insert; meta.retained_after keeps it from going back after a full prune.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    conversation INTEGER NOT NULL,
    data TEXT NOT NULL,                -- the event's "d" object as JSON, sent verbatim
    at INTEGER NOT NULL
  );
  CREATE INDEX events_conversation ON events(conversation, seq);
  CREATE TABLE idempotency (
    scope TEXT NOT NULL,               -- v:<visitor id> | a:<agent name>
    key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_created ON idempotency(created_at);
  `,
  /* 2: team mode — agents (token hashes), the team's numbered conversations, team.change answers */ `
  CREATE TABLE agents (
    name TEXT PRIMARY KEY COLLATE NOCASE, -- "sam" and "Sam" are one agent: names are said aloud
    token_hash TEXT NOT NULL UNIQUE,      -- sha256 of the agent's token, never the token
    created_at INTEGER NOT NULL
  );
  -- number: the team's one sequence ("#41" on every screen), never reused (rows are never deleted).
  CREATE TABLE team_conversations (
    number INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,             -- email:<mailbox>:<thread root> | chat:<relay conversation>
    state TEXT NOT NULL,                  -- TeamState as JSON
    seq INTEGER NOT NULL DEFAULT 0        -- the last team.change event that changed the state (0: none)
  );
  CREATE TABLE team_changes (
    agent TEXT NOT NULL,
    key TEXT NOT NULL,                    -- the change's idempotency key
    answer TEXT NOT NULL,                 -- {"t","d"} sent for it, sent again to a repeat
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agent, key)
  ) WITHOUT ROWID;
  CREATE INDEX team_changes_created ON team_changes(created_at);
  `,
];

/** Brings relay.db to the current schema (the relay at start; `attend relay agent …` too). */
export function migrateRelayDb(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > RELAY_MIGRATIONS.length) {
    throw new Error(`relay.db was written by a newer attend (schema ${current}, this one knows ${RELAY_MIGRATIONS.length})`);
  }
  for (let v = current; v < RELAY_MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process (the CLI beside a starting relay) may have done it meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) > v) return;
      db.exec(RELAY_MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
