//! The archive: WARC files of every capture and the index (SQLite or PostgreSQL) that points
//! into them.
//!
//! One [`Archive`] per process owns its open WARC file and its index connection; fetch tasks
//! hand prepared captures to it through [`writer::ArchiveWriter`], a single writer thread. The
//! write path is: append records, sync the file, then commit the index rows in one transaction,
//! so an index row never points at a record that is not complete on disk.

mod hosts;
pub mod index;
pub mod judging;
pub mod manifest;
pub mod migrate;
pub mod objects;
pub mod policy;
pub mod prepare;
pub mod query;
mod register;
mod revalidation;
mod rows;
mod store;
pub mod sweeping;
pub mod verify;
pub mod wacz;
mod warcfile;
pub mod workers;
pub mod writer;

use crate::db::{OptionalExtension, params};
use crate::outcome::Outcome;
use index::{Index, IndexAt, IndexError};
use prepare::PreparedExchange;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use url::Url;
use warcfile::{OpenWarc, Recovery};

/// Where and how to archive.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    pub dir: PathBuf,
    /// Where the index is: `index.sqlite` in `dir`, or a PostgreSQL database (`index_url`).
    pub index: index::IndexAt,
    /// Start a new WARC file when the current one would grow past this.
    pub rotate_at: u64,
    /// gzip level of every record, 0–9.
    pub gzip_level: u32,
    /// How a 304 to a conditional re-check is written.
    pub not_modified: NotModifiedRecord,
    /// Where `edited` ends and `replaced` begins.
    pub thresholds: crate::content::similarity::Thresholds,
    /// Who captures, and how: written in every file's `warcinfo` record.
    pub warcinfo: WarcinfoFields,
    /// The bucket the WARC files go to (`warc_url`), else the archive directory.
    pub bucket: Option<objects::Bucket>,
}

/// What a `warcinfo` record says of the capture beyond the software and format.
#[derive(Debug, Clone, Default)]
pub struct WarcinfoFields {
    /// The organisation that runs provcheck (config key `operator`).
    pub operator: Option<String>,
    /// The `User-Agent` every request carries.
    pub user_agent: String,
    /// How robots.txt was treated.
    pub robots: String,
}

/// The `Content-Type` of a revalidation record's block: JSON lines, one per 304.
pub const REVALIDATIONS_TYPE: &str = "application/x-ndjson; profile=provcheck-revalidations";

/// How a `304 Not Modified` answer to a conditional re-check is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotModifiedRecord {
    /// One WARC `metadata` record per written batch, a JSON line per 304 (URL, time, the
    /// validators sent and received, the record validated); the check points at the validated
    /// snapshot. About 200 bytes per unchanged URL, archive and index together.
    Compact,
    /// A `revisit` record (server-not-modified profile: the 304 as it came, referring to the
    /// record that holds the payload) per 304, and a snapshot of its own: what replay tools
    /// expect. The request is not kept: it was the conditional GET with the validators of the
    /// capture the revisit refers to. About 1.4 KB per unchanged URL, archive and index
    /// together (4.4 % of a real page's first capture).
    Revisit,
    /// As `Revisit`, and the `request` record of each 304 too (the exact bytes sent):
    /// about 0.8 KB more per unchanged URL.
    RevisitAndRequest,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot create archive directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot write WARC file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot upload WARC file {path}: {source}")]
    Upload {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot recover WARC file {path}: {source}")]
    Recover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is not an archive (it has no index.sqlite): `provcheck check` or `provcheck sweep` creates one there, or name another with --archive",
        .dir.display()
    )]
    NotAnArchive { dir: PathBuf },
}

/// A fetch, ready to archive.
#[derive(Debug, Clone)]
pub struct PreparedCapture {
    /// The cited URL (normalized).
    pub url: Url,
    pub checked_at: jiff::Timestamp,
    pub outcome: Outcome,
    pub exchanges: Vec<PreparedExchange>,
    /// The final response's payload as delivered, for judging its content.
    pub final_payload: Vec<u8>,
    /// Why the outcome is soft-404 (JSON), when it is.
    pub evidence: Option<String>,
    /// The snapshot whose validators the request carried, if it was conditional.
    pub conditional_of: Option<i64>,
}

