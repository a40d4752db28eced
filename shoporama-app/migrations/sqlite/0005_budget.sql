-- The REST budget ledger: one row per shop token, shared by every process of the app, so
-- that all of them together stay inside the token's daily limit (see `rest::Budget`).
--
-- `token_key` is a SHA-256 digest of the token (hex), never the token. `day` is the budget
-- day the counts belong to ('YYYY-MM-DD'; a reservation on a later day starts from zero).
-- `spent` counts calls sent and finished, `reserved` calls a process has taken and not yet
-- finished; together they never exceed `daily_limit`. `paced_until_micros` is the earliest
-- time the next paced call may go (pacing shared by every process). Timestamps are unix time
-- in microseconds, as in 0001.

CREATE TABLE shoporama_budget (
    token_key           TEXT    NOT NULL PRIMARY KEY,
    webshop_id          INTEGER NOT NULL CHECK (webshop_id >= 0),
    day                 TEXT    NOT NULL,
    daily_limit         INTEGER NOT NULL CHECK (daily_limit >= 0),
    spent               INTEGER NOT NULL CHECK (spent >= 0),
    reserved            INTEGER NOT NULL CHECK (reserved >= 0),
    paced_until_micros  INTEGER NOT NULL,
    updated_at_micros   INTEGER NOT NULL
) STRICT;

-- `<app> budget --webshop-id N`.
CREATE INDEX shoporama_budget_shop ON shoporama_budget (webshop_id);
