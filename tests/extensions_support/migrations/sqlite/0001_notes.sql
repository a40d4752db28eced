-- The notes test app's table (SQLite).
CREATE TABLE notes (
    note_id INTEGER PRIMARY KEY AUTOINCREMENT,
    webshop_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    body TEXT NOT NULL
);
