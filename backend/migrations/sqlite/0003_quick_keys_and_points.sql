-- The register's touch pad and loyalty points per product (seed 003).
ALTER TABLE products ADD COLUMN quick_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN loyalty_points INTEGER NOT NULL DEFAULT 0;
