//! The index: what was checked, when, and where each record lies. SQLite by default; a
//! PostgreSQL database when `index_url` names one (`schema_pg.sql`, the same tables).
//!
//! `index.sqlite` in WAL mode, with a busy timeout so that two processes (an editor's check during
//! the nightly sweep) take turns. The schema is versioned with `PRAGMA user_version` and migrated
//! forward on open; an index written by a newer provcheck is refused, never altered. The schema
//! text is readable with `sqlite3 archive/index.sqlite .schema`.

use crate::db::Connection;
use rusqlite::OpenFlags;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// URLs per statement when their ids are looked up or inserted by the chunk (two parameters a
/// row at most, well under SQLite's 32,766 and PostgreSQL's 65,535).
pub(crate) const URL_ROWS: usize = 500;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 17;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// Migrations, in order: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("schema.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
    include_str!("schema_v9.sql"),
    include_str!("schema_v10.sql"),
    include_str!("schema_v11.sql"),
    include_str!("schema_v12.sql"),
    include_str!("schema_v13.sql"),
    include_str!("schema_v14.sql"),
    include_str!("schema_v15.sql"),
    include_str!("schema_v16.sql"),
    include_str!("schema_v17.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: crate::db::Error,
    },
    #[error(
        "index {path} has schema version {found}, newer than this provcheck understands ({SCHEMA_VERSION}); upgrade provcheck to use this archive"
    )]
    TooNew { path: PathBuf, found: i64 },
    #[error(
        "index {path} holds no provcheck archive (its database has no provcheck tables): `provcheck check` or `provcheck sweep` creates one there, or name another with --index-url"
    )]
    Empty { path: PathBuf },
    #[error(
        "index {path} has schema version {found}, older than this provcheck reads without upgrading it, and the archive cannot be written: {source}"
    )]
    CannotUpgrade {
        path: PathBuf,
        found: i64,
        #[source]
        source: Box<IndexError>,
    },
}

/// The oldest schema a read-only open reads as it stands (8 and 7 added columns that readers
/// query; 9 and 6 corrected data only; 10 added a table readers look for before they query it).
const READABLE_FROM: i64 = 8;

/// The PostgreSQL schema: the tables of `SCHEMA_VERSION` in PostgreSQL's types.
const SCHEMA_PG: &str = include_str!("schema_pg.sql");

/// PostgreSQL from version 16 (the first it was created at) to 17: the same migration as
/// SQLite's (`schema_v17.sql`), an index made partial.
const PG_V17: &str = include_str!("schema_v17.sql");

/// The advisory lock held while a PostgreSQL index's schema is created or checked.
const SCHEMA_LOCK: i64 = 0x7072_6f76_6368_6b01;

/// Where an archive's index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexAt {
    /// An SQLite file (`index.sqlite` in the archive directory).
    File(PathBuf),
    /// A PostgreSQL database, by its URL (`index_url`).
    Postgres(String),
}

impl IndexAt {
    /// The index an `index_url` names: `postgres://` or `postgresql://` URLs (a password is
    /// better given by PGPASSWORD-style means than in a file: it is never printed).
    pub fn from_url(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        match parsed.scheme() {
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            other => Err(format!(
                "{other}: expected a postgres:// URL (the default index is index.sqlite in the archive directory)"
            )),
        }
    }

    /// How messages name it: the file, or the URL without its password.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("REDACTED"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://…".to_owned(),
            },
        }
    }
}

/// An open index.
pub struct Index {
    pub(crate) conn: Connection,
    path: PathBuf,
    at: IndexAt,
}

