-- The registry's first schema, SQLite dialect. migrations/postgres holds the
-- same tables with the same column names, so src/registry runs one set of
-- queries on both engines.

CREATE TABLE connections (
    -- AUTOINCREMENT: an id is never reused after a delete, so a script or a
    -- live client holding an old id can never reach a different connection.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Names are what users type (`dbdeck keys prod`), so two must not clash.
    name TEXT NOT NULL UNIQUE,
    -- Text, not a CHECK list: the code rejects kinds it does not know, and a
    -- new kind then needs no table rebuild (SQLite cannot alter a CHECK).
    kind TEXT NOT NULL,
    -- Never holds a password: it is split out and sealed into `secret`, so
    -- backups, query logs and `conn list` cannot leak it.
    url TEXT NOT NULL,
    -- 24-byte nonce, then XChaCha20-Poly1305 ciphertext and tag. NULL means
    -- no password, which servers treat differently from an empty one.
    secret BLOB,
    read_only BOOLEAN NOT NULL DEFAULT 0,
    -- JSON: per-kind settings (TLS, timeouts) differ by kind and will grow;
    -- nothing filters on them, so a column each would only add migrations.
    options TEXT NOT NULL DEFAULT '{}',
    -- Bumped by every edit; live clients remember the revision they were
    -- opened with. A counter, because two edits in one clock tick must differ.
    revision INTEGER NOT NULL DEFAULT 1,
    -- SQLite has no timestamp type; CURRENT_TIMESTAMP gives UTC text that
    -- sorts in time order.
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Tokens for the REST API. Nothing uses this table yet; it is created now so
-- that a registry shared by several versions has one history of migrations.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    -- Only a hash of the token: a copy of the registry cannot call the API.
    -- UNIQUE also gives the index every authenticated request looks up.
    token_hash BLOB NOT NULL UNIQUE,
    -- What the token allows, such as 'read' or 'write'.
    scope TEXT NOT NULL DEFAULT 'read',
    -- JSON array of connection ids the token may use; NULL means all. A list
    -- rather than a join table: it is read whole on every request, and ids
    -- are never reused, so a deleted connection's id matches nothing.
    connections TEXT,
    -- NULL means the token does not expire.
    expires_at TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at TEXT
);

-- What the UI remembers between runs (last connection, database, filter).
-- Key and value, not columns: what is remembered changes with the UI, and a
-- new key then needs no migration.
CREATE TABLE ui_memory (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    -- Lets stale entries be pruned later.
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
