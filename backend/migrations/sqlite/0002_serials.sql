-- Serial numbers (seed 000): one row per unit of a product, registered for an outlet, marked "sold on"
-- (Vendu le) with the sale that sold it, and kept until deleted — whatever the product's flag says.
CREATE TABLE serials (
    product_id TEXT NOT NULL REFERENCES products(id),
    serial TEXT NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id),   -- where the unit is, or was sold from
    sold_sale_id TEXT,                  -- NULL while in stock
    sold_at_ms INTEGER,
    returned_sale_id TEXT,              -- the last return that put the unit back in stock
    returned_original_sale_id TEXT,     -- the sale that return came from
    returned_at_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (product_id, serial)
);
CREATE INDEX serials_by_outlet ON serials (outlet_id);
CREATE INDEX serials_by_sale ON serials (sold_sale_id);

-- What sync found wrong but could not refuse (a paid sale is a fact): for a manager to resolve.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                 -- serial_sold_twice, serial_return_mismatch, serial_invalid
    sale_id TEXT NOT NULL REFERENCES sales(id),
    detail TEXT NOT NULL,               -- JSON naming what is involved
    created_at_ms INTEGER NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conflicts_open ON conflicts (resolved, id);
