-- Receipts print the outlet's tax registration numbers (TPS/GST `123456789 RT0001`, TVQ/QST
-- `1234567890 TQ0001`), normalised by shared::tax::registration_number; '' = not registered.
-- The outlets triggers log the change, so registers pull the numbers like any outlet edit.
ALTER TABLE outlets ADD COLUMN gst_number TEXT NOT NULL DEFAULT '';
ALTER TABLE outlets ADD COLUMN qst_number TEXT NOT NULL DEFAULT '';
