-- Money columns are integer counts of 10^-10 currency units (io.qwen4j.store.Money); times are epoch milliseconds.

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the secret; the secret itself is never stored
    prefix      TEXT    NOT NULL,         -- the secret's first characters, to recognise a key in lists
    currency    TEXT    NOT NULL,
    balance     INTEGER NOT NULL,         -- credits minus charges: always the sum of this key's ledger entries
    reserved    INTEGER NOT NULL DEFAULT 0, -- the sum of the holds of this key's requests in flight
    models      TEXT,                     -- comma-separated allow-list; NULL: every model
    rpm         INTEGER,
    tpm         INTEGER,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_at  INTEGER NOT NULL
);

-- One row per request that reached the gateway's reservation: 'open' while in flight (holding credit), then
-- closed once with its final status, tokens and cost.
CREATE TABLE usage_records (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id        TEXT    NOT NULL UNIQUE,
    key_id            INTEGER REFERENCES api_keys (id),  -- NULL: anonymous (server without auth)
    model             TEXT    NOT NULL,
    node_id           TEXT    NOT NULL,
    status            TEXT    NOT NULL,  -- open | ok | error | aborted | interrupted
    hold              INTEGER NOT NULL,  -- credit reserved for the worst case while open
    price_input       INTEGER NOT NULL,  -- prices per 1,000 tokens when the request started
    price_cached      INTEGER NOT NULL,
    price_output      INTEGER NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost              INTEGER NOT NULL DEFAULT 0,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    latency_ms        INTEGER,
    error             TEXT
);
CREATE INDEX usage_records_key_time ON usage_records (key_id, started_at);
CREATE INDEX usage_records_open ON usage_records (status, node_id);

-- Every movement of a balance: credits (create, top-up) are positive, charges (one per billed request) negative.
CREATE TABLE ledger_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id     INTEGER NOT NULL REFERENCES api_keys (id),
    kind       TEXT    NOT NULL,  -- credit | charge
    amount     INTEGER NOT NULL,
    usage_id   INTEGER UNIQUE REFERENCES usage_records (id),
    note       TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX ledger_entries_key ON ledger_entries (key_id);

-- Server processes sharing the store, so that start-up can tell the requests of a dead process from live ones.
CREATE TABLE nodes (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);
