-- The notes test app's table (PostgreSQL).
CREATE TABLE notes (
    note_id BIGSERIAL PRIMARY KEY,
    webshop_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    body TEXT NOT NULL
);
