-- Sales history (issue 12, item 3): every filter seeks by an index ordered like the list, newest made
-- first — (created_at_ms DESC, id DESC) —, so a filtered page costs the same however long the history.
-- The cashier is in the sale's body; a virtual generated column gives it an index without a second copy
-- that the push would have to keep.
ALTER TABLE sales ADD COLUMN cashier_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.cashier_id')) VIRTUAL;
CREATE INDEX sales_history ON sales (created_at_ms DESC, id DESC);
CREATE INDEX sales_history_by_outlet ON sales (outlet_id, created_at_ms DESC, id DESC);
CREATE INDEX sales_history_by_register ON sales (register_id, created_at_ms DESC, id DESC);
CREATE INDEX sales_history_by_cashier ON sales (cashier_id, created_at_ms DESC, id DESC);
CREATE INDEX sales_history_by_customer ON sales (customer_id, created_at_ms DESC, id DESC);
-- "Is this sale a return?" (the status filter) without scanning the returns index.
CREATE INDEX sale_returns_by_return ON sale_returns (return_sale_id);

-- The inbox (issue 12, item 4): each manager's resolution of a held sale, held operation, held online
-- order, conflict or stock level below zero (shared::inbox). Never deleted. `id` is the client's
-- resolution id: the same id twice is one resolution. At most one resolution closes an item.
CREATE TABLE inbox_resolutions (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,              -- shared::inbox::ItemId as text
    kind TEXT NOT NULL,                 -- shared::inbox::ItemKind
    outlet_id TEXT,                     -- where the item is (scope of managers and of the change log)
    action TEXT NOT NULL,               -- shared::inbox::Action
    note TEXT NOT NULL,
    counted INTEGER,
    closes INTEGER NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    item TEXT NOT NULL,                 -- the item as it stood when resolved (shared::inbox::InboxItem, JSON)
    outcome TEXT NOT NULL               -- what it did (JSON)
);
-- A stock level is a state that may go below zero again: each time is corrected anew.
CREATE UNIQUE INDEX inbox_resolutions_closing ON inbox_resolutions (item_id) WHERE closes = 1 AND kind <> 'stock_below_zero';
CREATE INDEX inbox_resolutions_by_item ON inbox_resolutions (item_id, at_ms);
-- Devices learn of each resolution at their outlet through the change log (`inbox_resolution`).
CREATE TRIGGER inbox_resolutions_logged AFTER INSERT ON inbox_resolutions BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('inbox_resolution', NEW.id, '', COALESCE(NEW.outlet_id, ''), (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE INDEX inbox_resolutions_resolved ON inbox_resolutions (closes, at_ms, item_id);
-- Levels below zero, for the inbox.
CREATE INDEX stock_levels_below_zero ON stock_levels (outlet_id, product_id) WHERE qty < 0;
