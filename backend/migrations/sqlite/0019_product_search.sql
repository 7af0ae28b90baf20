-- Catalogue › Produits (issue 12): the back office pages products by name (keyset on name, id), so a
-- search walks this index and stops at a page of matches instead of sorting the whole catalog.
CREATE INDEX products_by_name ON products (name, id);
