-- Catalogue › Produits (issue 12, SQLite 0019): the back office pages products by name (keyset on
-- name, id), so a search walks this index and stops at a page of matches instead of sorting the whole
-- catalog. Names sort byte-wise (COLLATE "C"), as SQLite sorts them: both stores page alike.
CREATE INDEX products_by_name ON products (name COLLATE "C", id);
