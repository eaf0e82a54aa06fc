-- Schema version 16: several sweep workers sharing one archive (`sweep --worker`).
--
-- A worker is alive while its heartbeat holds (`alive_until`, Unix milliseconds, renewed every
-- third of the lease). Its claims on the queue and its host slots count only while it is alive:
-- a worker killed with kill -9 leaves rows that lapse with its lease, and the others take over.
CREATE TABLE IF NOT EXISTS workers (
    id          TEXT PRIMARY KEY,      -- host:pid:random
    started_at  TEXT NOT NULL,
    alive_until INTEGER NOT NULL       -- Unix ms
);

-- The night's sweep: the URLs due when its first worker arrived. A row is done in the same
-- transaction as the check that covers it, so a URL is never checked twice in one sweep, even by
-- a worker killed between committing and moving on.
CREATE TABLE IF NOT EXISTS sweep_queue (
    pos    INTEGER PRIMARY KEY,        -- the due order: least recently checked first
    url_id INTEGER NOT NULL UNIQUE REFERENCES urls(id),
    worker TEXT,                       -- the worker that claimed it, NULL while free
    done   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sweep_queue_pending ON sweep_queue (pos) WHERE done = 0;
CREATE INDEX IF NOT EXISTS sweep_queue_by_worker ON sweep_queue (worker) WHERE done = 0;

-- Each host's politeness budget, shared: a row per request in flight (at most
-- host_concurrency per host among live workers) and the next start any worker may book.
CREATE TABLE IF NOT EXISTS host_slots (
    id     INTEGER PRIMARY KEY,
    host   TEXT NOT NULL,
    worker TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS host_slots_by_host ON host_slots (host);
CREATE TABLE IF NOT EXISTS host_turns (
    host       TEXT PRIMARY KEY,
    next_start INTEGER NOT NULL        -- Unix ms
);
