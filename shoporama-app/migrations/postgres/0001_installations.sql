-- Installations of the app and the tombstones uninstalls leave behind.
--
-- Timestamps are unix time in microseconds (BIGINT), the same in SQLite and PostgreSQL.
-- `fields` is the JSON object Shoporama sent, kept as TEXT: JSONB would reorder its keys.
-- `settings_errors` is a JSON array of strings.

CREATE TABLE shoporama_installations (
    webshop_id          BIGINT NOT NULL PRIMARY KEY CHECK (webshop_id >= 0),
    webshop_url         TEXT   NOT NULL,
    -- The shop's REST token for the app; deleted with the row on uninstall.
    app_token           TEXT   NOT NULL,
    daily_limit         BIGINT NOT NULL CHECK (daily_limit >= 0),
    current_usage       BIGINT NOT NULL CHECK (current_usage >= 0),
    installed_at_micros BIGINT NOT NULL,
    updated_at_micros   BIGINT NOT NULL,
    fields              TEXT   NOT NULL,
    settings_status     TEXT   NOT NULL CHECK (settings_status IN ('configured', 'unconfigured')),
    settings_errors     TEXT   NOT NULL DEFAULT '[]'
);

CREATE TABLE shoporama_tombstones (
    webshop_id            BIGINT NOT NULL PRIMARY KEY CHECK (webshop_id >= 0),
    uninstalled_at_micros BIGINT NOT NULL
);