/// Where a capture was stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub check_id: i64,
    /// The final response's capture, when there was a response.
    pub snapshot: Option<SnapshotRef>,
    /// The capture judged for each citation of the URL.
    pub judgements: Vec<crate::content::judge::Judgement>,
    /// The page turned from the cited article into a short not-found page: the check was
    /// recorded as a soft-404, with this evidence.
    pub missing: Option<crate::content::soft404::Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRef {
    pub payload_sha256: String,
    pub warc_file: String,
    pub offset: u64,
    /// `response` or `revisit`.
    pub record_type: &'static str,
}

/// The writer's pid in a WARC file name: `.../provcheck-<time>-<pid>-<serial>.warc.gz`.
fn writer_pid(path: &str) -> Option<i64> {
    let name = path.rsplit('/').next()?;
    let mut parts = name.split('-');
    (parts.next()? == "provcheck").then_some(())?;
    parts.next()?;
    parts.next()?.parse().ok()
}

/// What a run does with the references of the citations it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum References {
    /// Keep them: the first successful capture of a citation stays its reference.
    Keep,
    /// Replace them with this run's captures (`check --rebaseline`).
    Rebaseline,
}

/// A file found open at start-up, and what was done with it.
#[derive(Debug, Clone)]
pub struct RecoveryNote {
    pub warc_file: String,
    pub cut_bytes: u64,
}

pub struct Archive {
    root: PathBuf,
    options: ArchiveOptions,
    index: Index,
    current: Option<OpenWarc>,
    serial: u32,
    /// The record id of the `warcinfo` record that opens this process's first file: every
    /// record this process writes names it in `WARC-Warcinfo-ID`.
    warcinfo_id: String,
    /// Whether that record is written yet.
    warcinfo_written: bool,
}

impl Archive {
    /// Opens (creating if needed) the archive, and recovers files left open by writers that died.
    pub fn open(options: ArchiveOptions) -> Result<(Self, Vec<RecoveryNote>), ArchiveError> {
        let root = options.dir.clone();
        std::fs::create_dir_all(&root).map_err(|source| ArchiveError::CreateDir {
            path: root.clone(),
            source,
        })?;
        let index = Index::open_at(&options.index)?;
        let mut archive = Self {
            root,
            options,
            index,
            current: None,
            serial: 0,
            warcinfo_id: crate::warc::new_record_id(),
            warcinfo_written: false,
        };
        let notes = archive.recover()?;
        Ok((archive, notes))
    }

    /// The `WARC-Warcinfo-ID` of every record this archive writes.
    #[must_use]
    pub fn warcinfo_id(&self) -> &str {
        &self.warcinfo_id
    }

    /// Opens an existing archive's index read-only (verify, history, show, export): it works
    /// on an archive that cannot be written.
    pub fn open_existing(dir: &Path, at: &IndexAt) -> Result<Index, ArchiveError> {
        match at {
            IndexAt::File(_) => Ok(Index::open_read_only(&Self::existing_index(dir, at)?)?),
            IndexAt::Postgres(_) => Ok(Index::open_read_only_at(at)?),
        }
    }

    /// Opens an existing archive's index for a reader that caches what it computes (report,
    /// diff: extracted texts, Wayback answers): read-write when the archive can be written,
    /// else read-only, without the caches.
    pub fn open_reader(dir: &Path, at: &IndexAt) -> Result<Index, ArchiveError> {
        if let IndexAt::Postgres(_) = at {
            return Ok(Index::open_at(at)?);
        }
        let path = Self::existing_index(dir, at)?;
        match Index::open(&path) {
            Ok(index) => Ok(index),
            Err(IndexError::TooNew { path, found }) => {
                Err(ArchiveError::Index(IndexError::TooNew { path, found }))
            }
            Err(error) => Index::open_read_only(&path).map_err(|_| ArchiveError::Index(error)),
        }
    }

    fn existing_index(dir: &Path, at: &IndexAt) -> Result<PathBuf, ArchiveError> {
        let path = match at {
            IndexAt::File(path) => path.clone(),
            IndexAt::Postgres(_) => dir.join("index.sqlite"),
        };
        if !path.exists() {
            return Err(ArchiveError::NotAnArchive {
                dir: dir.to_path_buf(),
            });
        }
        Ok(path)
    }

