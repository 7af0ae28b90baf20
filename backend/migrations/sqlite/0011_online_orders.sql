-- Online orders (seeds 001, 002, 004; shared::online, shared::fulfilment). PostgreSQL: 0005.

-- A store on an e-commerce platform connected to the shop. Its credentials never leave the server.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,             -- shared::fulfilment::Platform: shopify, woocommerce, bigcommerce, lightspeed_ecom
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,             -- the platform API's base (tests: a fake server)
    credentials TEXT NOT NULL,          -- bridges::Credentials (JSON); server only
    options TEXT NOT NULL DEFAULT '{}', -- shared::fulfilment::PlatformOptions (JSON)
    -- The register that takes this store's orders: its outlet always offers stock online (seed 002), and
    -- the orders' sales are recorded at it, numbered by `next_seq` under the device `online:<id>`.
    orders_register_id TEXT NOT NULL REFERENCES registers(id),
    next_seq INTEGER NOT NULL DEFAULT 1,
    -- Reconciliation: orders modified since this time are pulled again (a missed webhook).
    reconciled_until_ms INTEGER NOT NULL DEFAULT 0,
    -- Stock push: the change-log version up to which online levels were sent (an outbox derived from
    -- the log, so no movement is forgotten across a restart).
    stock_pushed_version INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL
);

-- The outlets that offer their stock online for a store, in priority order (allocation order).
CREATE TABLE connection_outlets (
    connection_id TEXT NOT NULL REFERENCES connections(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    priority INTEGER NOT NULL,
    PRIMARY KEY (connection_id, outlet_id)
);

-- Every webhook delivery applied, by the platform's own de-duplication key: a repeat is applied once.
CREATE TABLE webhook_deliveries (
    connection_id TEXT NOT NULL REFERENCES connections(id),
    delivery_key TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (connection_id, delivery_key)
);

-- An online order; its sale (same id) is in `sales`, in sales history with in-store sales.
CREATE TABLE online_orders (
    id TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id),
    external_id TEXT NOT NULL,
    number TEXT NOT NULL,
    order_type TEXT NOT NULL,           -- delivery, pickup
    total_cents INTEGER NOT NULL,
    paid_cents INTEGER NOT NULL,
    processor TEXT,                     -- the integrated processor's name, when paid through one
    customer_id TEXT,
    customer_name TEXT NOT NULL,
    sale_note TEXT NOT NULL DEFAULT '', -- customer details and the platform's notes, then tracking
    plan TEXT NOT NULL,                 -- shared::stock::allocation::AllocationPlan (JSON)
    status TEXT NOT NULL,               -- unfulfilled, fulfilled, cancelled
    modified TEXT NOT NULL DEFAULT '',  -- the platform's last-modified stamp of what we applied
    body TEXT NOT NULL,                 -- the IncomingOrder as last applied (JSON)
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (connection_id, external_id)
);
CREATE INDEX online_orders_by_customer ON online_orders (customer_id);

-- One outlet's part of an order (a split order has several).
CREATE TABLE order_parts (
    order_id TEXT NOT NULL REFERENCES online_orders(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    status TEXT NOT NULL,               -- shared::fulfilment::PartStatus
    lines TEXT NOT NULL,                -- [shared::online::OrderLineView] (JSON): ordered, picked, backordered
    notes TEXT NOT NULL DEFAULT '[]',   -- [shared::online::OrderNote] (JSON), from scanner mode only
    assigned_to TEXT,                   -- staff id, from scanner mode only
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (order_id, outlet_id)
);
CREATE INDEX order_parts_open ON order_parts (outlet_id, status, order_id);

-- Orders that cannot become a sale as they are (a SKU the catalog does not know, no outlet online…):
-- kept whole with their reason for a manager, never dropped; applied again once resolved.
CREATE TABLE held_online_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id TEXT NOT NULL REFERENCES connections(id),
    external_id TEXT NOT NULL,
    body TEXT NOT NULL,                 -- the IncomingOrder (JSON)
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    UNIQUE (connection_id, external_id)
);

-- Calls owed to a platform (order statuses), written in the transaction that made them owed, sent by
-- the platform worker, retried with back-off on 429 and 5xx, kept across restarts until done.
CREATE TABLE platform_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id TEXT NOT NULL REFERENCES connections(id),
    kind TEXT NOT NULL,                 -- status
    body TEXT NOT NULL,                 -- bridges::StatusUpdate (JSON)
    idempotency_key TEXT NOT NULL UNIQUE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending', -- pending, done, failed (refused: a manager must look)
    created_at_ms INTEGER NOT NULL,
    done_at_ms INTEGER
);
CREATE INDEX platform_outbox_due ON platform_outbox (state, next_attempt_at_ms);
