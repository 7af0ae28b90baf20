-- Online receipt numbers (`MTL1-W-000042`) are counted per orders register and shared by every
-- connected store sending orders there; a connection's own sequence now only keys its sales
-- (device `online:<connection>`, seq). Before, two stores at one register printed the same numbers.
-- Seeded past every online receipt printed so far (each was numbered by its sale's seq); a register
-- with none gets its row at its first online order.
CREATE TABLE online_receipts (
    register_id TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
);
INSERT INTO online_receipts (register_id, next_seq)
    SELECT register_id, MAX(seq) + 1 FROM sales WHERE device_id LIKE 'online:%' GROUP BY register_id;
