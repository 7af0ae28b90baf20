-- A serial number's history (issue 12 item 2, shared::stock::SerialEvent): received, sold, returned,
-- moved, deleted, one row per event, kept after the serial is deleted.
--
-- Triggers on `serials`, as the change log (0009): no write path (a registration, a pushed sale or
-- return, an operation, an import, a deletion, a manual fix in the sqlite3 shell) can forget an event.
-- Each event is read from OLD and NEW: `sold_sale_id` set or changed is a sale; `returned_sale_id` set
-- or changed is a return, and the sale cleared with no return named (an import, a fix) is a return with
-- no sale; an outlet the newest event does not name is a move — so the newest event is always where the
-- unit is. The history's order is `id`, the order the server learnt things (a sale made offline may
-- carry an earlier time than the receiving recorded before it). An update that changes nothing (the
-- write paths upsert the whole row) records nothing.
--
-- "Now" is the server's clock in ms: (julianday − the Unix epoch's) × ms per day.

CREATE TABLE serial_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('received', 'sold', 'returned', 'moved', 'deleted')),
    outlet_id TEXT NOT NULL,
    sale_id TEXT,                       -- the sale (sold) or the return (returned)
    at_ms INTEGER NOT NULL
);
CREATE INDEX serial_events_by_serial ON serial_events (product_id, serial, id);

-- The serials on file before this migration: received when created, then their last return, then their
-- sale (a unit sold and returned before was resold after its return).
INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
SELECT product_id, serial, kind, outlet_id, sale_id, at_ms FROM (
    SELECT product_id, serial, 1 AS step, 'received' AS kind, outlet_id, NULL AS sale_id, created_at_ms AS at_ms FROM serials
    UNION ALL
    SELECT product_id, serial, 2, 'returned', outlet_id, returned_sale_id, COALESCE(returned_at_ms, created_at_ms)
        FROM serials WHERE returned_sale_id IS NOT NULL
    UNION ALL
    SELECT product_id, serial, 3, 'sold', outlet_id, sold_sale_id, COALESCE(sold_at_ms, created_at_ms)
        FROM serials WHERE sold_sale_id IS NOT NULL
) ORDER BY product_id, serial, step;

CREATE TRIGGER serials_history_insert AFTER INSERT ON serials BEGIN
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        VALUES (NEW.product_id, NEW.serial, 'received', NEW.outlet_id, NULL, NEW.created_at_ms);
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        SELECT NEW.product_id, NEW.serial, 'returned', NEW.outlet_id, NEW.returned_sale_id,
               COALESCE(NEW.returned_at_ms, NEW.created_at_ms)
        WHERE NEW.returned_sale_id IS NOT NULL;
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        SELECT NEW.product_id, NEW.serial, 'sold', NEW.outlet_id, NEW.sold_sale_id, COALESCE(NEW.sold_at_ms, NEW.created_at_ms)
        WHERE NEW.sold_sale_id IS NOT NULL;
END;

CREATE TRIGGER serials_history_update AFTER UPDATE ON serials BEGIN
    -- Back in stock first: a unit returned and resold in one write is sold last.
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        SELECT NEW.product_id, NEW.serial, 'returned', NEW.outlet_id,
               CASE WHEN named THEN NEW.returned_sale_id END,
               CASE WHEN named AND NEW.returned_at_ms IS NOT NULL THEN NEW.returned_at_ms
                    ELSE CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) END
        FROM (SELECT NEW.returned_sale_id IS NOT NULL AND NEW.returned_sale_id IS NOT OLD.returned_sale_id AS named)
        WHERE named OR (OLD.sold_sale_id IS NOT NULL AND NEW.sold_sale_id IS NULL);
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        SELECT NEW.product_id, NEW.serial, 'sold', NEW.outlet_id, NEW.sold_sale_id,
               COALESCE(NEW.sold_at_ms, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
        WHERE NEW.sold_sale_id IS NOT NULL AND NEW.sold_sale_id IS NOT OLD.sold_sale_id;
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        SELECT NEW.product_id, NEW.serial, 'moved', NEW.outlet_id, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
        WHERE (SELECT outlet_id FROM serial_events WHERE product_id = NEW.product_id AND serial = NEW.serial ORDER BY id DESC LIMIT 1)
              IS NOT NEW.outlet_id;
END;

CREATE TRIGGER serials_history_delete AFTER DELETE ON serials BEGIN
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
        VALUES (OLD.product_id, OLD.serial, 'deleted', OLD.outlet_id, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
