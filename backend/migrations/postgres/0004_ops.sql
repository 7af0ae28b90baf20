-- Operations from registers' outboxes other than sales (SQLite 0010, shared::sync::ops): payments on
-- account, serial registrations, stock adjustments, new customers. Each is written in the transaction
-- that applies its effect (or holds it): the partial unique index admits one applied row per id.
CREATE TABLE ops (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    op_id TEXT NOT NULL,
    pushed_by TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,               -- applied, held
    code TEXT,
    reason TEXT,
    received_at_ms BIGINT NOT NULL,
    resolved BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX ops_applied_once ON ops (op_id) WHERE status = 'applied';
CREATE INDEX ops_by_op_id ON ops (op_id);
CREATE INDEX ops_held_open ON ops (status, resolved, id);
