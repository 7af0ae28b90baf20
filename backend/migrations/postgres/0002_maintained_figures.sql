-- Maintained figures (issue 9, item 8; SQLite 0008): no request's cost grows with the number of sales.
-- Stock levels and customer figures are written, as absolute values `shared` computed from what the
-- writing transaction loaded, in the same transaction as what moves them; the loads lock the rows
-- (`SELECT … FOR UPDATE`, or the customer's advisory lock) so two instances never lose an update.

CREATE TABLE stock_levels (
    product_id TEXT COLLATE "C" NOT NULL,
    outlet_id TEXT NOT NULL,
    qty BIGINT NOT NULL,
    PRIMARY KEY (outlet_id, product_id)
);
INSERT INTO stock_levels (product_id, outlet_id, qty)
    SELECT product_id, outlet_id, SUM(delta) FROM stock_movements GROUP BY product_id, outlet_id;

-- A customer's figures (shared::sync::CustomerFigures). No foreign key: a paid sale naming a customer
-- the server does not know is kept. Filled from history by the server when `meta` has no
-- `customer_figures_filled` key (loyalty is a shared rule over sale bodies, not SQL).
CREATE TABLE customer_figures (
    customer_id TEXT PRIMARY KEY,
    balance_cents BIGINT NOT NULL DEFAULT 0,
    loyalty_points BIGINT NOT NULL DEFAULT 0,
    loyalty_visits BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE conflicts ADD COLUMN outlet_id TEXT;
UPDATE conflicts SET outlet_id = (SELECT outlet_id FROM sales WHERE sales.id = conflicts.sale_id);
CREATE INDEX conflicts_by_outlet ON conflicts (outlet_id, id);
ALTER TABLE held_sales ADD COLUMN outlet_id TEXT;
UPDATE held_sales SET outlet_id = body::jsonb ->> 'outlet_id';
CREATE INDEX held_by_outlet ON held_sales (resolved, outlet_id, id);
CREATE INDEX held_by_device ON held_sales (resolved, pushed_by, id);

-- Sales history, newest first, by outlet or register (ids and registers sort byte-wise, as in SQLite).
CREATE INDEX sales_listed ON sales (received_at_ms DESC, register_id COLLATE "C", seq DESC, id COLLATE "C");
CREATE INDEX sales_listed_by_outlet ON sales (outlet_id, received_at_ms DESC, register_id COLLATE "C", seq DESC, id COLLATE "C");
CREATE INDEX sales_listed_by_register ON sales (register_id, received_at_ms DESC, seq DESC, id COLLATE "C");
CREATE INDEX sales_by_customer_latest ON sales (customer_id, created_at_ms DESC, seq DESC);
-- Customer summaries page by name (byte-wise, as in SQLite).
CREATE INDEX customers_by_name ON customers (name COLLATE "C", id COLLATE "C");
CREATE INDEX serials_listed ON serials (product_id COLLATE "C", serial COLLATE "C");
