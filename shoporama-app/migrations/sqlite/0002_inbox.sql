-- The durable inbox: verified event and webhook callbacks, recorded before they are
-- acknowledged and processed by workers (see the `inbox` module).
--
-- `id` is the arrival order. `state` is 'pending' (waiting for `run_at_micros`), 'running'
-- (claimed by `lease_owner` until `lease_until_micros`; an expired lease is taken over;
-- done and dead jobs keep the owner that finished them),
-- 'done' or 'dead' (out of attempts; `last_error` says why). Timestamps are unix time in
-- microseconds, as in 0001.

CREATE TABLE shoporama_inbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT    NOT NULL,
    webshop_id          INTEGER NOT NULL CHECK (webshop_id >= 0),
    body                TEXT    NOT NULL,
    body_hash           TEXT    NOT NULL,
    received_at_micros  INTEGER NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    run_at_micros       INTEGER NOT NULL,
    lease_owner         TEXT,
    lease_until_micros  INTEGER,
    last_error          TEXT,
    finished_at_micros  INTEGER
) STRICT;

-- The jobs still to run, in arrival order: what workers scan.
CREATE INDEX shoporama_inbox_active ON shoporama_inbox (id)
    WHERE state IN ('pending', 'running');
-- One shop's unfinished jobs, for per-shop ordering.
CREATE INDEX shoporama_inbox_active_shop ON shoporama_inbox (webshop_id, id)
    WHERE state IN ('pending', 'running');
-- Finished jobs by age, for purging.
CREATE INDEX shoporama_inbox_finished ON shoporama_inbox (state, finished_at_micros);

-- The duplicate guard: one row per (type, webshop id, body hash) accepted within the window.
CREATE TABLE shoporama_inbox_seen (
    kind            TEXT    NOT NULL,
    webshop_id      INTEGER NOT NULL,
    body_hash       TEXT    NOT NULL,
    seen_at_micros  INTEGER NOT NULL,
    PRIMARY KEY (kind, webshop_id, body_hash)
) STRICT;

CREATE INDEX shoporama_inbox_seen_age ON shoporama_inbox_seen (seen_at_micros);
