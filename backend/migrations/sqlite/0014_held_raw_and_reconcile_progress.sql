-- Issue 11, intake: nothing a platform signed is lost or loops.
-- A held order keeps the body as the platform sent it (unreadable, store error, platform unreachable);
-- `body` is then the JSON `null` (no order could be read). `delivery_key`: the delivery it came by, so
-- that taking it in later records that delivery (a platform's repeat is then a duplicate).
ALTER TABLE held_online_orders ADD COLUMN raw TEXT;
ALTER TABLE held_online_orders ADD COLUMN delivery_key TEXT;
CREATE INDEX held_online_orders_pending ON held_online_orders (connection_id, code) WHERE resolved = 0;

-- A reconciliation sweep in progress: it reads the orders modified since `since_ms` a page at a time;
-- `next` is the page after the last one fully taken in, so the next run continues there (a backlog of
-- N pages ends in ceil(N / pages per run) runs). When the sweep ends, the connection's mark moves to
-- `started_ms` and the row goes.
CREATE TABLE reconcile_progress (
    connection_id TEXT PRIMARY KEY REFERENCES connections(id),
    since_ms INTEGER NOT NULL,
    started_ms INTEGER NOT NULL,
    next TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0
);
