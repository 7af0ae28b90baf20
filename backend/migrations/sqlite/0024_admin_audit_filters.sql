-- Administration (issue 12 item 7): the journal's filters by action and by staff member, each read
-- newest first by id like the unfiltered log (`audit_by_outlet` serves the outlet filter).
CREATE INDEX audit_by_action ON audit_log (action, id);
CREATE INDEX audit_by_staff ON audit_log (staff_id, id);