    /// The index, for reading.
    #[must_use]
    pub fn index(&self) -> &Index {
        &self.index
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Recovers the WARC files whose writers died (cutting torn tails), and marks their runs
    /// `interrupted`.
    fn recover(&mut self) -> Result<Vec<RecoveryNote>, ArchiveError> {
        let open: Vec<(i64, String, u64)> = {
            let mut stmt = self
                .index
                .conn
                .prepare(
                    "SELECT f.id, f.path, COALESCE(MAX(r.offset + r.length), 0)
                     FROM warc_files f LEFT JOIN records r ON r.warc_file_id = f.id
                     WHERE f.state = 'open' GROUP BY f.id",
                )
                .map_err(|e| self.index.wrap(e))?;
            stmt.query_map((), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.cast_unsigned()))
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.index.wrap(e))?
        };
        let mut notes = Vec::new();
        for (id, rel, known_end) in open {
            let path = self.root.join(&rel);
            let recovery =
                warcfile::recover(&path, known_end).map_err(|source| ArchiveError::Recover {
                    path: path.clone(),
                    source,
                })?;
            let (state, size) = match recovery {
                Recovery::InUse => continue,
                Recovery::Missing => ("missing", 0),
                Recovery::Recovered { size, cut } => {
                    notes.push(RecoveryNote {
                        warc_file: rel.clone(),
                        cut_bytes: cut,
                    });
                    ("recovered", size)
                }
            };
            self.index
                .conn
                .execute(
                    "UPDATE warc_files SET state = ?1, size = ?2 WHERE id = ?3",
                    params![state, size.cast_signed(), id],
                )
                .map_err(|e| self.index.wrap(e))?;
            // Written for a bucket and never uploaded: it goes where its records belong. Until
            // an upload succeeds the index keeps the local file, which every reader finds.
            if state == "recovered"
                && self.options.bucket.is_some()
                && let Err(error) = self.upload(id, &rel, size, state)
            {
                tracing::warn!("{error}: kept in the archive directory");
            }
            // The file's writer is gone: a run of that process still 'running' never ended
            // (killed, or a full disk refused its last index write). Its pid is in the file name.
            if let Some(pid) = writer_pid(&rel) {
                self.index
                    .conn
                    .execute(
                        "UPDATE runs SET status = 'interrupted'
                         WHERE status = 'running' AND pid = ?1
                           AND started_at <= (SELECT created_at FROM warc_files WHERE id = ?2)",
                        params![pid, id],
                    )
                    .map_err(|e| self.index.wrap(e))?;
            }
        }
        self.interrupt_dead_runs()?;
        Ok(notes)
    }

    /// Marks `interrupted` every run still `running` whose process is gone, found or not by a
    /// file recovery: a full disk can refuse a run's last index write after its WARC file was
    /// closed, and nothing else would ever end that run. A pid that exists (perhaps reused) is
    /// left alone.
    fn interrupt_dead_runs(&mut self) -> Result<(), ArchiveError> {
        let running: Vec<(i64, i64)> = self
            .index
            .conn
            .prepare("SELECT id, pid FROM runs WHERE status = 'running'")
            .and_then(|mut stmt| {
                stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.index.wrap(e))?;
        let me = i64::from(std::process::id());
        for (id, pid) in running {
            let gone = pid != me && !Path::new(&format!("/proc/{pid}")).exists();
            if gone && Path::new("/proc/self").exists() {
                self.index
                    .conn
                    .execute(
                        "UPDATE runs SET status = 'interrupted' WHERE id = ?1 AND status = 'running'",
                        [id],
                    )
                    .map_err(|e| self.index.wrap(e))?;
            }
        }
        Ok(())
    }

    /// Records the start of a run; returns its id.
    pub fn begin_run(&mut self, kind: &str, now: jiff::Timestamp) -> Result<i64, ArchiveError> {
        self.index
            .conn
            .execute(
                "INSERT INTO runs (kind, started_at, pid, version) VALUES (?1, ?2, ?3, ?4)",
                params![
                    kind,
                    crate::time::db_time(now),
                    std::process::id(),
                    env!("CARGO_PKG_VERSION")
                ],
            )
            .map_err(|e| self.index.wrap(e))?;
        self.index
            .conn
            .last_insert_rowid()
            .map_err(|e| self.index.wrap(e).into())
    }

    fn index_path(&self) -> PathBuf {
        self.index.path().to_path_buf()
    }

    /// Marks a run finished and closes the WARC file.
    pub fn finish_run(
        &mut self,
        run_id: i64,
        status: &str,
        now: jiff::Timestamp,
    ) -> Result<(), ArchiveError> {
        // The run is sealed with its manifest before its file closes. A manifest that cannot be
        // written (a full disk) is said; what the run archived is kept either way, and
        // `verify --chain` names the run without one.
        if let Err(error) = self.write_manifest(run_id, now) {
            tracing::warn!("run {run_id}: cannot write its manifest: {error}");
        }
        self.close_file()?;
        self.index
            .conn
            .execute(
                "UPDATE runs SET finished_at = ?1, status = ?2 WHERE id = ?3",
                params![crate::time::db_time(now), status, run_id],
            )
            .map_err(|e| self.index.wrap(e))?;
        Ok(())
    }

    /// The validators of the latest successful capture of each URL, for conditional re-checks,
    /// with the snapshot they came from.
    pub fn validators(
        &self,
        urls: &[Url],
    ) -> Result<HashMap<Url, (crate::fetch::Validators, i64)>, ArchiveError> {
        validators_of(&self.index, urls)
    }
}

