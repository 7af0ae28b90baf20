-- Rapport Z (issue 12 item 5): each drawer count recorded with what the day's report expected when
-- it was counted (shared::report::RecordedCount). A recount is a new row, never an edit.
CREATE TABLE cash_counts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope_kind TEXT NOT NULL,           -- 'register' or 'outlet' (shared::report::ReportScope)
    scope_id TEXT NOT NULL,
    date TEXT NOT NULL,                 -- the outlet's local day, YYYY-MM-DD
    opening_float_cents BIGINT NOT NULL,
    expected_cents BIGINT NOT NULL,
    counted_cents BIGINT NOT NULL,
    counted_by TEXT NOT NULL,           -- staff id
    at_ms BIGINT NOT NULL
);
CREATE INDEX cash_counts_by_day ON cash_counts (scope_kind, scope_id, date, id);
