-- Catalogue › Produits (issue 12, SQLite 0019): the back office pages products by name (keyset on
-- name, id), so a search walks this index and stops at a page of matches instead of sorting the whole
-- catalog; the filters' columns ride along. Names sort byte-wise (COLLATE "C"), as SQLite sorts them:
-- both stores page alike.
CREATE INDEX products_by_name ON products (name COLLATE "C", id) INCLUDE (sku, barcode, tax_class, tracks_serials, low_stock_threshold);

-- A CSV import writes up to 200 000 products in one transaction. Bumping the change counter once per
-- row updates its one row 200 000 times in that transaction, and each bump walks the row's growing
-- chain of versions: the import slows quadratically. An import sets `comptoir.bulk_products` for its
-- transaction (`SET LOCAL`) and logs its products itself in one statement (`store/postgres/products.rs`,
-- `log_products`: the counter moved once by the number of rows, one version each, one notification);
-- every other write is logged by this trigger as before.
CREATE OR REPLACE FUNCTION products_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('comptoir.bulk_products', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN PERFORM log_change('product', OLD.id, '', '', TRUE); RETURN OLD; END IF;
    PERFORM log_change('product', NEW.id, '', '', FALSE); RETURN NEW;
END $$;
