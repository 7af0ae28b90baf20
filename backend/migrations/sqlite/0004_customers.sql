-- Customer accounts and loyalty (seed 003). Money is integer cents. A balance is a sum of entries,
-- like stock: positive is store credit the customer holds, negative what they owe on account.

-- Account terms; a customer without a row has no credit and no automatic discount.
CREATE TABLE customer_accounts (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id),
    credit_limit_cents INTEGER NOT NULL DEFAULT 0,      -- maximum overdraft ("autorisation de découvert")
    automatic_discount_bp INTEGER NOT NULL DEFAULT 0    -- basis points (500 = 5 %)
);

-- A payment on account at a register or in the back office; idempotent on its id.
CREATE TABLE account_payments (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    register_id TEXT REFERENCES registers(id),          -- NULL: recorded in the back office
    outlet_id TEXT REFERENCES outlets(id),
    reference TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    body TEXT NOT NULL                                  -- the whole AccountPayment (JSON), verified
);
CREATE INDEX account_payments_by_customer ON account_payments (customer_id);

-- Every movement of a balance (shared::account::AccountEntry). No foreign key on customer_id: a paid
-- sale naming a customer the server does not know is kept, with a conflict for a manager.
CREATE TABLE account_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- charge, store_credit, payment (EntryKind's serde names)
    reference TEXT NOT NULL,            -- the receipt or payment reference
    amount_cents INTEGER NOT NULL,      -- its effect on the balance
    sale_id TEXT REFERENCES sales(id),
    payment_id TEXT REFERENCES account_payments(id),
    created_at_ms INTEGER NOT NULL      -- when the sale or payment was made (register clock)
);
CREATE INDEX account_entries_by_customer ON account_entries (customer_id, created_at_ms);

-- Which customer a sale was made for, so history and loyalty read only that customer's sales.
ALTER TABLE sales ADD COLUMN customer_id TEXT;
CREATE INDEX sales_by_customer ON sales (customer_id, created_at_ms);
UPDATE sales SET customer_id = json_extract(body, '$.customer_id') WHERE json_extract(body, '$.customer_id') IS NOT NULL;

-- Which sales return items of which (a returned line's `return_of.sale_id`): the server checks a
-- return's refund against its original and the returns made before it.
CREATE TABLE sale_returns (
    original_sale_id TEXT NOT NULL,
    return_sale_id TEXT NOT NULL REFERENCES sales(id),
    PRIMARY KEY (original_sale_id, return_sale_id)
);
INSERT OR IGNORE INTO sale_returns (original_sale_id, return_sale_id)
    SELECT json_extract(l.value, '$.return_of.sale_id'), s.id
    FROM sales s, json_each(s.body, '$.lines') l
    WHERE json_extract(l.value, '$.return_of.sale_id') IS NOT NULL;

-- The loyalty card (shared::loyalty::LoyaltyProgram) lives in `meta`: keys loyalty_points_threshold
-- and loyalty_visit_threshold (0 or absent: that kind of loyalty is off).
