-- Each outlet's IANA time zone: when its days (Z report) and months (statements) start.
ALTER TABLE outlets ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/Toronto';
