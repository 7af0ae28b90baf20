-- Orders out (shared::online::actions, backend/src/online/worker.rs). SQLite: 0013.

-- Tracking details given through a sale note (the latest): sent with the completion status.
ALTER TABLE online_orders ADD COLUMN tracking TEXT NOT NULL DEFAULT '';

-- The order a status call is about: an order's calls go out in the order they were owed (a packed
-- status retried must not land after the completion that followed it).
ALTER TABLE platform_outbox ADD COLUMN order_id TEXT;
CREATE INDEX platform_outbox_by_order ON platform_outbox (connection_id, order_id, id);

-- Stock push: one instance at a time per connection (a lease taken by a conditional UPDATE, so the
-- same rule on SQLite and PostgreSQL; a crashed holder's lease simply expires).
ALTER TABLE connections ADD COLUMN stock_lease_until_ms BIGINT NOT NULL DEFAULT 0;
