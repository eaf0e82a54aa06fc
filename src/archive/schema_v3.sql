-- Schema version 3: the nightly sweep.

-- A citation its article no longer has: kept, with its history, but no longer checked.
ALTER TABLE citations ADD COLUMN retired_run_id INTEGER REFERENCES runs(id);
