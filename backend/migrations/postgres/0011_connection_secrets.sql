-- Connected stores' credentials encrypted at rest (backend/src/secrets.rs). SQLite: 0017.
-- `connections.credentials` now holds `enc:v1:<base64>` (ChaCha20-Poly1305, the connection's id bound
-- in); a plain row from before is sealed at the next start. Every instance needs the same key
-- (COMPTOIR_SECRET_KEY).

-- A value sealed with the key of the first start: an instance started with another key stops with a
-- clear error instead of failing on every connection. One row.
CREATE TABLE secret_key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL
);
