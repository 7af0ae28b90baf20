-- Catalogue › Produits: a quick key's place on the register's pad (1 first; NULL: after the placed
-- keys, by name — shared::catalog::quick_key_order). The products triggers log the change.
ALTER TABLE products ADD COLUMN quick_key_position INTEGER;
