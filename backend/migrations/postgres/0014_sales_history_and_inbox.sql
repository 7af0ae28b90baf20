-- SQLite 0020: sales history's indexes, newest made first, and the inbox's resolutions.
ALTER TABLE sales ADD COLUMN cashier_id TEXT GENERATED ALWAYS AS ((body::jsonb ->> 'cashier_id')) STORED;
CREATE INDEX sales_history ON sales (created_at_ms DESC, id COLLATE "C" DESC);
CREATE INDEX sales_history_by_outlet ON sales (outlet_id, created_at_ms DESC, id COLLATE "C" DESC);
CREATE INDEX sales_history_by_register ON sales (register_id, created_at_ms DESC, id COLLATE "C" DESC);
CREATE INDEX sales_history_by_cashier ON sales (cashier_id, created_at_ms DESC, id COLLATE "C" DESC);
CREATE INDEX sales_history_by_customer ON sales (customer_id, created_at_ms DESC, id COLLATE "C" DESC);
CREATE INDEX sale_returns_by_return ON sale_returns (return_sale_id);

CREATE TABLE inbox_resolutions (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    outlet_id TEXT,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    counted BIGINT,
    closes BOOLEAN NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    item TEXT NOT NULL,
    outcome TEXT NOT NULL
);
-- A stock level is a state that may go below zero again: each time is corrected anew.
CREATE UNIQUE INDEX inbox_resolutions_closing ON inbox_resolutions (item_id) WHERE closes AND kind <> 'stock_below_zero';
CREATE INDEX inbox_resolutions_by_item ON inbox_resolutions (item_id, at_ms);
CREATE FUNCTION inbox_resolutions_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('inbox_resolution', NEW.id, '', COALESCE(NEW.outlet_id, ''), FALSE); RETURN NEW;
END $$;
CREATE TRIGGER inbox_resolutions_logged AFTER INSERT ON inbox_resolutions FOR EACH ROW EXECUTE FUNCTION inbox_resolutions_logged();
CREATE INDEX inbox_resolutions_resolved ON inbox_resolutions (closes, at_ms, item_id COLLATE "C");
CREATE INDEX stock_levels_below_zero ON stock_levels (outlet_id, product_id) WHERE qty < 0;