impl Index {
    /// Opens (creating if needed) and migrates the index at `path`.
    ///
    /// Two processes opening a new archive at once race to switch it to WAL mode, which needs the
    /// database to themselves and does not wait on the busy timeout: a busy answer while opening
    /// is retried for up to a minute.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let started = std::time::Instant::now();
        loop {
            match Self::try_open(path) {
                Err(IndexError::Sqlite { source, .. })
                    if is_busy(&source) && started.elapsed() < Duration::from_secs(60) =>
                {
                    std::thread::sleep(Duration::from_millis(20 + u64::from(fastrand::u8(..))));
                }
                other => return other,
            }
        }
    }

    fn try_open(path: &Path) -> Result<Self, IndexError> {
        let wrap = |source| IndexError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = rusqlite::Connection::open(path).map_err(|e| wrap(e.into()))?;
        let wrap = |e: rusqlite::Error| wrap(e.into());
        conn.busy_timeout(Duration::from_secs(60)).map_err(wrap)?;
        // The writer alone cycles through about twenty statements per capture; rusqlite's
        // default cache of 16 would evict and re-parse some of them for every capture. And
        // without the query planner stability guarantee SQLite re-plans some cached statements
        // whenever a parameter is bound anew (perf: half the writer thread's CPU went to
        // re-parsing); our queries never want a plan that depends on the value.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(wrap)?;
        let mut index = Self {
            conn: Connection::from_sqlite(conn),
            path: path.to_path_buf(),
            at: IndexAt::File(path.to_path_buf()),
        };
        index.migrate()?;
        Ok(index)
    }

    /// Opens (creating if needed) the index at `at`.
    pub fn open_at(at: &IndexAt) -> Result<Self, IndexError> {
        match at {
            IndexAt::File(path) => Self::open(path),
            IndexAt::Postgres(url) => Self::open_postgres(url, false),
        }
    }

    /// Opens an existing index at `at` for reading (see [`Index::open_read_only`]).
    pub fn open_read_only_at(at: &IndexAt) -> Result<Self, IndexError> {
        match at {
            IndexAt::File(path) => Self::open_read_only(path),
            IndexAt::Postgres(url) => Self::open_postgres(url, true),
        }
    }

    /// Connects to a PostgreSQL index, creating its tables in an empty database (under an
    /// advisory lock: several workers may start at once). A reader's connection (`read_only`)
    /// creates nothing: its session is read-only, and an empty database is no archive.
    fn open_postgres(url: &str, read_only: bool) -> Result<Self, IndexError> {
        let at = IndexAt::Postgres(url.to_owned());
        let path = PathBuf::from(at.display());
        let wrap = |source| IndexError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::connect_postgres(url).map_err(wrap)?;
        if read_only {
            conn.set_read_only().map_err(wrap)?;
        }
        let found = (|| -> crate::db::Result<Option<i64>> {
            // Read committed, not a snapshot: what is read once the lock is granted must be
            // what the process that held it (creating the tables) committed.
            conn.execute_batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            let tx = &conn;
            tx.query_row(
                "SELECT pg_advisory_xact_lock(?1)",
                [SCHEMA_LOCK],
                |_| Ok(()),
            )?;
            let exists: bool = tx.query_row(
                "SELECT to_regclass('provcheck_schema') IS NOT NULL",
                (),
                |r| r.get(0),
            )?;
            let found = if exists {
                let found = tx.query_row("SELECT MAX(version) FROM provcheck_schema", (), |r| {
                    r.get::<_, Option<i64>>(0)
                })?;
                match found {
                    Some(16) if !read_only => {
                        tx.execute_batch(PG_V17)?;
                        tx.execute("INSERT INTO provcheck_schema (version) VALUES (17)", ())?;
                        Some(17)
                    }
                    found => found,
                }
            } else if read_only {
                None
            } else {
                tx.execute_batch(SCHEMA_PG)?;
                tx.execute(
                    "INSERT INTO provcheck_schema (version) VALUES (?1)",
                    [SCHEMA_VERSION],
                )?;
                Some(SCHEMA_VERSION)
            };
            tx.execute_batch("COMMIT")?;
            Ok(found)
        })()
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            wrap(e)
        })?;
        let Some(found) = found else {
            return Err(IndexError::Empty { path });
        };
        if found > SCHEMA_VERSION {
            return Err(IndexError::TooNew { path, found });
        }
        Ok(Self { conn, path, at })
    }

    /// Where this index lives.
    #[must_use]
    pub fn at(&self) -> &IndexAt {
        &self.at
    }

    /// Opens an existing index for reading only: nothing is written, not even the WAL's shared
    /// memory when the archive cannot be written (a read-only mount, another user's archive):
    /// the file is then read as immutable. An index of an older schema is migrated first by a
    /// read-write open, which fails with its own message when the archive cannot be written.
    pub fn open_read_only(path: &Path) -> Result<Self, IndexError> {
        let wrap = |source| IndexError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let read_only = |uri: bool| -> rusqlite::Result<(rusqlite::Connection, i64)> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = if uri {
                let uri = format!(
                    "file:{}?immutable=1",
                    path.display()
                        .to_string()
                        .replace('%', "%25")
                        .replace('?', "%3f")
                        .replace('#', "%23")
                );
                rusqlite::Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?
            } else {
                rusqlite::Connection::open_with_flags(path, flags)?
            };
            conn.busy_timeout(Duration::from_secs(60))?;
            let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok((conn, version))
        };
        // The WAL's shared memory is created beside the index when it is missing; where that is
        // refused, the file is read as it stands.
        let (conn, found) = read_only(false)
            .or_else(|_| read_only(true))
            .map_err(|e| wrap(e.into()))?;
        if found > SCHEMA_VERSION {
            return Err(IndexError::TooNew {
                path: path.to_path_buf(),
                found,
            });
        }
        if found < SCHEMA_VERSION {
            // Upgraded when the archive can be written; read as it stands when it cannot and
            // the tables are those of today.
            match Self::open(path) {
                Ok(index) => return Ok(index),
                Err(_) if found >= READABLE_FROM => {}
                Err(error) => {
                    return Err(IndexError::CannotUpgrade {
                        path: path.to_path_buf(),
                        found,
                        source: Box::new(error),
                    });
                }
            }
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            conn: Connection::from_sqlite(conn),
            path: path.to_path_buf(),
            at: IndexAt::File(path.to_path_buf()),
        })
    }

    /// A second connection to the same index, for reading only: rows streamed from it while
    /// this connection writes elsewhere (the run's manifest, read twice).
    pub(crate) fn second_reader(&self) -> Result<Connection, IndexError> {
        match &self.at {
            IndexAt::File(path) => {
                rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map(Connection::from_sqlite)
                    .map_err(|e| self.wrap(e.into()))
            }
            IndexAt::Postgres(url) => Connection::connect_postgres(url).map_err(|e| self.wrap(e)),
        }
    }

    /// Whether this connection cannot write (the caches of texts and Wayback answers are then
    /// not filled).
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.conn.is_read_only()
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn wrap(&self, source: crate::db::Error) -> IndexError {
        IndexError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), IndexError> {
        // An immediate transaction: two processes opening a new archive at once must not both
        // create the tables.
        let path = self.path.clone();
        let wrap = |source| IndexError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(crate::db::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let found: i64 = tx
            .query_row("PRAGMA user_version", (), |r| r.get(0))
            .map_err(wrap)?;
        if found > SCHEMA_VERSION {
            return Err(IndexError::TooNew { path, found });
        }
        for (version, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(wrap)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1))
                .map_err(wrap)?;
        }
        tx.commit().map_err(wrap)
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<i64, IndexError> {
        if self.conn.is_postgres() {
            return self
                .conn
                .query_row("SELECT MAX(version) FROM provcheck_schema", (), |r| {
                    r.get(0)
                })
                .map_err(|e| self.wrap(e));
        }
        self.conn
            .query_row("PRAGMA user_version", (), |r| r.get(0))
            .map_err(|e| self.wrap(e))
    }

    /// The id of `url`, inserting it if new (see [`Self::url_ids`]).
    pub(crate) fn url_id(conn: &Connection, url: &url::Url) -> crate::db::Result<i64> {
        Self::url_ids(conn, &[url])?
            .remove(url.as_str())
            .ok_or(crate::db::Error::NoRows)
    }

    /// The ids of `urls`, inserting those that are new: one statement when all are known, three
    /// when some are not (a URL another writer adds meanwhile is found by the second look).
    pub(crate) fn url_ids(
        conn: &Connection,
        urls: &[&url::Url],
    ) -> crate::db::Result<HashMap<String, i64>> {
        let mut distinct: Vec<&str> = urls.iter().map(|u| u.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut ids = Self::lookup_urls(conn, &distinct)?;
        let missing: Vec<&url::Url> = {
            let mut seen = std::collections::HashSet::new();
            urls.iter()
                .copied()
                .filter(|u| !ids.contains_key(u.as_str()) && seen.insert(u.as_str()))
                .collect()
        };
        if missing.is_empty() {
            return Ok(ids);
        }
        for chunk in missing.chunks(URL_ROWS) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2))
                .collect();
            let args = chunk
                .iter()
                .flat_map(|u| [u.as_str(), u.host_str().unwrap_or_default()]);
            conn.prepare_cached(&format!(
                "INSERT INTO urls (url, host) VALUES {} ON CONFLICT (url) DO NOTHING",
                values.join(", ")
            ))?
            .execute(crate::db::params_from_iter(args))?;
        }
        let missing: Vec<&str> = missing.iter().map(|u| u.as_str()).collect();
        ids.extend(Self::lookup_urls(conn, &missing)?);
        Ok(ids)
    }

    /// The ids of those of `urls` (distinct) the index has.
    fn lookup_urls(conn: &Connection, urls: &[&str]) -> crate::db::Result<HashMap<String, i64>> {
        let mut ids = HashMap::with_capacity(urls.len());
        for chunk in urls.chunks(URL_ROWS) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT url, id FROM urls WHERE url IN ({})",
                marks.join(", ")
            ))?;
            let rows = stmt.query_map(crate::db::params_from_iter(chunk.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (url, id) = row?;
                ids.insert(url, id);
            }
        }
        Ok(ids)
    }
}

