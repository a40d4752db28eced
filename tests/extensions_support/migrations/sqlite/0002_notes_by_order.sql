CREATE INDEX notes_by_order ON notes (webshop_id, order_id);
