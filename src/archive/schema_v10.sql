-- Schema version 10: one verdict policy per archive.
--
-- The sweep and the report replayed verdicts under whatever configuration was in force when
-- each ran, so they could disagree about the same archive. The policy is stored here; the
-- latest row is the archive's. A sweep stores the configuration's policy the first time, and
-- again only when told to (sweep --set-policy): every change is a row with its time.
CREATE TABLE IF NOT EXISTS policies (
    id      INTEGER PRIMARY KEY,
    set_at  TEXT NOT NULL,
    policy  TEXT NOT NULL    -- JSON: confirm_failures, confirm_spacing_secs,
                             -- count_server_errors, count_timeouts
);
