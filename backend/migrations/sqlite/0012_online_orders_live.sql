-- Online orders on the change log (issue 11: live orders page, scanner mode offline). PostgreSQL: 0006.
--
-- Entity `order_part` (shared::sync::changes::EntityKind::OrderPart): entity_id = the order's id,
-- sub_id = '', outlet_id = the part's outlet (scope: only that outlet's callers). Every insert or
-- update of a part logs it; an update of its order (paid, note, cancelled, fulfilled) touches each of
-- the order's parts, so each gets its own version (two rows never share one: a page may end between).

CREATE TRIGGER order_parts_logged_insert AFTER INSERT ON order_parts BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('order_part', NEW.order_id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
CREATE TRIGGER order_parts_logged_update AFTER UPDATE ON order_parts BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO changes (kind, entity_id, sub_id, outlet_id, version, deleted)
        VALUES ('order_part', NEW.order_id, '', NEW.outlet_id, (SELECT version FROM change_counter WHERE id = 1), 0)
        ON CONFLICT (kind, entity_id, sub_id, outlet_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted;
END;
-- Touching each part fires its own update trigger (a trigger on another table: not recursion).
CREATE TRIGGER online_orders_logged_update AFTER UPDATE ON online_orders BEGIN
    UPDATE order_parts SET updated_at_ms = updated_at_ms WHERE order_id = NEW.id;
END;

-- The orders page: unfinished orders by date; customers matched by e-mail ignoring case (seed 004).
CREATE INDEX online_orders_by_status ON online_orders (status, created_at_ms, id);
CREATE INDEX customers_by_email_lower ON customers (lower(email));
CREATE INDEX held_online_orders_open ON held_online_orders (resolved, id);
