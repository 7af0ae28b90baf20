-- Issue 11, intake: nothing a platform signed is lost or loops (see sqlite/0014).
ALTER TABLE held_online_orders ADD COLUMN raw TEXT;
ALTER TABLE held_online_orders ADD COLUMN delivery_key TEXT;
CREATE INDEX held_online_orders_pending ON held_online_orders (connection_id, code) WHERE NOT resolved;

CREATE TABLE reconcile_progress (
    connection_id TEXT PRIMARY KEY REFERENCES connections(id),
    since_ms BIGINT NOT NULL,
    started_ms BIGINT NOT NULL,
    next TEXT NOT NULL,
    pages BIGINT NOT NULL DEFAULT 0
);
