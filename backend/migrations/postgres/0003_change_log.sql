-- The change log devices pull (SQLite 0009, shared::sync::changes), in PL/pgSQL.
--
-- Every change gets a version from one counter, bumped inside the writing transaction by
-- `UPDATE change_counter … RETURNING`: the counter row stays locked until commit, so across every
-- instance version order is commit order and a reader never sees version v+1 without v. The log is
-- compacted (one row per entity and outlet, tombstones for deletions). Each bump also
-- `pg_notify('comptoir_changes', version)`, delivered at commit to every instance's listener, which
-- feeds its event streams (`GET /events`).
--
-- Triggers, not calls in the write paths: no write path can forget to log.

CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO change_counter (id, version) VALUES (1, 0);

CREATE TABLE changes (
    kind TEXT NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    sub_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    outlet_id TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (kind, entity_id, sub_id, outlet_id)
);
CREATE INDEX changes_by_version ON changes (version, kind, outlet_id);
CREATE INDEX changes_by_kind ON changes (kind, version);

ALTER TABLE stock_movements ADD COLUMN version BIGINT;
CREATE INDEX stock_movements_by_version ON stock_movements (version);

-- Bumps the counter, logs one entity at the new version, tells the listeners; the new version.
CREATE FUNCTION log_change(p_kind TEXT, p_entity TEXT, p_sub TEXT, p_outlet TEXT, p_deleted BOOLEAN) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES (p_kind, p_entity, p_sub, p_outlet, v, p_deleted)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = EXCLUDED.version, deleted = EXCLUDED.deleted;
    PERFORM pg_notify('comptoir_changes', v::text);
    RETURN v;
END $$;

CREATE FUNCTION products_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM log_change('product', OLD.id, '', '', TRUE); RETURN OLD; END IF;
    PERFORM log_change('product', NEW.id, '', '', FALSE); RETURN NEW;
END $$;
CREATE TRIGGER products_logged_insert AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION products_logged();
CREATE TRIGGER products_logged_update AFTER UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_logged();
CREATE TRIGGER products_logged_delete AFTER DELETE ON products FOR EACH ROW EXECUTE FUNCTION products_logged();

-- Stock: a movement takes its version before it is written.
CREATE FUNCTION stock_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := log_change('stock', NEW.product_id, '', NEW.outlet_id, FALSE);
    RETURN NEW;
END $$;
CREATE TRIGGER stock_logged_insert BEFORE INSERT ON stock_movements FOR EACH ROW EXECUTE FUNCTION stock_logged();

CREATE FUNCTION serials_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM log_change('serial', OLD.product_id, OLD.serial, OLD.outlet_id, TRUE); RETURN OLD; END IF;
    PERFORM log_change('serial', NEW.product_id, NEW.serial, NEW.outlet_id, FALSE); RETURN NEW;
END $$;
CREATE FUNCTION serials_logged_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('serial', OLD.product_id, OLD.serial, OLD.outlet_id, TRUE); RETURN NEW;
END $$;
CREATE TRIGGER serials_logged_insert AFTER INSERT ON serials FOR EACH ROW EXECUTE FUNCTION serials_logged();
-- A unit moved from A to B leaves a tombstone at A (runs before `serials_logged_update`: names sort).
CREATE TRIGGER serials_logged_move AFTER UPDATE ON serials FOR EACH ROW
    WHEN (OLD.outlet_id IS DISTINCT FROM NEW.outlet_id) EXECUTE FUNCTION serials_logged_move();
CREATE TRIGGER serials_logged_update AFTER UPDATE ON serials FOR EACH ROW EXECUTE FUNCTION serials_logged();
CREATE TRIGGER serials_logged_delete AFTER DELETE ON serials FOR EACH ROW EXECUTE FUNCTION serials_logged();

-- Customers: the customer, their account terms, their account entries, their sales.
CREATE FUNCTION customers_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM log_change('customer', OLD.id, '', '', TRUE); RETURN OLD; END IF;
    PERFORM log_change('customer', NEW.id, '', '', FALSE); RETURN NEW;
