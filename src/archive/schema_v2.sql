-- Schema version 2: content judgement.

-- The normalized main text of each distinct payload, gzip-compressed, extracted when first
-- needed (a comparison or a diff); it can always be derived again from the archived payload.
CREATE TABLE texts (
    payload_sha256 TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,          -- html | text | binary
    title          TEXT,
    heading        TEXT,
    text_gz        BLOB                    -- NULL for binary payloads
);

-- What the source said when the article cited it: the first successful capture for the
-- citation (replaced by check --rebaseline).
ALTER TABLE citations ADD COLUMN reference_snapshot_id INTEGER REFERENCES snapshots(id);

-- Each check of a URL, judged for each citation of it.
CREATE TABLE judgements (
    id                    INTEGER PRIMARY KEY,
    citation_id           INTEGER NOT NULL REFERENCES citations(id),
    check_id              INTEGER NOT NULL REFERENCES checks(id),
    reference_snapshot_id INTEGER REFERENCES snapshots(id),
    change_vs_reference   TEXT,            -- unchanged | cosmetic | edited | replaced; NULL on first capture
    similarity_reference  REAL,
    previous_snapshot_id  INTEGER REFERENCES snapshots(id),
    change_vs_previous    TEXT,
    similarity_previous   REAL,
    UNIQUE (citation_id, check_id)
);

-- Why a check's outcome is soft-404 (JSON), and whether it was a conditional request.
ALTER TABLE checks ADD COLUMN evidence TEXT;
ALTER TABLE checks ADD COLUMN conditional INTEGER NOT NULL DEFAULT 0;

-- Judging looks up the citations of each URL checked.
CREATE INDEX citations_by_url ON citations (url_id);
