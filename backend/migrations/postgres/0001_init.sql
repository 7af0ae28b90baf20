-- Comptoir's system of record on PostgreSQL: the SQLite schema as of its migration 0007, in one step.
-- Money is integer cents (BIGINT); ids, sequences and millisecond times are BIGINT; flags are BOOLEAN;
-- JSON bodies are TEXT, as in SQLite, so both stores read and write them alike. Product ids sort
-- byte-wise (COLLATE "C"), as SQLite sorts them: catalog pages follow the primary key's order.

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE outlets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority BIGINT NOT NULL,           -- allocation order for online orders
    gst_ppm BIGINT NOT NULL,
    qst_ppm BIGINT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'America/Toronto'   -- IANA: when its days and months start
);

CREATE TABLE registers (
    id TEXT PRIMARY KEY,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id TEXT COLLATE "C" PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    barcode TEXT UNIQUE,
    name TEXT NOT NULL,
    price_cents BIGINT NOT NULL,
    tax_class TEXT NOT NULL,
    tracks_serials BOOLEAN NOT NULL DEFAULT FALSE,
    low_stock_threshold BIGINT,
    quick_key BOOLEAN NOT NULL DEFAULT FALSE,
    loyalty_points BIGINT NOT NULL DEFAULT 0
);

-- The catalog price in force from a moment on: a pushed sale is compared with the price in force
-- when it was made, not today's.
CREATE TABLE price_history (
    product_id TEXT NOT NULL REFERENCES products(id),
    from_ms BIGINT NOT NULL,
    price_cents BIGINT NOT NULL,
    PRIMARY KEY (product_id, from_ms)
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE
);

-- A device is one browser profile that sells; its number is printed in its receipt numbers.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    register_id TEXT REFERENCES registers(id),
    outlet_id TEXT REFERENCES outlets(id),
    credential_hash TEXT,               -- SHA-256 of the credential's secret
    enrolled_at_ms BIGINT
);

-- One row per stored sale; (device_id, seq) is the idempotency key of pushes.
CREATE TABLE sales (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    register_id TEXT NOT NULL REFERENCES registers(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    receipt TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    subtotal_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    body TEXT NOT NULL,                 -- the whole sale as pushed (JSON), verified
    customer_id TEXT,
    UNIQUE (device_id, seq)
);
CREATE INDEX sales_received ON sales (received_at_ms);
CREATE INDEX sales_by_customer ON sales (customer_id, created_at_ms);
CREATE INDEX sales_by_register ON sales (register_id, created_at_ms);
CREATE INDEX sales_by_receipt ON sales (receipt);
CREATE INDEX sales_by_outlet ON sales (outlet_id, created_at_ms);

CREATE TABLE sale_lines (
    sale_id TEXT NOT NULL REFERENCES sales(id),
    line_no BIGINT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    qty BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    PRIMARY KEY (sale_id, line_no)
);

-- Stock is a ledger of signed movements; a level is a sum.
CREATE TABLE stock_movements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,               -- sale, return, adjustment, receiving, transfer, online_order
    source_id TEXT,                     -- the document that caused it (a sale id, …)
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX stock_by_product_outlet ON stock_movements (product_id, outlet_id);
CREATE INDEX stock_by_outlet ON stock_movements (outlet_id, product_id);

-- Serial numbers (seed 000): one row per unit of a product.
CREATE TABLE serials (
    product_id TEXT NOT NULL REFERENCES products(id),
    serial TEXT NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    sold_sale_id TEXT,
    sold_at_ms BIGINT,
    returned_sale_id TEXT,
    returned_original_sale_id TEXT,
    returned_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    UNIQUE (product_id, serial)
);
CREATE INDEX serials_by_outlet ON serials (outlet_id);
CREATE INDEX serials_by_sale ON serials (sold_sale_id);

-- What sync found wrong but could not refuse (a paid sale is a fact): for a manager to resolve.
CREATE TABLE conflicts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    sale_id TEXT NOT NULL REFERENCES sales(id),
    detail TEXT NOT NULL,               -- JSON naming what is involved
    created_at_ms BIGINT NOT NULL,
    resolved BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX conflicts_open ON conflicts (resolved, id);

-- Customer accounts and loyalty (seed 003).
CREATE TABLE customer_accounts (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id),
    credit_limit_cents BIGINT NOT NULL DEFAULT 0,
    automatic_discount_bp BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE account_payments (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    register_id TEXT REFERENCES registers(id),
    outlet_id TEXT REFERENCES outlets(id),
    reference TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX account_payments_by_customer ON account_payments (customer_id);
CREATE INDEX account_payments_by_register ON account_payments (register_id, created_at_ms);
CREATE INDEX account_payments_by_outlet ON account_payments (outlet_id, created_at_ms);

-- No foreign key on customer_id: a paid sale naming a customer the server does not know is kept.
CREATE TABLE account_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    sale_id TEXT REFERENCES sales(id),
    payment_id TEXT REFERENCES account_payments(id),
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX account_entries_by_customer ON account_entries (customer_id, created_at_ms);

CREATE TABLE sale_returns (
    original_sale_id TEXT NOT NULL,
    return_sale_id TEXT NOT NULL REFERENCES sales(id),
    PRIMARY KEY (original_sale_id, return_sale_id)
);

-- Well-formed sales the server could not accept as they stand (shared::sync::HoldReason).
CREATE TABLE held_sales (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sale_id TEXT NOT NULL,
    pushed_by TEXT NOT NULL,
    body TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    resolved BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX held_by_sale ON held_sales (sale_id);
CREATE INDEX held_open ON held_sales (resolved, id);

-- Staff, sessions, failed attempts, enrolment codes, audit log.
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE,                  -- stored lower-cased
    role TEXT NOT NULL,
    password_hash TEXT,
    pin_hash TEXT,
    pin_verifier TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE staff_outlets (
    staff_id TEXT NOT NULL REFERENCES staff(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    PRIMARY KEY (staff_id, outlet_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_ms);

CREATE TABLE auth_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX auth_failures_by_key ON auth_failures (key, at_ms);
CREATE INDEX auth_failures_by_time ON auth_failures (at_ms);

CREATE TABLE enrolment_codes (
    code_hash TEXT PRIMARY KEY,
    register_id TEXT NOT NULL REFERENCES registers(id),
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT,
    used_by_device TEXT
);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    action TEXT NOT NULL,
    staff_id TEXT NOT NULL DEFAULT '',
    device_id TEXT,
    outlet_id TEXT,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_by_outlet ON audit_log (outlet_id, id);