/// Whether SQLite said another connection holds the lock.
fn is_busy(error: &crate::db::Error) -> bool {
    error.is_busy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_index_gets_the_current_schema_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        let index = Index::open(&path).unwrap();
        assert_eq!(index.schema_version().unwrap(), SCHEMA_VERSION);
        drop(index);
        assert_eq!(
            Index::open(&path).unwrap().schema_version().unwrap(),
            SCHEMA_VERSION
        );
    }

    #[test]
    fn processes_opening_a_new_index_at_once_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Index::open(&path).map(|i| i.schema_version().unwrap()))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), SCHEMA_VERSION);
        }
    }

    #[test]
    fn a_version_1_index_is_migrated_forward() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch("PRAGMA user_version = 1;").unwrap();
        }
        let index = Index::open(&path).unwrap();
        assert_eq!(index.schema_version().unwrap(), SCHEMA_VERSION);
        index
            .conn
            .execute_batch(
                "SELECT reference_snapshot_id FROM citations; SELECT count(*) FROM judgements;",
            )
            .unwrap();
    }

    #[test]
    fn an_index_from_a_newer_provcheck_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
                .unwrap();
        }
        let err = Index::open(&path).err().unwrap();
        assert!(matches!(err, IndexError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("99"));
        let conn = rusqlite::Connection::open(&path).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                (),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 1, "nothing was created in the newer index");
    }
}
