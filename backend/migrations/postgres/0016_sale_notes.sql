-- = SQLite 0022: notes managers add to a sale (sales history), keyed by the client's id.
CREATE TABLE sale_notes (
    id TEXT PRIMARY KEY,
    sale_id TEXT NOT NULL REFERENCES sales(id),
    outlet_id TEXT NOT NULL,
    text TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX sale_notes_by_sale ON sale_notes (sale_id, at_ms);

-- The sale logged again when it is still in the change log (its newest 1000 sales).
CREATE FUNCTION sale_notes_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changes WHERE kind = 'sale' AND entity_id = NEW.sale_id) THEN
        PERFORM log_change('sale', NEW.sale_id, '', NEW.outlet_id, FALSE);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sale_notes_logged_insert AFTER INSERT ON sale_notes FOR EACH ROW EXECUTE FUNCTION sale_notes_logged();
