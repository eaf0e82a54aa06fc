-- provcheck index, schema version 1. Times are RFC 3339 UTC text; digests are lower-case hex
-- (SHA-256) or base32 (SHA-1, as in Wayback CDX).

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- check | sweep
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    pid         INTEGER NOT NULL,
    version     TEXT NOT NULL,            -- provcheck version
    status      TEXT NOT NULL DEFAULT 'running'  -- running | finished | failed | interrupted
);

CREATE TABLE articles (
    id           TEXT PRIMARY KEY,        -- file stem
    path         TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    first_run_id INTEGER NOT NULL REFERENCES runs(id),
    last_run_id  INTEGER NOT NULL REFERENCES runs(id)
);

CREATE TABLE urls (
    id   INTEGER PRIMARY KEY,
    url  TEXT NOT NULL UNIQUE,            -- normalized
    host TEXT NOT NULL
);

-- One row per (article, cited URL); a URL cited several times in one article is one citation,
-- at its first position.
CREATE TABLE citations (
    id             INTEGER PRIMARY KEY,
    article_id     TEXT NOT NULL REFERENCES articles(id),
    url_key        TEXT NOT NULL,         -- the normalized URL, or the URL as written if invalid
    url_id         INTEGER REFERENCES urls(id),
    url_as_written TEXT NOT NULL,
    line           INTEGER NOT NULL,
    col            INTEGER NOT NULL,
    section        TEXT NOT NULL,
    anchor         TEXT,
    first_run_id   INTEGER NOT NULL REFERENCES runs(id),
    last_run_id    INTEGER NOT NULL REFERENCES runs(id),
    UNIQUE (article_id, url_key)
);

CREATE TABLE warc_files (
    id         INTEGER PRIMARY KEY,
    path       TEXT NOT NULL UNIQUE,      -- relative to the archive directory
    created_at TEXT NOT NULL,
    state      TEXT NOT NULL,             -- open | closed | recovered
    size       INTEGER                    -- bytes of complete records, once closed or recovered
);

-- Every record written, so that verify can re-read each one.
CREATE TABLE records (
    id             INTEGER PRIMARY KEY,
    warc_file_id   INTEGER NOT NULL REFERENCES warc_files(id),
    offset         INTEGER NOT NULL,      -- of the gzip member
    length         INTEGER NOT NULL,      -- of the gzip member
    record_type    TEXT NOT NULL,         -- warcinfo | request | response | revisit
    record_id      TEXT NOT NULL,         -- <urn:uuid:...>
    target_uri     TEXT,
    date           TEXT NOT NULL,
    block_sha256   TEXT NOT NULL,
    payload_sha256 TEXT                   -- responses and revisits
);
CREATE INDEX records_by_file ON records (warc_file_id, offset);

-- Every fetch of a URL.
CREATE TABLE checks (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    url_id        INTEGER NOT NULL REFERENCES urls(id),
    checked_at    TEXT NOT NULL,
    outcome       TEXT NOT NULL,          -- kebab-case outcome
    http_status   INTEGER,
    final_url     TEXT,
    chain         TEXT NOT NULL,          -- JSON [{url, status}]
    permanent     INTEGER,
    detail        TEXT,
    attempts      INTEGER NOT NULL,
    elapsed_ms    INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    snapshot_id   INTEGER REFERENCES snapshots(id)  -- the final response's capture
);
CREATE INDEX checks_by_url ON checks (url_id, checked_at);

-- Every response archived (redirect hops included), as a response or revisit record.
CREATE TABLE snapshots (
    id                INTEGER PRIMARY KEY,
    url_id            INTEGER NOT NULL REFERENCES urls(id),  -- the URL requested in this exchange
    check_id          INTEGER REFERENCES checks(id),
    captured_at       TEXT NOT NULL,
    record_id         INTEGER NOT NULL REFERENCES records(id),
    request_record_id INTEGER REFERENCES records(id),
    http_status       INTEGER NOT NULL,
    content_type      TEXT,
    content_encoding  TEXT,
    payload_length    INTEGER NOT NULL,   -- bytes of payload as delivered (0 for a revisit)
    payload_sha256    TEXT NOT NULL,
    payload_sha1      TEXT NOT NULL,      -- base32
    truncated         TEXT,               -- length | time | disconnect
    revisit_of        INTEGER REFERENCES snapshots(id)  -- the capture holding the payload
);
CREATE INDEX snapshots_by_url ON snapshots (url_id, captured_at);
CREATE INDEX snapshots_by_payload ON snapshots (payload_sha256);
