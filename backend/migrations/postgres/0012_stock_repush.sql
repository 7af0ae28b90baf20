-- A change of a store's online outlets restarts its stock push from the beginning
-- (shared::stock::online::restart_after_outlet_change): the outlets that left, whose products must be
-- published again (as less, or 0) though no stock moves there for this store any more. JSON array,
-- emptied when a push reaches the head of the change log. SQLite: 0018.
ALTER TABLE connections ADD COLUMN stock_repush_outlets TEXT NOT NULL DEFAULT '[]';
