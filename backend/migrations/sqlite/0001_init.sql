-- Comptoir's system of record (SQLite). Money is integer cents.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE outlets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL,          -- allocation order for online orders
    gst_ppm INTEGER NOT NULL,
    qst_ppm INTEGER NOT NULL
);

CREATE TABLE registers (
    id TEXT PRIMARY KEY,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    barcode TEXT UNIQUE,
    name TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    tax_class TEXT NOT NULL,
    tracks_serials INTEGER NOT NULL DEFAULT 0,
    low_stock_threshold INTEGER
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE
);

-- One row per completed sale; (register_id, seq) is the idempotency key of pushes.
CREATE TABLE sales (
    id TEXT PRIMARY KEY,
    register_id TEXT NOT NULL REFERENCES registers(id),
    seq INTEGER NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    receipt TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    body TEXT NOT NULL,                 -- the whole sale as pushed (JSON), verified
    UNIQUE (register_id, seq)
);
CREATE INDEX sales_received ON sales (received_at_ms);

CREATE TABLE sale_lines (
    sale_id TEXT NOT NULL REFERENCES sales(id),
    line_no INTEGER NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    qty INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    PRIMARY KEY (sale_id, line_no)
);

-- Stock is a ledger of signed movements; a level is a sum.
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id TEXT NOT NULL REFERENCES products(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,               -- sale, return, adjustment, receiving, transfer, online_order
    source_id TEXT,                     -- the document that caused it (a sale id, …)
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX stock_by_product_outlet ON stock_movements (product_id, outlet_id);
