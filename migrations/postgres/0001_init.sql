-- The registry's first schema, PostgreSQL dialect. migrations/sqlite holds
-- the same tables with the same column names, so src/registry runs one set
-- of queries on both engines. Several REST instances may share this
-- database; the migrator's advisory lock keeps them from migrating at once.

CREATE TABLE connections (
    -- An identity never hands out an id twice, so a script or a live client
    -- holding an old id can never reach a different connection.
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Names are what users type (`dbdeck keys prod`), so two must not clash.
    name TEXT NOT NULL UNIQUE,
    -- Text, not an enum type or CHECK list: the code rejects kinds it does
    -- not know, and a new kind then needs no migration.
    kind TEXT NOT NULL,
    -- Never holds a password: it is split out and sealed into `secret`, so
    -- backups, query logs and `conn list` cannot leak it.
    url TEXT NOT NULL,
    -- 24-byte nonce, then XChaCha20-Poly1305 ciphertext and tag. NULL means
    -- no password, which servers treat differently from an empty one.
    secret BYTEA,
    read_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON text, not JSONB: per-kind settings (TLS, timeouts) differ by kind
    -- and will grow, nothing filters on them, and TEXT reads back the same
    -- way as on SQLite.
    options TEXT NOT NULL DEFAULT '{}',
    -- Bumped by every edit; live clients remember the revision they were
    -- opened with. A counter, because two edits in one clock tick must differ.
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Tokens for the REST API. Nothing uses this table yet; it is created now so
-- that a registry shared by several versions has one history of migrations.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- Only a hash of the token: a copy of the registry cannot call the API.
    -- UNIQUE also gives the index every authenticated request looks up.
    token_hash BYTEA NOT NULL UNIQUE,
    -- What the token allows, such as 'read' or 'write'.
    scope TEXT NOT NULL DEFAULT 'read',
    -- JSON array of connection ids the token may use; NULL means all. A list
    -- rather than a join table: it is read whole on every request, and ids
    -- are never reused, so a deleted connection's id matches nothing.
    connections TEXT,
    -- NULL means the token does not expire.
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at TIMESTAMPTZ
);

-- What the UI remembers between runs (last connection, database, filter).
-- Key and value, not columns: what is remembered changes with the UI, and a
-- new key then needs no migration.
CREATE TABLE ui_memory (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    -- Lets stale entries be pruned later.
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
