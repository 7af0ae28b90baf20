-- A serial number's history (SQLite 0029, shared::stock::SerialEvent): received, sold, returned, moved,
-- deleted, one row per event, kept after the serial is deleted.
--
-- A trigger on `serials`, as the change log (0003): no write path can forget an event. Each event is
-- read from OLD and NEW: `sold_sale_id` set or changed is a sale; `returned_sale_id` set or changed is a
-- return, and the sale cleared with no return named (an import, a fix) is a return with no sale; an
-- outlet the newest event does not name is a move — so the newest event is always where the unit is.
-- The history's order is `id`: every write to a product's serials holds its `Lock::Serials`, so one
-- unit's events get their ids in commit order. An update that changes nothing records nothing.

CREATE TABLE serial_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('received', 'sold', 'returned', 'moved', 'deleted')),
    outlet_id TEXT NOT NULL,
    sale_id TEXT,                       -- the sale (sold) or the return (returned)
    at_ms BIGINT NOT NULL
);
CREATE INDEX serial_events_by_serial ON serial_events (product_id, serial, id);

-- The serials on file before this migration: received when created, then their last return, then their
-- sale (a unit sold and returned before was resold after its return).
INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms)
SELECT product_id, serial, kind, outlet_id, sale_id, at_ms FROM (
    SELECT product_id, serial, 1 AS step, 'received' AS kind, outlet_id, NULL::text AS sale_id, created_at_ms AS at_ms FROM serials
    UNION ALL
    SELECT product_id, serial, 2, 'returned', outlet_id, returned_sale_id, COALESCE(returned_at_ms, created_at_ms)
        FROM serials WHERE returned_sale_id IS NOT NULL
    UNION ALL
    SELECT product_id, serial, 3, 'sold', outlet_id, sold_sale_id, COALESCE(sold_at_ms, created_at_ms)
        FROM serials WHERE sold_sale_id IS NOT NULL
) e ORDER BY product_id, serial, step;

CREATE FUNCTION serial_event(p_product TEXT, p_serial TEXT, p_kind TEXT, p_outlet TEXT, p_sale TEXT, p_at BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO serial_events (product_id, serial, kind, outlet_id, sale_id, at_ms) VALUES (p_product, p_serial, p_kind, p_outlet, p_sale, p_at);
$$;

CREATE FUNCTION serials_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
    named BOOLEAN;
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM serial_event(OLD.product_id, OLD.serial, 'deleted', OLD.outlet_id, NULL, now_ms);
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM serial_event(NEW.product_id, NEW.serial, 'received', NEW.outlet_id, NULL, NEW.created_at_ms);
        IF NEW.returned_sale_id IS NOT NULL THEN
            PERFORM serial_event(NEW.product_id, NEW.serial, 'returned', NEW.outlet_id, NEW.returned_sale_id, COALESCE(NEW.returned_at_ms, NEW.created_at_ms));
        END IF;
        IF NEW.sold_sale_id IS NOT NULL THEN
            PERFORM serial_event(NEW.product_id, NEW.serial, 'sold', NEW.outlet_id, NEW.sold_sale_id, COALESCE(NEW.sold_at_ms, NEW.created_at_ms));
        END IF;
        RETURN NEW;
    END IF;
    -- Back in stock first: a unit returned and resold in one write is sold last.
    named := NEW.returned_sale_id IS NOT NULL AND NEW.returned_sale_id IS DISTINCT FROM OLD.returned_sale_id;
    IF named THEN
        PERFORM serial_event(NEW.product_id, NEW.serial, 'returned', NEW.outlet_id, NEW.returned_sale_id, COALESCE(NEW.returned_at_ms, now_ms));
    ELSIF OLD.sold_sale_id IS NOT NULL AND NEW.sold_sale_id IS NULL THEN
        PERFORM serial_event(NEW.product_id, NEW.serial, 'returned', NEW.outlet_id, NULL, now_ms);
    END IF;
    IF NEW.sold_sale_id IS NOT NULL AND NEW.sold_sale_id IS DISTINCT FROM OLD.sold_sale_id THEN
        PERFORM serial_event(NEW.product_id, NEW.serial, 'sold', NEW.outlet_id, NEW.sold_sale_id, COALESCE(NEW.sold_at_ms, now_ms));
    END IF;
    IF (SELECT e.outlet_id FROM serial_events e WHERE e.product_id = NEW.product_id AND e.serial = NEW.serial ORDER BY e.id DESC LIMIT 1)
        IS DISTINCT FROM NEW.outlet_id THEN
        PERFORM serial_event(NEW.product_id, NEW.serial, 'moved', NEW.outlet_id, NULL, now_ms);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER serials_history AFTER INSERT OR UPDATE OR DELETE ON serials FOR EACH ROW EXECUTE FUNCTION serials_history();
