-- Notes managers add to a sale in the back office (sales history: tracking details, a remark).
-- The id is the client's: a double click or a retry inserts nothing more (the primary key).
CREATE TABLE sale_notes (
    id TEXT PRIMARY KEY,
    sale_id TEXT NOT NULL REFERENCES sales(id),
    outlet_id TEXT NOT NULL,
    text TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX sale_notes_by_sale ON sale_notes (sale_id, at_ms);

-- A note changes the sale as devices know it: when the sale is still in the change log (its newest
-- 1000 sales), it is logged again so registers pull it.
CREATE TRIGGER sale_notes_logged AFTER INSERT ON sale_notes
    WHEN EXISTS (SELECT 1 FROM changes WHERE kind = 'sale' AND entity_id = NEW.sale_id) BEGIN
    UPDATE change_counter SET version = version + 1 WHERE id = 1;
    UPDATE changes SET version = (SELECT version FROM change_counter WHERE id = 1)
        WHERE kind = 'sale' AND entity_id = NEW.sale_id;
END;
