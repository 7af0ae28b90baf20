-- The change log devices pull (`GET /sync/changes`, shared::sync::changes).
--
-- Every change the server accepts gets a version from one counter, bumped inside the writing
-- transaction: SQLite serialises writers, so version order is commit order and a reader never sees
-- version v+1 without v. The log is compacted: one row per entity (and outlet, see below) holding the
-- version of its latest change, tombstones (`deleted = 1`) for deletions, so a pull costs what changed
-- since the cursor, never the history.
--
-- Each trigger upserts with an explicit ON CONFLICT … DO UPDATE: an `OR REPLACE`/`OR IGNORE` in a
-- trigger would be overridden by the policy of the statement that fired it (an upsert, `INSERT OR IGNORE`).
--
-- Triggers, not calls in the write paths: no write path (a sale, a payment, a serial, a future
-- receiving screen, a demo load, a manual fix in the sqlite3 shell) can forget to log. PostgreSQL port:
-- the same triggers in PL/pgSQL (`UPDATE change_counter … RETURNING version` takes the counter row's
-- lock, so there too versions are in commit order), a BEFORE INSERT trigger sets
-- `stock_movements.version` directly, and a statement-level trigger `pg_notify('changes', version)` feeds
-- every instance's `Notifier` through LISTEN.

CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO change_counter (id, version) VALUES (1, 0);

CREATE TABLE changes (
    kind TEXT NOT NULL,                 -- shared::sync::changes::EntityKind (product, stock, serial, customer, sale, outlet, register)
    entity_id TEXT NOT NULL,            -- product, customer, sale, outlet or register id; the product of a stock level or serial
    sub_id TEXT NOT NULL DEFAULT '',    -- the serial of a serial number; '' otherwise
    outlet_id TEXT NOT NULL DEFAULT '', -- scope: '' = the whole shop (products, customers), else only that outlet's callers
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    -- The outlet is part of the key: a serial number that moves from A to B leaves a tombstone at A
    -- (A's registers forget it) and a live row at B.
    PRIMARY KEY (kind, entity_id, sub_id, outlet_id)
);
-- Covers the pull's scan and its count (version range, kind, scope) without touching the table.
CREATE INDEX changes_by_version ON changes (version, kind, outlet_id);
CREATE INDEX changes_by_kind ON changes (kind, version);

-- Each movement's version: the stock digest at version N is the current levels minus the movements after N.
ALTER TABLE stock_movements ADD COLUMN version INTEGER;
CREATE INDEX stock_movements_by_version ON stock_movements (version);

-- Products.
CREATE TRIGGER products_logged_insert AFTER INSERT ON products BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('product', NEW.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER products_logged_update AFTER UPDATE ON products BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('product', NEW.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER products_logged_delete AFTER DELETE ON products BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('product', OLD.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 1)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- Stock: every movement changes its (product, outlet) level.
CREATE TRIGGER stock_logged_insert AFTER INSERT ON stock_movements BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    UPDATE stock_movements SET version = (SELECT version FROM change_counter WHERE id = 1) WHERE id = NEW.id;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('stock', NEW.product_id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- Serial numbers.
CREATE TRIGGER serials_logged_insert AFTER INSERT ON serials BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('serial', NEW.product_id, NEW.serial, NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER serials_logged_move AFTER UPDATE ON serials WHEN OLD.outlet_id IS NOT NEW.outlet_id BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('serial', OLD.product_id, OLD.serial, OLD.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 1)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER serials_logged_update AFTER UPDATE ON serials BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('serial', NEW.product_id, NEW.serial, NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER serials_logged_delete AFTER DELETE ON serials BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('serial', OLD.product_id, OLD.serial, OLD.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 1)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- Customers: the customer itself, their account terms, their account entries (balance), their sales (loyalty).
CREATE TRIGGER customers_logged_insert AFTER INSERT ON customers BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER customers_logged_update AFTER UPDATE ON customers BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER customers_logged_delete AFTER DELETE ON customers BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', OLD.id, '', '', (SELECT version FROM change_counter WHERE id = 1), 1)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER customer_accounts_logged_insert AFTER INSERT ON customer_accounts BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.customer_id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER customer_accounts_logged_update AFTER UPDATE ON customer_accounts BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.customer_id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER account_entries_logged_insert AFTER INSERT ON account_entries BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.customer_id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- Sales: the sales list's feed, and the loyalty of the sale's customer. Only the newest 1000 sale rows
-- are kept (shared::limits::MAX_RECENT_SALES; a test holds the two equal): older sales are on the paged
-- `GET /sales`, and a fresh register never downloads the history.
CREATE TRIGGER sales_logged_insert AFTER INSERT ON sales BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('sale', NEW.id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
    DELETE FROM changes WHERE kind = 'sale' AND version <
        (SELECT version FROM changes WHERE kind = 'sale' ORDER BY version DESC LIMIT 1 OFFSET 999);
END;
-- The push sets a sale's customer after inserting it (store/customers.rs): both ways are logged.
CREATE TRIGGER sales_logged_customer_set AFTER UPDATE OF customer_id ON sales WHEN NEW.customer_id IS NOT NULL BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.customer_id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER sales_logged_customer AFTER INSERT ON sales WHEN NEW.customer_id IS NOT NULL BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('customer', NEW.customer_id, '', '', (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- Outlets and registers (what `GET /setup` answers).
CREATE TRIGGER outlets_logged_insert AFTER INSERT ON outlets BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('outlet', NEW.id, '', NEW.id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER outlets_logged_update AFTER UPDATE ON outlets BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('outlet', NEW.id, '', NEW.id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER registers_logged_insert AFTER INSERT ON registers BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('register', NEW.id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER registers_logged_update AFTER UPDATE ON registers BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('register', NEW.id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;

-- What a database already holds becomes the log's first versions, in one pass per kind (rowid order
-- numbers them), then the movements take the last of them.
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted) SELECT 'outlet', id, '', id, 0, 0 FROM outlets;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted) SELECT 'register', id, '', outlet_id, 0, 0 FROM registers;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted) SELECT 'product', id, '', '', 0, 0 FROM products;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted) SELECT 'customer', id, '', '', 0, 0 FROM customers;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
    SELECT DISTINCT 'stock', product_id, '', outlet_id, 0, 0 FROM stock_movements;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
    SELECT 'serial', product_id, serial, outlet_id, 0, 0 FROM serials;
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
    SELECT 'sale', id, '', outlet_id, 0, 0 FROM (SELECT id, outlet_id FROM sales ORDER BY received_at_ms DESC, id DESC LIMIT 1000) ORDER BY id;
UPDATE changes SET version = rowid;
UPDATE change_counter SET version = (SELECT COALESCE(MAX(version), 0) FROM changes) WHERE id = 1;
UPDATE stock_movements SET version = (SELECT version FROM change_counter WHERE id = 1);
