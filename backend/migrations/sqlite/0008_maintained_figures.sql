-- Maintained figures (issue 9, item 8): no request's cost grows with the number of sales. Stock levels
-- and customer figures are written in the same transaction as what moves them; lists page by keys
-- that have an index.

-- A stock level per product and outlet, kept equal to the sum of its movements.
CREATE TABLE stock_levels (
    product_id TEXT NOT NULL,
    outlet_id TEXT NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (outlet_id, product_id)
);
INSERT INTO stock_levels (product_id, outlet_id, qty)
    SELECT product_id, outlet_id, SUM(delta) FROM stock_movements GROUP BY product_id, outlet_id;

-- A customer's figures (shared::sync::CustomerFigures): the balance (the sum of their account entries)
-- and loyalty (the sum of their sales' changes). No foreign key: a paid sale naming a customer the
-- server does not know is kept. Filled from history by the server when `meta` has no
-- `customer_figures_filled` key (loyalty is a shared rule over sale bodies, not SQL).
CREATE TABLE customer_figures (
    customer_id TEXT PRIMARY KEY,
    balance_cents INTEGER NOT NULL DEFAULT 0,
    loyalty_points INTEGER NOT NULL DEFAULT 0,
    loyalty_visits INTEGER NOT NULL DEFAULT 0
);

-- Where a conflict's and a held sale's sale was made, so lists filter and page by index.
ALTER TABLE conflicts ADD COLUMN outlet_id TEXT;
UPDATE conflicts SET outlet_id = (SELECT outlet_id FROM sales WHERE sales.id = conflicts.sale_id);
CREATE INDEX conflicts_by_outlet ON conflicts (outlet_id, id);
ALTER TABLE held_sales ADD COLUMN outlet_id TEXT;
UPDATE held_sales SET outlet_id = json_extract(body, '$.outlet_id');
CREATE INDEX held_by_outlet ON held_sales (resolved, outlet_id, id);
CREATE INDEX held_by_device ON held_sales (resolved, pushed_by, id);

-- Sales history, newest first, by outlet or register; Z reports by outlet and period.
CREATE INDEX sales_listed ON sales (received_at_ms DESC, register_id, seq DESC, id);
CREATE INDEX sales_listed_by_outlet ON sales (outlet_id, received_at_ms DESC, register_id, seq DESC, id);
CREATE INDEX sales_listed_by_register ON sales (register_id, received_at_ms DESC, seq DESC, id);
CREATE INDEX sales_by_outlet ON sales (outlet_id, created_at_ms);
CREATE INDEX account_payments_by_register ON account_payments (register_id, created_at_ms);
CREATE INDEX account_payments_by_outlet ON account_payments (outlet_id, created_at_ms);
-- Customer summaries page by name.
CREATE INDEX customers_by_name ON customers (name, id);
