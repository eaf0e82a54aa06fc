-- Schema version 15: indexes for reading a run back.
--
-- A run's manifest lists its checks (by run) and each check's captures (by check); without
-- these, closing a run of N checks scanned the snapshots table N times (a 100,000-URL sweep
-- spent most of its 12 minutes there), and `verify --chain` scanned the checks once per run.
CREATE INDEX IF NOT EXISTS snapshots_by_check ON snapshots (check_id);
CREATE INDEX IF NOT EXISTS checks_by_run ON checks (run_id);
