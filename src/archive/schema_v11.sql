-- Schema version 11: a tamper-evident record of the runs (issue 17).
--
-- Each run closes with a manifest: its checks and their captures (URL, time, outcome, record
-- ids and digests) as JSON lines, whose first line names the previous run's manifest by its
-- SHA-256, so that the manifests form a chain. The manifest is written to the WARC as a
-- `metadata` record (record_id) and its hash kept here; `verify --chain` recomputes each one from
-- the index and the WARC files.
CREATE TABLE IF NOT EXISTS manifests (
    run_id       INTEGER PRIMARY KEY REFERENCES runs(id),
    sha256       TEXT NOT NULL,          -- hex, of the manifest's bytes
    prev_sha256  TEXT,                   -- the previous manifest's; NULL for the first
    record_id    INTEGER NOT NULL REFERENCES records(id),
    created_at   TEXT NOT NULL
);
