-- Keyed effects: side effects that run once per (webshop, name, key), such as creating an
-- invoice for a paid order (see the `effects` module).
--
-- `state` is 'running' (claimed by `owner` until `lease_until_micros`; an expired lease is
-- taken over), 'done' (`result` holds the effect's JSON result) or 'failed' (`last_error`
-- says why; the next call runs it again when `retryable` is true, an operator's
-- `effects retry` sets it). `fence` grows by one on every claim: a write names the fence it
-- claimed with, so an attempt whose claim was taken over cannot record anything. `attempts`
-- counts claims. Timestamps are unix time in microseconds, as in 0001.

CREATE TABLE shoporama_effects (
    webshop_id          BIGINT  NOT NULL CHECK (webshop_id >= 0),
    name                TEXT    NOT NULL,
    key                 TEXT    NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    fence               BIGINT  NOT NULL CHECK (fence >= 1),
    owner               TEXT,
    lease_until_micros  BIGINT,
    attempts            BIGINT  NOT NULL CHECK (attempts >= 0),
    result              TEXT,
    last_error          TEXT,
    retryable           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_micros   BIGINT  NOT NULL,
    updated_at_micros   BIGINT  NOT NULL,
    finished_at_micros  BIGINT,
    PRIMARY KEY (webshop_id, name, key)
);

-- Listing by state (`effects list --state failed`), most recently changed first.
CREATE INDEX shoporama_effects_state ON shoporama_effects (state, updated_at_micros);
