// The relay's own schema (relay.db), separate from the console's store: the relay may run on
// another machine. Each entry runs once, in order, in a transaction; PRAGMA user_version records
// progress. Never edit a shipped migration: add a new one.

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
];
