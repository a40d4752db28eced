-- Installations of the app and the tombstones uninstalls leave behind.
--
-- Numbers are signed 64-bit (SQLite's INTEGER), timestamps are unix time in microseconds,
-- `fields` is the JSON object Shoporama sent (kept as text so key order survives) and
-- `settings_errors` a JSON array of strings. STRICT makes SQLite enforce the column types.

CREATE TABLE shoporama_installations (
    -- INTEGER PRIMARY KEY is SQLite's 64-bit (BIGINT) key.
    webshop_id          INTEGER NOT NULL PRIMARY KEY CHECK (webshop_id >= 0),
    webshop_url         TEXT    NOT NULL,
    -- The shop's REST token for the app; deleted with the row on uninstall.
    app_token           TEXT    NOT NULL,
    daily_limit         INTEGER NOT NULL CHECK (daily_limit >= 0),
    current_usage       INTEGER NOT NULL CHECK (current_usage >= 0),
    installed_at_micros INTEGER NOT NULL,
    updated_at_micros   INTEGER NOT NULL,
    fields              TEXT    NOT NULL,
    settings_status     TEXT    NOT NULL CHECK (settings_status IN ('configured', 'unconfigured')),
    settings_errors     TEXT    NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE shoporama_tombstones (
    webshop_id            INTEGER NOT NULL PRIMARY KEY CHECK (webshop_id >= 0),
    uninstalled_at_micros INTEGER NOT NULL
) STRICT;