pub(super) fn wrap(path: &Path, source: crate::db::Error) -> ArchiveError {
    ArchiveError::Index(IndexError::Sqlite {
        path: path.to_path_buf(),
        source,
    })
}

/// The validators of the latest successful capture of each URL, for conditional re-checks,
/// with the snapshot they came from, read through any connection to the index.
pub fn validators_of(
    index: &Index,
    urls: &[Url],
) -> Result<HashMap<Url, (crate::fetch::Validators, i64)>, ArchiveError> {
    // One row per URL: a plain statement, not a scan's cursor (a round trip, not three, on
    // PostgreSQL).
    let mut stmt = index
        .conn
        .prepare_cached(
            "SELECT c.etag, c.last_modified, s.id FROM checks c JOIN urls u ON u.id = c.url_id
             JOIN snapshots s ON s.id = c.snapshot_id
             WHERE u.url = ?1 AND (s.http_status = 200 OR s.http_status = 304)
               AND (c.etag IS NOT NULL OR c.last_modified IS NOT NULL)
             ORDER BY c.id DESC LIMIT 1",
        )
        .map_err(|e| index.wrap(e))?;
    let mut out = HashMap::new();
    for url in urls {
        let row: Option<(Option<String>, Option<String>, i64)> = stmt
            .query_row([url.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(|e| index.wrap(e))?;
        if let Some((etag, last_modified, snapshot)) = row {
            out.insert(
                url.clone(),
                (
                    crate::fetch::Validators {
                        etag,
                        last_modified,
                    },
                    snapshot,
                ),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
impl ArchiveOptions {
    /// An embedded archive in `dir` (SQLite, WARC files in the directory), for unit tests.
    pub(crate) fn embedded(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            index: IndexAt::File(dir.join("index.sqlite")),
            rotate_at: 1 << 30,
            gzip_level: 3,
            not_modified: NotModifiedRecord::Compact,
            thresholds: crate::content::similarity::Thresholds::default(),
            warcinfo: WarcinfoFields::default(),
            bucket: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_pid_is_read_from_a_warc_file_name() {
        assert_eq!(
            writer_pid("warc/2026/11/provcheck-20261128183815-8318-00001.warc.gz"),
            Some(8318)
        );
        assert_eq!(writer_pid("warc/2026/11/other-1-2-3.warc.gz"), None);
    }

    #[test]
    fn a_run_whose_process_is_gone_is_interrupted_on_open_and_a_live_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let options = ArchiveOptions::embedded(dir.path());
        {
            let (archive, _) = Archive::open(options.clone()).unwrap();
            // A pid no process has (beyond the kernel's limit), and our own.
            archive
                .index
                .conn
                .execute_batch(&format!(
                    "INSERT INTO runs (kind, started_at, pid, version, status)
                     VALUES ('check', 'x', 2147483646, 'x', 'running'),
                            ('check', 'x', {}, 'x', 'running');",
                    std::process::id()
                ))
                .unwrap();
        }
        let (archive, _) = Archive::open(options).unwrap();
        let statuses: Vec<String> = archive
            .index
            .conn
            .prepare("SELECT status FROM runs ORDER BY id")
            .unwrap()
            .query_map((), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(statuses, ["interrupted", "running"]);
    }
}
