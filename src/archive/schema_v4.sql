-- Schema version 4: audit reports.

-- Wayback Machine availability answers, so that a report asks once per URL and citation date and
-- gives the same suggestions every time. Failed lookups are not stored.
CREATE TABLE wayback_lookups (
    endpoint          TEXT NOT NULL,        -- the availability API asked
    url               TEXT NOT NULL,        -- normalized
    timestamp         TEXT NOT NULL,        -- the citation date asked for, 14 digits
    looked_up_at      TEXT NOT NULL,
    capture_url       TEXT,                 -- NULL: the Wayback Machine has no capture
    capture_timestamp TEXT,                 -- 14 digits
    PRIMARY KEY (endpoint, url, timestamp)
);
