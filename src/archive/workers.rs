//! Several sweep workers on one archive (`sweep --worker`): the night's queue of due URLs,
//! claimed in batches, and each host's politeness budget, shared through the index.
//!
//! A worker is alive while its heartbeat holds: every third of its lease it pushes its
//! `alive_until` forward. Its claims and its host slots count only while it is alive, so a
//! worker killed with kill -9 holds nothing once its lease lapses, and the others take its
//! URLs over. A queued URL is marked done in the transaction that commits its check (see
//! `rows::insert_capture`), so no URL is checked twice in one sweep, even when a worker dies
//! between committing a batch and moving on. On SQLite claims are taken in an immediate
//! transaction (one writer at a time); on PostgreSQL by one `UPDATE ... FOR UPDATE SKIP LOCKED`,
//! so workers on several machines claim disjoint batches without waiting for each other.

use super::ArchiveError;
use super::index::{Index, IndexAt};
use crate::db::params;
use crate::fetch::politeness::SharedHosts;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Runs `f` in an immediate transaction of `conn` (taken by hand: the connection is shared,
/// and a deferred transaction that reads first cannot wait for another process's write lock).
pub(super) fn immediate<T, E>(
    conn: &crate::db::Connection,
    wrap: impl Fn(crate::db::Error) -> E,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    in_transaction(conn, "BEGIN IMMEDIATE", wrap, f)
}

/// Runs `f` in the transaction `begin` opens on `conn`: committed when it succeeds, rolled
/// back when it or the commit fails.
pub(super) fn in_transaction<T, E>(
    conn: &crate::db::Connection,
    begin: &str,
    wrap: impl Fn(crate::db::Error) -> E,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch(begin).map_err(&wrap)?;
    match f() {
        Ok(v) => {
            if let Err(e) = conn.execute_batch("COMMIT") {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(wrap(e));
            }
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

pub(super) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub(super) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// One sweep worker, registered in the index while it lives.
pub struct Worker {
    id: String,
    lease: Duration,
    at: IndexAt,
    /// This worker started the sweep and holds its first URL, not claimed yet (see `join`).
    reserved: AtomicBool,
    stop: Arc<AtomicBool>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
}

/// What joining the night's sweep found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    /// This worker started the sweep (it found none in progress).
    pub started: bool,
    /// URLs of the sweep not checked yet.
    pub pending: usize,
}

impl Worker {
    /// Registers a worker on the index at `at` and starts its heartbeat.
    pub fn start(at: &IndexAt, lease: Duration) -> Result<Self, ArchiveError> {
        let index = Index::open_at(at)?;
        let id = format!(
            "{}:{}:{:08x}",
            super::warcfile::hostname(),
            std::process::id(),
            fastrand::u32(..)
        );
        index
            .conn
            .execute(
                "INSERT INTO workers (id, started_at, alive_until) VALUES (?1, ?2, ?3)",
                params![
                    id,
                    crate::time::db_time(jiff::Timestamp::now()),
                    now_ms() + millis(lease)
                ],
            )
            .map_err(|e| index.wrap(e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (stop, id) = (Arc::clone(&stop), id.clone());
            std::thread::Builder::new()
                .name("worker-heartbeat".to_owned())
                .spawn(move || beat(&index, &id, lease, &stop))
                .map_err(|source| ArchiveError::Write {
                    path: PathBuf::from(at.display()),
                    source,
                })?
        };
        Ok(Self {
            id,
            lease,
            at: at.clone(),
            reserved: AtomicBool::new(false),
            stop,
            heartbeat: Some(heartbeat),
        })
    }

    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Joins the sweep in progress — one whose queue a live worker has claimed from — or
    /// starts one of the URLs `due` gives (asked only then, inside the transaction: two
    /// workers arriving at once do not both start one). A queue left by workers that all died
    /// gives way to what is due now (which holds what it had not checked).
    pub fn join(
        &self,
        index: &Index,
        due: impl FnOnce(&Index) -> Result<Vec<i64>, ArchiveError>,
    ) -> Result<Joined, ArchiveError> {
        let wrap = |e| ArchiveError::Index(index.wrap(e));
        immediate(&index.conn, wrap, || {
            // Host slots dead workers left (they count for nobody: cleared here, once a worker).
            index
                .conn
                .execute(
                    "DELETE FROM host_slots
                     WHERE worker NOT IN (SELECT id FROM workers WHERE alive_until >= ?1)",
                    [now_ms()],
                )
                .map_err(wrap)?;
            let pending = self.pending(index)?;
            let live: i64 = index
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM sweep_queue q JOIN workers w ON w.id = q.worker
                     WHERE w.alive_until >= ?1 AND w.id <> ?2",
                    params![now_ms(), self.id],
                    |r| r.get(0),
                )
                .map_err(wrap)?;
            if pending > 0 && live > 0 {
                return Ok(Joined {
                    started: false,
                    pending,
                });
            }
            let ids = due(index)?;
            let fill = || -> crate::db::Result<()> {
                index.conn.execute("DELETE FROM sweep_queue", ())?;
                let mut insert = index
                    .conn
                    .prepare_cached("INSERT OR IGNORE INTO sweep_queue (url_id) VALUES (?1)")?;
                for id in &ids {
                    insert.execute([id])?;
                }
                // The starter holds the first URL from the start (its first claim takes it
                // with the rest of its batch): a worker joining before that claim finds the
                // queue held by a live worker and joins it instead of starting it again.
                index.conn.execute(
                    "UPDATE sweep_queue SET worker = ?1
                     WHERE pos = (SELECT MIN(pos) FROM sweep_queue)",
                    [&self.id],
                )?;
                Ok(())
            };
            fill().map_err(wrap)?;
            self.reserved.store(true, Ordering::SeqCst);
            Ok(Joined {
                started: true,
                pending: ids.len(),
            })
        })
    }

    /// Claims up to `n` of the sweep's URLs that are not done and not held by another live
    /// worker (in the due order: least recently checked first).
    pub fn claim(&self, index: &Index, n: usize) -> Result<Vec<i64>, ArchiveError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        // Its own reservation is taken with the first batch.
        let reserved = if self.reserved.swap(false, Ordering::SeqCst) {
            self.id.as_str()
        } else {
            ""
        };
        if index.conn.is_postgres() {
            // Rows another worker is claiming are skipped, not waited for. The condition reads
            // the queue's row alone (no join): a row locked after another worker's claim
            // committed is checked again on its new version, and a joined row would be the
            // stale one (two workers would then both take it).
            let mut claimed: Vec<(i64, i64)> = index
                .conn
                .prepare_cached(
                    "UPDATE sweep_queue SET worker = ?1 WHERE pos IN (
                         SELECT q.pos FROM sweep_queue q
                         WHERE q.done = 0
                           AND (q.worker IS NULL OR q.worker = ?4
                                OR q.worker IN (SELECT id FROM workers WHERE alive_until < ?2)
                                OR q.worker NOT IN (SELECT id FROM workers))
                         ORDER BY q.pos LIMIT ?3 FOR UPDATE SKIP LOCKED)
                     RETURNING pos, url_id",
                )
                .and_then(|mut s| {
                    s.query_map(params![self.id, now_ms(), n, reserved], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect()
                })
                .map_err(|e| index.wrap(e))?;
            claimed.sort_unstable();
            return Ok(claimed.into_iter().map(|(_, url)| url).collect());
        }
        let claim = || -> crate::db::Result<Vec<i64>> {
            let ids = index
                .conn
                .prepare_cached(
                    "SELECT q.url_id FROM sweep_queue q LEFT JOIN workers w ON w.id = q.worker
                     WHERE q.done = 0 AND (w.id IS NULL OR w.alive_until < ?1 OR w.id = ?3)
                     ORDER BY q.pos LIMIT ?2",
                )?
                .query_map(params![now_ms(), n, reserved], |r| r.get::<_, i64>(0))?
                .collect::<crate::db::Result<Vec<_>>>()?;
            let mut take = index
                .conn
                .prepare_cached("UPDATE sweep_queue SET worker = ?1 WHERE url_id = ?2")?;
            for id in &ids {
                take.execute(params![self.id, id])?;
            }
            Ok(ids)
        };
        immediate(
            &index.conn,
            |e| ArchiveError::Index(index.wrap(e)),
            || claim().map_err(|e| ArchiveError::Index(index.wrap(e))),
        )
    }

    /// URLs of the sweep not checked yet, whoever holds them.
    pub fn pending(&self, index: &Index) -> Result<usize, ArchiveError> {
        let n: i64 = index
            .conn
            .query_row("SELECT COUNT(*) FROM sweep_queue WHERE done = 0", (), |r| {
                r.get(0)
            })
            .map_err(|e| index.wrap(e))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Marks the batch `ids` dealt with (its checks marked their own URLs already).
    pub fn finish(&self, index: &Index, ids: &[i64]) -> Result<(), ArchiveError> {
        let run = || -> crate::db::Result<()> {
            let mut done = index.conn.prepare_cached(
                "UPDATE sweep_queue SET done = 1 WHERE url_id = ?1 AND worker = ?2 AND done = 0",
            )?;
            for id in ids {
                done.execute(params![id, self.id])?;
            }
            Ok(())
        };
        immediate(
            &index.conn,
            |e| ArchiveError::Index(index.wrap(e)),
            || run().map_err(|e| ArchiveError::Index(index.wrap(e))),
        )
    }

    /// Gives back the URLs this worker claimed and did not check (a stopped run).
    pub fn release(&self, index: &Index) -> Result<(), ArchiveError> {
        index
            .conn
            .execute(
                "UPDATE sweep_queue SET worker = NULL WHERE worker = ?1 AND done = 0",
                [&self.id],
            )
            .map_err(|e| index.wrap(e))?;
        Ok(())
    }

    /// How long to wait, with nothing left to claim, before looking again: for the other
    /// workers to finish (then the sweep is over) or to die (then their URLs are free once
    /// their lease lapses). A count of the pending rows, cheap enough to ask often.
    #[must_use]
    pub fn poll(&self) -> Duration {
        (self.lease / 4).min(Duration::from_millis(200))
    }

    /// The hosts' politeness budget shared with the other workers, through a connection of
    /// its own.
    pub fn shared_hosts(&self) -> Result<Arc<dyn SharedHosts>, ArchiveError> {
        let index = Index::open_at(&self.at)?;
        Ok(Arc::new(super::hosts::IndexHosts::start(
            index,
            self.id.clone(),
        )?))
    }
}

/// Marks `url_id` done in the night's shared sweep, if it is queued there: called in the
/// transaction that commits its check, so a worker killed right after the commit leaves
/// nothing to check again.
pub(super) fn checked(tx: &crate::db::Transaction<'_>, url_id: i64) -> crate::db::Result<()> {
    tx.prepare_cached("UPDATE sweep_queue SET done = 1 WHERE url_id = ?1 AND done = 0")?
        .execute([url_id])?;
    Ok(())
}

/// Pushes the worker's `alive_until` forward every third of its lease until `stop`.
fn beat(index: &Index, id: &str, lease: Duration, stop: &AtomicBool) {
    let every = lease / 3;
    let mut last = std::time::Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50).min(every));
        if last.elapsed() < every {
            continue;
        }
        last = std::time::Instant::now();
        if let Err(error) = index.conn.execute(
            "UPDATE workers SET alive_until = ?1 WHERE id = ?2",
            params![now_ms() + millis(lease), id],
        ) {
            tracing::warn!("worker {id}: heartbeat not written: {error}");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(heartbeat) = self.heartbeat.take() {
            let _ = heartbeat.join();
        }
        // What it held is free at once for the others (a killed worker's lapses instead).
        if let Ok(index) = Index::open_at(&self.at) {
            let _ = immediate(
                &index.conn,
                |e| e,
                || {
                    index.conn.execute(
                        "UPDATE sweep_queue SET worker = NULL WHERE worker = ?1 AND done = 0",
                        [&self.id],
                    )?;
                    index
                        .conn
                        .execute("DELETE FROM host_slots WHERE worker = ?1", [&self.id])?;
                    index
                        .conn
                        .execute("DELETE FROM workers WHERE id = ?1", [&self.id])
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::hosts::UNSHARED;

    fn queue(index: &Index) -> Vec<(i64, i64)> {
        index
            .conn
            .prepare("SELECT url_id, done FROM sweep_queue ORDER BY pos")
            .unwrap()
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_queue_left_by_dead_workers_gives_way_and_a_live_one_is_joined() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        let index = Index::open(&path).unwrap();
        index
            .conn
            .execute_batch(
                "INSERT INTO urls (id, url, host) VALUES (1, 'http://a.test/1', 'a.test'),
                     (2, 'http://a.test/2', 'a.test'), (3, 'http://a.test/3', 'a.test');
                 INSERT INTO workers (id, started_at, alive_until) VALUES ('dead', 'x', 0);
                 INSERT INTO sweep_queue (url_id, worker, done) VALUES (1, 'dead', 1), (2, 'dead', 0);",
            )
            .unwrap();
        let lease = Duration::from_secs(60);
        let first = Worker::start(&IndexAt::File(path.clone()), lease).unwrap();
        // Last night's workers all died: tonight's due list replaces their queue.
        let joined = first.join(&index, |_| Ok(vec![2, 3])).unwrap();
        assert_eq!(
            joined,
            Joined {
                started: true,
                pending: 2
            }
        );
        assert_eq!(queue(&index), [(2, 0), (3, 0)]);
        assert_eq!(first.claim(&index, 1).unwrap(), [2]);
        // A second worker joins the queue a live worker claims from, and asks for no list.
        let second = Worker::start(&IndexAt::File(path.clone()), lease).unwrap();
        let joined = second
            .join(&index, |_| panic!("a live sweep is joined"))
            .unwrap();
        assert!(!joined.started);
        assert_eq!(second.claim(&index, 5).unwrap(), [3]);
        assert!(second.claim(&index, 5).unwrap().is_empty());
        // The first gives its claim back when it stops; the second takes it.
        first.release(&index).unwrap();
        assert_eq!(second.claim(&index, 5).unwrap(), [2]);
        second.finish(&index, &[2, 3]).unwrap();
        assert_eq!(second.pending(&index).unwrap(), 0);
    }

    #[test]
    fn the_shared_budget_holds_per_host_and_a_broken_index_holds_nothing_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        let worker = Worker::start(&IndexAt::File(path.clone()), Duration::from_secs(60)).unwrap();
        let hosts = worker.shared_hosts().unwrap();
        let a = hosts.try_take("a.test", 2).unwrap();
        let _b = hosts.try_take("a.test", 2).unwrap();
        assert_eq!(hosts.try_take("a.test", 2), None);
        assert!(hosts.try_take("b.test", 2).is_some());
        hosts.give_back(a);
        assert!(hosts.try_take("a.test", 2).is_some());
        let first = hosts
            .book_start("a.test", Duration::from_millis(500))
            .unwrap();
        let second = hosts
            .book_start("a.test", Duration::from_millis(500))
            .unwrap();
        assert_eq!(second - first, 500);
        // The index fails: requests go ahead (within the worker's own limits).
        let index = Index::open(&path).unwrap();
        index.conn.execute_batch("DROP TABLE host_slots").unwrap();
        assert_eq!(hosts.try_take("a.test", 2), Some(UNSHARED));
        hosts.give_back(UNSHARED);
    }
}