END $$;
CREATE TRIGGER customers_logged_insert AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION customers_logged();
CREATE TRIGGER customers_logged_update AFTER UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION customers_logged();
CREATE TRIGGER customers_logged_delete AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION customers_logged();

CREATE FUNCTION customer_of_row_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('customer', NEW.customer_id, '', '', FALSE); RETURN NEW;
END $$;
CREATE TRIGGER customer_accounts_logged_insert AFTER INSERT ON customer_accounts FOR EACH ROW EXECUTE FUNCTION customer_of_row_logged();
CREATE TRIGGER customer_accounts_logged_update AFTER UPDATE ON customer_accounts FOR EACH ROW EXECUTE FUNCTION customer_of_row_logged();
CREATE TRIGGER account_entries_logged_insert AFTER INSERT ON account_entries FOR EACH ROW EXECUTE FUNCTION customer_of_row_logged();

-- Sales: the sales list's feed (only the newest 1000 rows are kept: shared::limits::MAX_RECENT_SALES),
-- and the loyalty of the sale's customer.
CREATE FUNCTION sales_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('sale', NEW.id, '', NEW.outlet_id, FALSE);
    DELETE FROM changes WHERE kind = 'sale' AND version <
        (SELECT version FROM changes WHERE kind = 'sale' ORDER BY version DESC LIMIT 1 OFFSET 999);
    RETURN NEW;
END $$;
CREATE TRIGGER sales_logged_insert AFTER INSERT ON sales FOR EACH ROW EXECUTE FUNCTION sales_logged();
CREATE TRIGGER sales_logged_customer_set AFTER UPDATE OF customer_id ON sales FOR EACH ROW
    WHEN (NEW.customer_id IS NOT NULL) EXECUTE FUNCTION customer_of_row_logged();
CREATE TRIGGER sales_logged_customer AFTER INSERT ON sales FOR EACH ROW
    WHEN (NEW.customer_id IS NOT NULL) EXECUTE FUNCTION customer_of_row_logged();

-- Outlets and registers (what `GET /setup` answers).
CREATE FUNCTION outlets_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('outlet', NEW.id, '', NEW.id, FALSE); RETURN NEW;
END $$;
CREATE TRIGGER outlets_logged_insert AFTER INSERT ON outlets FOR EACH ROW EXECUTE FUNCTION outlets_logged();
CREATE TRIGGER outlets_logged_update AFTER UPDATE ON outlets FOR EACH ROW EXECUTE FUNCTION outlets_logged();
CREATE FUNCTION registers_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('register', NEW.id, '', NEW.outlet_id, FALSE); RETURN NEW;
END $$;
CREATE TRIGGER registers_logged_insert AFTER INSERT ON registers FOR EACH ROW EXECUTE FUNCTION registers_logged();
CREATE TRIGGER registers_logged_update AFTER UPDATE ON registers FOR EACH ROW EXECUTE FUNCTION registers_logged();

-- What a database already holds becomes the log's first versions, then the movements take the last.
INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
SELECT kind, entity_id, sub_id, outlet_id, ROW_NUMBER() OVER (ORDER BY ord, entity_id, sub_id, outlet_id), FALSE FROM (
    SELECT 1 AS ord, 'outlet' AS kind, id AS entity_id, '' AS sub_id, id AS outlet_id FROM outlets
    UNION ALL SELECT 2, 'register', id, '', outlet_id FROM registers
    UNION ALL SELECT 3, 'product', id, '', '' FROM products
    UNION ALL SELECT 4, 'customer', id, '', '' FROM customers
    UNION ALL SELECT DISTINCT 5, 'stock', product_id, '', outlet_id FROM stock_movements
    UNION ALL SELECT 6, 'serial', product_id, serial, outlet_id FROM serials
    UNION ALL SELECT 7, 'sale', id, '', outlet_id FROM (SELECT id, outlet_id FROM sales ORDER BY received_at_ms DESC, id DESC LIMIT 1000) s
) existing;
UPDATE change_counter SET version = (SELECT COALESCE(MAX(version), 0) FROM changes) WHERE id = 1;
UPDATE stock_movements SET version = (SELECT version FROM change_counter WHERE id = 1);
