-- The platform worker's leases carry a token, stock back-off is kept, refused stock levels are kept
-- (backend/src/online/worker.rs). SQLite: 0016.

-- A claimed status call: the claimant's token. Settling it is conditional on the token, so a run whose
-- lease expired (a long batch, a paused process) cannot overwrite what the run that took over wrote.
ALTER TABLE platform_outbox ADD COLUMN lease_token TEXT;

-- The stock push's lease token (with stock_lease_until_ms), and its back-off after a failed push
-- (kept here so every instance waits the same, across restarts).
ALTER TABLE connections ADD COLUMN stock_lease_token TEXT;
ALTER TABLE connections ADD COLUMN stock_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN stock_next_attempt_at_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN stock_last_error TEXT;

-- A product's level the platform refused inside a batch it otherwise took (WooCommerce answers 200
-- with per-item errors): kept for managers, sent again when the stock cursor next moves, or at once
-- when a manager asks (due). Deleted when the platform takes it.
CREATE TABLE stock_refusals (
    connection_id TEXT NOT NULL REFERENCES connections(id),
    product_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    due BOOLEAN NOT NULL DEFAULT FALSE,
    refused_at_ms BIGINT NOT NULL,
    PRIMARY KEY (connection_id, product_id)
);
