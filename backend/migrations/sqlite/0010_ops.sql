-- Operations from registers' outboxes other than sales (shared::sync::ops): payments on account,
-- serial registrations, stock adjustments, new customers. Each is written in the transaction that
-- applies its effect (or holds it), so an operation id is applied at most once: the partial unique index
-- admits one applied row per id. Held ones are kept with their reason for a manager, never dropped.
CREATE TABLE ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL,
    pushed_by TEXT NOT NULL,            -- the device that pushed it
    kind TEXT NOT NULL,                 -- account_payment, serial_registration, stock_adjustment, new_customer
    body TEXT NOT NULL,                 -- the operation as pushed (JSON)
    status TEXT NOT NULL,               -- applied, held
    code TEXT,                          -- OpHold's code, when held
    reason TEXT,                        -- OpHold (JSON), when held
    received_at_ms INTEGER NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ops_applied_once ON ops (op_id) WHERE status = 'applied';
CREATE INDEX ops_by_op_id ON ops (op_id);
CREATE INDEX ops_held_open ON ops (status, resolved, id);
