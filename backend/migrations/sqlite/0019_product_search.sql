-- Catalogue › Produits (issue 12): the back office pages products by name (keyset on name, id), so a
-- search walks this index and stops at a page of matches instead of sorting the whole catalog. The
-- filters' columns ride along: a row that does not match is skipped without reading the table
-- (measured at 100 000 products: a search matching nothing 375 → 67 ms, a filter 5× faster).
CREATE INDEX products_by_name ON products (name, id, sku, barcode, tax_class, tracks_serials, low_stock_threshold);
