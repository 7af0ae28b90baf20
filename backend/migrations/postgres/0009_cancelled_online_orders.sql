-- Platform orders first seen cancelled or refunded (shared::online::intake::first_sight). SQLite: 0015.
-- Nothing was taken — no sale, no stock — but the version is remembered, so that an older version of
-- the same order arriving late (its create: platforms deliver out of order) never makes it live.
CREATE TABLE cancelled_online_orders (
    connection_id TEXT NOT NULL REFERENCES connections(id),
    external_id TEXT NOT NULL,
    body TEXT NOT NULL,                 -- the IncomingOrder (JSON), the newest cancelled version seen
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (connection_id, external_id)
);
