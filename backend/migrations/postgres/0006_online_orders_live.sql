-- Online orders on the change log = SQLite 0012 (entity `order_part`: entity_id = order id, sub_id = '',
-- outlet_id = the part's outlet). An update of an order logs each of its parts, each its own version.

CREATE FUNCTION order_parts_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM log_change('order_part', NEW.order_id, '', NEW.outlet_id, FALSE); RETURN NEW;
END $$;
CREATE TRIGGER order_parts_logged_insert AFTER INSERT ON order_parts FOR EACH ROW EXECUTE FUNCTION order_parts_logged();
CREATE TRIGGER order_parts_logged_update AFTER UPDATE ON order_parts FOR EACH ROW EXECUTE FUNCTION order_parts_logged();

CREATE FUNCTION online_orders_logged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE part RECORD;
BEGIN
    FOR part IN SELECT outlet_id FROM order_parts WHERE order_id = NEW.id ORDER BY outlet_id COLLATE "C" LOOP
        PERFORM log_change('order_part', NEW.id, '', part.outlet_id, FALSE);
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER online_orders_logged_update AFTER UPDATE ON online_orders FOR EACH ROW EXECUTE FUNCTION online_orders_logged();

CREATE INDEX online_orders_by_status ON online_orders (status, created_at_ms, id COLLATE "C");
CREATE INDEX customers_by_email_lower ON customers (lower(email));
CREATE INDEX held_online_orders_open ON held_online_orders (resolved, id);
