-- Staff, sessions, enrolled devices and the audit log (issue 10). Only new tables and new columns:
-- no rebuild, so it runs in the migrator's own transaction.

-- A staff member. Managers and admins sign in with an e-mail and a password; cashiers switch in at a
-- register with a PIN. Hashes are argon2 (PHC strings); `pin_verifier` is the PBKDF2 verifier
-- (shared::auth::PinVerifier, JSON) that registers download to check PINs offline.
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE,                  -- stored lower-cased
    role TEXT NOT NULL,                 -- cashier, manager, admin (shared::auth::Role)
    password_hash TEXT,
    pin_hash TEXT,
    pin_verifier TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE staff_outlets (
    staff_id TEXT NOT NULL REFERENCES staff(id),
    outlet_id TEXT NOT NULL REFERENCES outlets(id),
    PRIMARY KEY (staff_id, outlet_id)
);

-- A signed-in staff member: the cookie's or bearer token's SHA-256, never the token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_ms);

-- Failed attempts since the key's last success (shared::auth::lockout): `email:<lower-cased>`,
-- `pin:<staff id>`, `code:<client address>`.
CREATE TABLE auth_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX auth_failures_by_key ON auth_failures (key, at_ms);

-- Enrolment: a device is bound to a register (and so an outlet) and holds a credential whose secret's
-- SHA-256 is kept here. Devices introduced before enrolment stay, unenrolled (NULL credential): their
-- requests are refused until a manager enrols them, and they keep their number.
ALTER TABLE devices ADD COLUMN register_id TEXT REFERENCES registers(id);
ALTER TABLE devices ADD COLUMN outlet_id TEXT REFERENCES outlets(id);
ALTER TABLE devices ADD COLUMN credential_hash TEXT;
ALTER TABLE devices ADD COLUMN enrolled_at_ms INTEGER;

-- One-time enrolment codes, by SHA-256 of the normalised code (upper case, no dash).
CREATE TABLE enrolment_codes (
    code_hash TEXT PRIMARY KEY,
    register_id TEXT NOT NULL REFERENCES registers(id),
    created_by TEXT NOT NULL,           -- a staff id, or '' (the command line, the demo start)
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER,
    used_by_device TEXT
);

-- Who did what, to what, when (shared::auth::AuditEntry). Written in the same transaction as the
-- action it records. Never a secret in `detail`.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    action TEXT NOT NULL,               -- shared::auth::AuditAction
    staff_id TEXT NOT NULL DEFAULT '',
    device_id TEXT,
    outlet_id TEXT,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_by_outlet ON audit_log (outlet_id, id);
