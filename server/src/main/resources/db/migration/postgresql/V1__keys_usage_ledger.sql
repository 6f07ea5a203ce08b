-- Money columns are integer counts of 10^-10 currency units (io.qwen4j.store.Money); times are epoch milliseconds.

CREATE TABLE api_keys (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the secret; the secret itself is never stored
    prefix      TEXT    NOT NULL,         -- the secret's first characters, to recognise a key in lists
    currency    TEXT    NOT NULL,
    balance     BIGINT  NOT NULL,         -- credits minus charges: always the sum of this key's ledger entries
    reserved    BIGINT  NOT NULL DEFAULT 0, -- the sum of the holds of this key's requests in flight
    models      TEXT,                     -- comma-separated allow-list; NULL: every model
    rpm         BIGINT,
    tpm         BIGINT,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    created_at  BIGINT  NOT NULL
);

-- One row per request that reached the gateway's reservation: 'open' while in flight (holding credit), then
-- closed once with its final status, tokens and cost.
CREATE TABLE usage_records (
    id                BIGSERIAL PRIMARY KEY,
    request_id        TEXT    NOT NULL UNIQUE,
    key_id            BIGINT  REFERENCES api_keys (id),  -- NULL: anonymous (server without auth)
    model             TEXT    NOT NULL,
    node_id           TEXT    NOT NULL,
    status            TEXT    NOT NULL,  -- open | ok | error | aborted | interrupted
    hold              BIGINT  NOT NULL,  -- credit reserved for the worst case while open
    price_input       BIGINT  NOT NULL,  -- prices per 1,000 tokens when the request started
    price_cached      BIGINT  NOT NULL,
    price_output      BIGINT  NOT NULL,
    prompt_tokens     BIGINT  NOT NULL,
    cached_tokens     BIGINT  NOT NULL DEFAULT 0,
    completion_tokens BIGINT  NOT NULL DEFAULT 0,
    cost              BIGINT  NOT NULL DEFAULT 0,
    started_at        BIGINT  NOT NULL,
    finished_at       BIGINT,
    latency_ms        BIGINT,
    error             TEXT
);
CREATE INDEX usage_records_key_time ON usage_records (key_id, started_at);
CREATE INDEX usage_records_open ON usage_records (status, node_id);

-- Every movement of a balance: credits (create, top-up) are positive, charges (one per billed request) negative.
CREATE TABLE ledger_entries (
    id         BIGSERIAL PRIMARY KEY,
    key_id     BIGINT  NOT NULL REFERENCES api_keys (id),
    kind       TEXT    NOT NULL,  -- credit | charge
    amount     BIGINT  NOT NULL,
    usage_id   BIGINT  UNIQUE REFERENCES usage_records (id),
    note       TEXT,
    created_at BIGINT  NOT NULL
);
CREATE INDEX ledger_entries_key ON ledger_entries (key_id);

-- Server processes sharing the store, so that start-up can tell the requests of a dead process from live ones.
CREATE TABLE nodes (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          BIGINT  NOT NULL,
    started_at   BIGINT  NOT NULL,
    heartbeat_at BIGINT  NOT NULL
);
