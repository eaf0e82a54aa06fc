-- Schema version 13: an independent witness for each capture (issue 17).
--
-- What the Wayback Machine's CDX server (or another, `witness_endpoint`) said about a capture
-- of ours within a window around it: `witnessed` (a capture with our payload's SHA-1),
-- `witness-differs` (the nearest capture, and how similar its main text is to ours) or
-- `no-witness`. A cache: an answer is final only when it was looked up after the window
-- closed; failures are never stored.
CREATE TABLE IF NOT EXISTS witnesses (
    endpoint     TEXT NOT NULL,
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    window_secs  INTEGER NOT NULL,
    looked_up_at TEXT NOT NULL,
    status       TEXT NOT NULL,        -- witnessed | witness-differs | no-witness
    timestamp    TEXT,                 -- the witness's capture time, 14 digits
    url          TEXT,                 -- where the witness replays it
    similarity   REAL,                 -- witness-differs: its main text against ours
    PRIMARY KEY (endpoint, snapshot_id, window_secs)
);
