//! Each host's politeness budget shared by sweep workers through the index (see
//! [`super::workers`]): `host_slots`, the requests in flight per host among live workers, and
//! `host_turns`, the next start any worker may book.

use super::ArchiveError;
use super::index::Index;
use super::workers::{immediate, in_transaction, millis, now_ms};
use crate::db::{OptionalExtension, params};
use crate::fetch::politeness::SharedHosts;
use std::path::PathBuf;
use std::time::Duration;

/// The slot of a request let through without the shared budget (the index failed).
pub(super) const UNSHARED: i64 = -1;

/// The politeness budget in the index: `host_slots` (requests in flight, per host, among live
/// workers) and `host_turns` (the next start any worker may book), on a connection owned by a
/// thread of its own. Every request asks it three to five times, from the fetcher's runtime,
/// where the blocking PostgreSQL client cannot run: a call was a thread spawned and joined
/// each; now it is a message to this thread and its answer.
pub(super) struct IndexHosts {
    jobs: std::sync::mpsc::Sender<Job>,
    worker: String,
    /// The index, for messages.
    path: String,
}

/// A call on the budget's connection.
type Job = Box<dyn FnOnce(&Index) + Send>;

impl IndexHosts {
    pub(super) fn start(index: Index, worker: String) -> Result<Self, ArchiveError> {
        let path = index.path().display().to_string();
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("shared-hosts".to_owned())
            .spawn(move || {
                // Until the budget is dropped (its sender with it).
                for job in queue {
                    job(&index);
                }
            })
            .map_err(|source| ArchiveError::Write {
                path: PathBuf::from(&path),
                source,
            })?;
        Ok(Self { jobs, worker, path })
    }

    /// `f` run on the budget's connection; `None` when its thread is gone (logged).
    fn call<T: Send + 'static>(&self, f: impl FnOnce(&Index) -> T + Send + 'static) -> Option<T> {
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        let sent = self.jobs.send(Box::new(move |index: &Index| {
            let _ = answer.send(f(index));
        }));
        let got = sent.ok().and_then(|()| answered.recv().ok());
        if got.is_none() {
            tracing::warn!(
                "shared host budget in {}: its connection is gone",
                self.path
            );
        }
        got
    }

    /// Runs `f` in a transaction that has `host`'s budget to itself: SQLite's immediate one;
    /// on PostgreSQL one holding an advisory lock of that host's (so that taking a host's slot
    /// never waits for another worker committing a batch). `None` (logged) when the index
    /// cannot be written.
    fn immediate<T: Send + 'static>(
        &self,
        host: &str,
        f: impl FnOnce(&crate::db::Connection) -> crate::db::Result<T> + Send + 'static,
    ) -> Option<T> {
        let host = host.to_owned();
        self.call(move |index| {
            let result = if index.conn.is_postgres() {
                host_transaction(&index.conn, &host, || f(&index.conn))
            } else {
                immediate(&index.conn, |e| e, || f(&index.conn))
            };
            result
                .map_err(|error| {
                    tracing::warn!("shared host budget in {}: {error}", index.path().display());
                })
                .ok()
        })
        .flatten()
    }
}

impl SharedHosts for IndexHosts {
    fn try_take(&self, host: &str, per_host: usize) -> Option<i64> {
        let now = now_ms();
        let per_host = i64::try_from(per_host).unwrap_or(i64::MAX);
        let (key, worker) = (host.to_owned(), self.worker.clone());
        // One statement (a round trip counts on PostgreSQL): a slot, if fewer than `per_host`
        // are held by live workers (a dead worker's lapse with its lease; `join` clears them).
        self.immediate(host, move |conn| {
            conn.prepare_cached(
                "INSERT INTO host_slots (host, worker)
                 SELECT ?1, ?2 WHERE (SELECT COUNT(*) FROM host_slots s
                                      JOIN workers w ON w.id = s.worker
                                      WHERE s.host = ?1 AND w.alive_until >= ?3) < ?4
                 RETURNING id",
            )?
            .query_row(params![key, worker, now, per_host], |r| r.get(0))
            .optional()
        })
        // An index that cannot be written (said above) must not hold every fetch back for
        // ever: the request goes ahead within this worker's own limits, and the run ends on
        // the writer's failure soon after.
        .unwrap_or(Some(UNSHARED))
    }

    fn give_back(&self, slot: i64) {
        if slot == UNSHARED {
            return;
        }
        self.call(move |index| {
            if let Err(error) = index
                .conn
                .prepare_cached("DELETE FROM host_slots WHERE id = ?1")
                .and_then(|mut stmt| stmt.execute([slot]))
            {
                tracing::warn!("shared host budget: slot {slot} not given back: {error}");
            }
        });
    }

    fn book_start(&self, host: &str, interval: Duration) -> Option<i64> {
        // One upsert, atomic on its own (the host's row is locked while it is moved on): the
        // start booked is the later of now and the host's next start, which moves on by the
        // interval.
        let host = host.to_owned();
        self.call(move |index| {
            index
                .conn
                .prepare_cached(
                    "INSERT INTO host_turns (host, next_start)
                     VALUES (?1, CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT))
                     ON CONFLICT (host) DO UPDATE SET next_start =
                         CASE WHEN host_turns.next_start > ?2 THEN host_turns.next_start ELSE ?2 END
                         + ?3
                     RETURNING next_start - ?3",
                )
                .and_then(|mut s| {
                    s.query_row(params![host, now_ms(), millis(interval)], |r| r.get(0))
                })
                .map_err(|error| {
                    tracing::warn!("shared host budget in {}: {error}", index.path().display());
                })
                .ok()
        })
        .flatten()
    }
}

/// Runs `f` in a PostgreSQL transaction holding `host`'s advisory lock (read committed: what
/// it reads once the lock is granted is what the previous holder committed).
fn host_transaction<T>(
    conn: &crate::db::Connection,
    host: &str,
    f: impl FnOnce() -> crate::db::Result<T>,
) -> crate::db::Result<T> {
    // BEGIN and the lock in one round trip: the host as a literal, its quotes doubled.
    let begin = format!(
        "BEGIN ISOLATION LEVEL READ COMMITTED;
         SELECT pg_advisory_xact_lock(hashtextextended('{}', 1))",
        host.replace('\'', "''")
    );
    in_transaction(conn, &begin, |e| e, f)
}
