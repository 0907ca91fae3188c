// Versioned schema. Each entry runs once, in order, inside a transaction; PRAGMA user_version records progress.
// Never edit a shipped migration: add a new one.

export const MIGRATIONS: readonly string[] = [
  /* 1: conversations, messages, customers, sync cursors, outbox, events */ `
  CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
  );
  CREATE TABLE customer_emails (
    email TEXT PRIMARY KEY,           -- lower-cased address
    customer_id INTEGER NOT NULL REFERENCES customers(id)
  );
  CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    account TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    customer_id INTEGER REFERENCES customers(id),
    status TEXT NOT NULL DEFAULT 'open',
    priority TEXT NOT NULL DEFAULT 'normal',
    assignee TEXT,
    snoozed_until INTEGER,
    waiting_since INTEGER,             -- first customer message not yet answered
    first_response_at INTEGER,
    first_message_at INTEGER,
    last_message_at INTEGER,
    last_out_at INTEGER,
    message_count INTEGER NOT NULL DEFAULT 0,
    preview TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX conversations_queue ON conversations(status, waiting_since, last_message_at);
  CREATE INDEX conversations_recent ON conversations(last_message_at);
  CREATE INDEX conversations_waiting ON conversations(waiting_since);
  CREATE INDEX conversations_customer ON conversations(customer_id, account);
  CREATE INDEX conversations_snoozed ON conversations(snoozed_until) WHERE status = 'snoozed';
  CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
  ) WITHOUT ROWID;
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    account TEXT NOT NULL,
    external_id TEXT NOT NULL,         -- Message-ID (email) or chat message id
    direction TEXT NOT NULL,           -- in | out | note
    from_name TEXT NOT NULL DEFAULT '',
    from_addr TEXT NOT NULL DEFAULT '',
    to_json TEXT NOT NULL DEFAULT '[]',
    subject TEXT NOT NULL DEFAULT '',
    sent_at INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    attachments_json TEXT NOT NULL DEFAULT '[]',
    delivery_state TEXT,               -- outgoing only: queued | sending | sent | failed
    mailbox TEXT,
    uid INTEGER,
    flags TEXT NOT NULL DEFAULT '',
    fingerprint TEXT,                  -- tells apart distinct messages that share a Message-ID
    created_at INTEGER NOT NULL,
    UNIQUE (account, external_id)
  );
  CREATE INDEX messages_conversation ON messages(conversation_id, sent_at);
  -- Every Message-ID seen (own or referenced) points at its conversation: threading in O(refs).
  CREATE TABLE thread_refs (
    account TEXT NOT NULL,
    message_id TEXT NOT NULL,
    conversation_id INTEGER NOT NULL,
    PRIMARY KEY (account, message_id)
  ) WITHOUT ROWID;
  CREATE TABLE sync_state (
    account TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    high_uid INTEGER NOT NULL,         -- every UID in [low_uid, high_uid] is stored
    low_uid INTEGER NOT NULL,          -- 1 when the backfill is complete
    highest_modseq TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, mailbox)
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    message_row_id INTEGER NOT NULL REFERENCES messages(id),
    account TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,   -- fixed when queued: the key that prevents a second send
    payload_json TEXT NOT NULL,        -- everything needed to build the same message again
    state TEXT NOT NULL DEFAULT 'queued', -- queued | sending | accepted | sent | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX outbox_pending ON outbox(state) WHERE state <> 'sent';
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    conversation_id INTEGER,
    at INTEGER NOT NULL,
    data_json TEXT NOT NULL DEFAULT '{}'
  );
  `,
  /* 2: the chat channel */ `
  ALTER TABLE conversations ADD COLUMN external_ref TEXT;  -- the relay's conversation id, for chat
  CREATE UNIQUE INDEX conversations_external ON conversations(account, external_ref) WHERE external_ref IS NOT NULL;
  CREATE TABLE customer_visitors (
    account TEXT NOT NULL,
    visitor_ref TEXT NOT NULL,         -- the relay conversation the visitor writes in
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (account, visitor_ref)
  ) WITHOUT ROWID;
  CREATE TABLE chat_cursors (
    account TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'email'; -- email | chat
  `,
  /* 3: flag changes find their message by UID without scanning the mailbox */ `
  CREATE INDEX messages_uid ON messages(account, mailbox, uid) WHERE uid IS NOT NULL;
  `,
  /* 4: the queue's rank, computed by the policy and cached per conversation (see store/ranks.ts) */ `
  ALTER TABLE conversations ADD COLUMN priority_set TEXT;            -- set by an agent; NULL: from the rules
  ALTER TABLE conversations ADD COLUMN due_at INTEGER;               -- when the waiting message breaches its target
  ALTER TABLE conversations ADD COLUMN queue_key INTEGER NOT NULL DEFAULT 9007199254740991; -- due_at; nobody waiting: after every due time, most recent first
  ALTER TABLE conversations ADD COLUMN priority_rank INTEGER NOT NULL DEFAULT 2;            -- 0 urgent … 3 low
  ALTER TABLE conversations ADD COLUMN vip INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE conversations ADD COLUMN rank_reasons TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE conversations ADD COLUMN rank_dirty INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX conversations_rank_dirty ON conversations(id) WHERE rank_dirty = 1;
  CREATE INDEX conversations_order ON conversations(status, queue_key, priority_rank, waiting_since, id);
  CREATE INDEX conversations_order_any ON conversations(queue_key, priority_rank, waiting_since, id);
  -- Whatever changes a rank's inputs marks it stale, whichever code path (or process) wrote it.
  CREATE TRIGGER conversations_rank_stale
    AFTER UPDATE OF channel, subject, customer_id, status, priority_set, waiting_since, first_response_at, last_message_at ON conversations
    WHEN NEW.rank_dirty = 0
    BEGIN UPDATE conversations SET rank_dirty = 1 WHERE id = NEW.id; END;
  CREATE TRIGGER customer_emails_rank_stale AFTER INSERT ON customer_emails
    BEGIN UPDATE conversations SET rank_dirty = 1 WHERE customer_id = NEW.customer_id AND rank_dirty = 0; END;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- A customer's addresses by customer: ranking and listing read them per conversation.
  CREATE INDEX customer_emails_customer ON customer_emails(customer_id);
  -- How many conversations per status and channel, kept by triggers: the console's queue header
  -- and its G need the count, and COUNT(*) over 100,000 rows costs ~40 ms at every change.
  CREATE TABLE conversation_counts (status TEXT NOT NULL, channel TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (status, channel)) WITHOUT ROWID;
  INSERT INTO conversation_counts (status, channel, n) SELECT status, channel, COUNT(*) FROM conversations GROUP BY status, channel;
  CREATE TRIGGER conversation_counts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_counts (status, channel, n) VALUES (NEW.status, NEW.channel, 1)
      ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER conversation_counts_update AFTER UPDATE OF status, channel ON conversations
    WHEN OLD.status IS NOT NEW.status OR OLD.channel IS NOT NEW.channel BEGIN
    UPDATE conversation_counts SET n = n - 1 WHERE status = OLD.status AND channel = OLD.channel;
    INSERT INTO conversation_counts (status, channel, n) VALUES (NEW.status, NEW.channel, 1)
      ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER conversation_counts_delete AFTER DELETE ON conversations BEGIN
    UPDATE conversation_counts SET n = n - 1 WHERE status = OLD.status AND channel = OLD.channel;
  END;
  -- A reply being typed survives Ctrl-C, a dropped SSH session and a restart.
  CREATE TABLE drafts (conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id), body TEXT NOT NULL, updated_at INTEGER NOT NULL);
  `,
  /* 5: indexes of the interim queue order that nothing reads since 4 (every write paid for them) */ `
  DROP INDEX conversations_queue;
  DROP INDEX conversations_recent;
  DROP INDEX conversations_waiting;
  `,
  /* 6: a first sync stores the newest messages from their headers at once and their text right after */ `
  ALTER TABLE messages ADD COLUMN body_pending INTEGER NOT NULL DEFAULT 0; -- 1: stored from headers, text still to come
  `,
  /* 7: the queue order with backlog (policy/queue.ts): a conversation breached past its grace sorts by the clock */ `
  ALTER TABLE conversations ADD COLUMN backlog_at INTEGER;                      -- when a waiting conversation turns into backlog
  ALTER TABLE conversations ADD COLUMN backlog_lead INTEGER NOT NULL DEFAULT 0; -- ms: its backlog sorts after what is due within this
  ALTER TABLE conversations ADD COLUMN backlog_slot INTEGER NOT NULL DEFAULT 0; -- 0: not backlog; else backlog_lead + 1 (set by the clock)
  DROP INDEX conversations_order;
  DROP INDEX conversations_order_any;
  CREATE INDEX conversations_order ON conversations(status, backlog_slot, queue_key, priority_rank, waiting_since, id);
  CREATE INDEX conversations_order_any ON conversations(backlog_slot, queue_key, priority_rank, waiting_since, id);
  -- Conversations the clock will turn into backlog: found without a scan.
  CREATE INDEX conversations_backlog_due ON conversations(backlog_at) WHERE backlog_slot = 0 AND backlog_at IS NOT NULL;
  UPDATE conversations SET rank_dirty = 1;
  `,
  /* 8: who a chat visitor says they are, and where they wrote from */ `
  -- An address a chat visitor typed: unverified, so never in customer_emails (which would merge
  -- them with that address's email history); shown as "claims to be".
  ALTER TABLE customers ADD COLUMN claimed_email TEXT;
  ALTER TABLE conversations ADD COLUMN page TEXT;          -- chat: the path of the page the visitor wrote from
  `,
  /* 9: an email outbox item is claimed across processes: only the holder of a live lease sends it */ `
  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;                        -- host:pid:nonce of the process working on it; null: nobody
  ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0; -- ms: the claim lapses then (a hung or dead claimer loses it)
  `,
  /* 10: team mode — one number across the team, the hub's state mirrored, changes waiting for the hub */ `
  -- The number people use ("#41"): the local id when working alone; in a team, the hub's number
  -- (NULL until the hub numbered it: shown as ~<id>). meta 'team.agent' is set while in a team.
  ALTER TABLE conversations ADD COLUMN number INTEGER;
  ALTER TABLE conversations ADD COLUMN team_key TEXT;      -- email:<mailbox>:<thread root> | chat:<relay id> (domain/team.ts)
  ALTER TABLE conversations ADD COLUMN thread_root TEXT;   -- email: References[0] ?? In-Reply-To ?? Message-ID of the first message stored
  UPDATE conversations SET number = id;
  CREATE UNIQUE INDEX conversations_number ON conversations(number) WHERE number IS NOT NULL;
  CREATE UNIQUE INDEX conversations_team_key ON conversations(team_key) WHERE team_key IS NOT NULL;
  CREATE TRIGGER conversations_number_solo AFTER INSERT ON conversations
    WHEN NEW.number IS NULL AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'team.agent')
    BEGIN UPDATE conversations SET number = NEW.id WHERE id = NEW.id; END;
  -- The hub's team state, as its events told it (the newest seq per conversation wins).
  CREATE TABLE team_state (
    number INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    state_json TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  -- Changes made here that the hub has not confirmed yet, replayed in order with the same key.
  CREATE TABLE team_outbox (
    id INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,    -- the idempotency key
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    frame_json TEXT NOT NULL,          -- the team.change "d"
    created_at INTEGER NOT NULL
  );
  `,
  /* 11: the queue by assignee (list --assignee, the console's mine / unassigned views), read from indexes as the whole queue is */ `
  CREATE INDEX conversations_order_assignee ON conversations(assignee, status, backlog_slot, queue_key, priority_rank, waiting_since, id);
  CREATE INDEX conversations_order_assignee_any ON conversations(assignee, backlog_slot, queue_key, priority_rank, waiting_since, id);
  `,
];
