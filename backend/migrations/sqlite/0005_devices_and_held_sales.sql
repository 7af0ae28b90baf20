-- no-transaction
-- Devices, per-device keys, held sales and the catalog's price history. `sales` is rebuilt (SQLite
-- cannot drop a UNIQUE constraint) with foreign keys off, in one transaction: SQLite's documented
-- twelve-step table change.
PRAGMA foreign_keys = OFF;
BEGIN;

-- A device is one browser profile that sells. Its id is made on the device; its number, given here
-- when it first connects, is printed in its receipt numbers. Enrolment and revocation come with staff.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
);

-- (device_id, seq) is now the idempotency key: sequences are counted per device, not per register.
CREATE TABLE sales_new (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    register_id TEXT NOT NULL REFERENCES registers(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    receipt TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    body TEXT NOT NULL,
    customer_id TEXT,
    UNIQUE (device_id, seq)
);
-- Sales stored before devices existed keep their register's sequence, under a device of their own.
INSERT INTO sales_new (id, device_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
                       subtotal_cents, total_cents, body, customer_id)
    SELECT id, 'register:' || register_id, seq, register_id, outlet_id, receipt, created_at_ms, received_at_ms,
           subtotal_cents, total_cents, body, customer_id
    FROM sales;
DROP TABLE sales;
ALTER TABLE sales_new RENAME TO sales;
CREATE INDEX sales_received ON sales (received_at_ms);
CREATE INDEX sales_by_customer ON sales (customer_id, created_at_ms);
CREATE INDEX sales_by_register ON sales (register_id, created_at_ms);
CREATE INDEX sales_by_receipt ON sales (receipt);

-- Well-formed sales the server could not accept as they stand (shared::sync::HoldReason): kept with
-- their reason for a manager, with no effect on stock or accounts until resolved. A sale held twice
-- identically is one row (the decision sees it and answers "already held").
CREATE TABLE held_sales (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sale_id TEXT NOT NULL,
    pushed_by TEXT NOT NULL,            -- the device that pushed it
    body TEXT NOT NULL,                 -- the sale as pushed (JSON)
    code TEXT NOT NULL,                 -- HoldReason's code
    reason TEXT NOT NULL,               -- HoldReason (JSON)
    received_at_ms INTEGER NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX held_by_sale ON held_sales (sale_id);
CREATE INDEX held_open ON held_sales (resolved, id);

-- The catalog price in force from a moment on: a pushed sale is compared with the price in force
-- when it was made, not today's.
CREATE TABLE price_history (
    product_id TEXT NOT NULL REFERENCES products(id),
    from_ms INTEGER NOT NULL,
    price_cents INTEGER NOT NULL,
    PRIMARY KEY (product_id, from_ms)
);
INSERT INTO price_history (product_id, from_ms, price_cents) SELECT id, 0, price_cents FROM products;

COMMIT;
PRAGMA foreign_keys = ON;
