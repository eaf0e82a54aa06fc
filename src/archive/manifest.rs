//! A tamper-evident record of the runs (issue 17): each run closes with a manifest of its
//! checks and their captures — URL, time, outcome, status, the records that hold the evidence
//! and their digests — whose first line names the previous run's manifest by its SHA-256. The
//! manifest is written to the WARC as a `metadata` record and its hash kept in the index
//! (`manifests`), so that [`verify_chain`] can recompute every link from the index and
//! the WARC files and name the first one that does not hold: an edited, removed or reordered
//! row, or an edited manifest record.

use super::rows::{WrittenRecord, insert_record_row};
use super::{Archive, ArchiveError};
use crate::db::{OptionalExtension, params};
use crate::warc::Sha256;
use serde_json::json;

/// The `Content-Type` of a manifest record.
pub const MANIFEST_TYPE: &str = "application/x-ndjson; profile=provcheck-manifest";

/// The manifest of `run_id` as JSON lines, from the index: a head line (the run and the previous
/// manifest's hash), then one line per check in the order they were recorded, each with the
/// records of its captures and their digests. Deterministic: the same rows give the same bytes.
/// Each line goes to `sink` as it is read, so that a run of a million checks is never held in
/// memory (`sink`'s errors stop the reading).
pub(super) fn manifest_lines(
    conn: &crate::db::Connection,
    run_id: i64,
    prev: Option<&str>,
    sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<(), ManifestError> {
    let (kind, started_at): (String, String) = conn.query_row(
        "SELECT kind, started_at FROM runs WHERE id = ?1",
        [run_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut out = json!({
        "manifest": 1,
        "run": run_id,
        "kind": kind,
        "started_at": started_at,
        "prev_sha256": prev,
    })
    .to_string()
    .into_bytes();
    out.push(b'\n');
    sink(&out)?;
    // One scan of the run's checks joined with their captures (a run may hold a million checks:
    // read a page at a time on PostgreSQL), a line per check written when its last capture has
    // been read. One statement, not one per check: a round trip each on PostgreSQL.
    let mut rows = conn.prepare(
        "SELECT k.id, u.url, k.checked_at, k.outcome, k.http_status, k.final_url, k.detail,
                rv.record_id, rv.block_sha256,
                s.id, su.url, s.http_status, s.payload_sha256, r.record_id, r.block_sha256,
                q.record_id, q.block_sha256
         FROM checks k JOIN urls u ON u.id = k.url_id
         LEFT JOIN records rv ON rv.id = k.revalidation_record_id
         LEFT JOIN snapshots s ON s.check_id = k.id
         LEFT JOIN urls su ON su.id = s.url_id
         LEFT JOIN records r ON r.id = s.record_id
         LEFT JOIN records q ON q.id = s.request_record_id
         WHERE k.run_id = ?1 ORDER BY k.id, s.id",
    )?;
    let rows = rows.query_map([run_id], |r| {
        let check = json!({
            "check": r.get::<_, i64>(0)?,
            "url": r.get::<_, String>(1)?,
            "checked_at": r.get::<_, String>(2)?,
            "outcome": r.get::<_, String>(3)?,
            "http_status": r.get::<_, Option<i64>>(4)?,
            "final_url": r.get::<_, Option<String>>(5)?,
            "detail": r.get::<_, Option<String>>(6)?,
            "revalidation": r.get::<_, Option<String>>(7)?.map(|id| json!({
                "record": id,
                "block_sha256": r.get::<_, Option<String>>(8).ok().flatten(),
            })),
        });
        let capture = match r.get::<_, Option<i64>>(9)? {
            Some(snapshot) => Some(json!({
                "snapshot": snapshot,
                "url": r.get::<_, String>(10)?,
                "http_status": r.get::<_, i64>(11)?,
                "payload_sha256": r.get::<_, String>(12)?,
                "record": r.get::<_, String>(13)?,
                "block_sha256": r.get::<_, String>(14)?,
                "request_record": r.get::<_, Option<String>>(15)?,
                "request_block_sha256": r.get::<_, Option<String>>(16)?,
            })),
            None => None,
        };
        Ok((r.get::<_, i64>(0)?, check, capture))
    })?;
    let mut emit = |line: Option<(i64, serde_json::Value, Vec<serde_json::Value>)>| {
        let Some((_, mut line, list)) = line else {
            return Ok(());
        };
        line["captures"] = serde_json::Value::Array(list);
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        sink(&bytes)
    };
    let mut current: Option<(i64, serde_json::Value, Vec<serde_json::Value>)> = None;
    for row in rows {
        let (check_id, line, capture) = row?;
        if current.as_ref().is_none_or(|(id, _, _)| *id != check_id) {
            emit(current.take())?;
            current = Some((check_id, line, Vec::new()));
        }
        if let (Some(capture), Some((_, _, list))) = (capture, current.as_mut()) {
            list.push(capture);
        }
    }
    emit(current)?;
    Ok(())
}

/// Why a manifest could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(super) enum ManifestError {
    #[error(transparent)]
    Index(#[from] crate::db::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ManifestError {
    /// As the archive says it, naming the index.
    fn into_archive(self, index: &std::path::Path) -> ArchiveError {
        match self {
            Self::Index(e) => super::wrap(index, e),
            Self::Io(source) => ArchiveError::Write {
                path: index.to_path_buf(),
                source,
            },
        }
    }
}

/// The manifest's SHA-256 and length, read once through.
pub(super) fn manifest_digest(
    conn: &crate::db::Connection,
    run_id: i64,
    prev: Option<&str>,
) -> Result<(Sha256, u64), ManifestError> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut len = 0u64;
    manifest_lines(conn, run_id, prev, &mut |line| {
        hasher.update(line);
        len += line.len() as u64;
        Ok(())
    })?;
    Ok((Sha256(hasher.finalize().into()), len))
}

/// A run's manifest as the index has it: its hash, the previous one's, its record, and the
/// time-stamp authority's reply when there is one.
type Link = (String, Option<String>, i64, Option<Vec<u8>>);

/// The first link of the chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub run_id: i64,
    pub message: String,
}

/// What `verify --chain` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainReport {
    /// Manifests whose links held, in run order.
    pub verified: usize,
    /// The newest manifest's hash: what to keep elsewhere (or time-stamp) to anchor the chain.
    pub head: Option<(i64, String)>,
    /// The time a time-stamp authority vouches the head existed at, when it has a time-stamp.
    pub head_time: Option<String>,
    /// Manifests with a time-stamp whose reply was checked.
    pub stamped: usize,
    pub broken: Option<ChainBreak>,
}

impl Archive {
    /// Closes `run_id` with its manifest: written as a `metadata` record, synced, and its hash,
    /// the previous manifest's and the record committed to the index together.
    pub(super) fn write_manifest(
        &mut self,
        run_id: i64,
        now: jiff::Timestamp,
    ) -> Result<(), ArchiveError> {
        let path = self.index_path();
        let wrap = |e| super::wrap(&path, e);
        let prev: Option<String> = self
            .index
            .conn
            .query_row(
                "SELECT sha256 FROM manifests WHERE run_id < ?1 ORDER BY run_id DESC LIMIT 1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(wrap)?;
        // Read through twice (its digest and length, then the record), never held whole: a
        // run of a million checks makes a manifest of about a gigabyte.
        let (digest, len) = manifest_digest(&self.index.conn, run_id, prev.as_deref())
            .map_err(|e| e.into_archive(&path))?;
        // The record's bytes come from a second connection-free pass over the same rows: the
        // index is not written between the two (this is the writer's own connection).
        let conn = self.index.second_reader().map_err(ArchiveError::Index)?;
        let written: WrittenRecord = self.write_metadata_streamed(
            MANIFEST_TYPE,
            Some(&format!("urn:provcheck:run:{run_id}")),
            (len, digest),
            &mut |out| {
                manifest_lines(&conn, run_id, prev.as_deref(), &mut |line| {
                    out.write_all(line)
                })
                .map_err(|e| match e {
                    ManifestError::Io(e) => e,
                    ManifestError::Index(e) => std::io::Error::other(e),
                })
            },
            now,
        )?;
        self.make_durable()?;
        let tx = self.index.conn.transaction().map_err(wrap)?;
        let record = insert_record_row(&tx, &written).map_err(wrap)?;
        tx.execute(
            "INSERT INTO manifests (run_id, sha256, prev_sha256, record_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run_id,
                digest.hex(),
                prev,
                record,
                crate::time::db_time(now)
            ],
        )
        .map_err(wrap)?;
        tx.commit().map_err(wrap)
    }
}

impl Archive {
    /// The SHA-256 of `run_id`'s manifest, when the run has one.
    pub fn manifest_sha256(&self, run_id: i64) -> Result<Option<[u8; 32]>, ArchiveError> {
        let hex: Option<String> = self
            .index
            .conn
            .query_row(
                "SELECT sha256 FROM manifests WHERE run_id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| super::wrap(&self.index_path(), e))?;
        Ok(hex.and_then(|h| Sha256::from_hex(&h)).map(|d| d.0))
    }

    /// Keeps a time-stamp authority's reply for `run_id`'s manifest, with its time.
    pub fn store_timestamp(
        &mut self,
        run_id: i64,
        reply: &[u8],
        time: &str,
    ) -> Result<(), ArchiveError> {
        self.index
            .conn
            .execute(
                "UPDATE manifests SET tsa_reply = ?1, tsa_time = ?2 WHERE run_id = ?3",
                params![reply, time, run_id],
            )
            .map_err(|e| super::wrap(&self.index_path(), e))?;
        Ok(())
    }
}

/// Recomputes every manifest of the archive at `root` from its `index` and compares it with its
/// hash, its record in the WARC files and its place in the chain; stops at the first link that
/// does not hold. A finished run after the first manifest that has none is a break too (its
/// manifest was removed). Read-only.
pub fn verify_chain(
    root: &std::path::Path,
    index: &super::index::Index,
) -> Result<ChainReport, ArchiveError> {
    let wrap = |e| super::wrap(index.path(), e);
    let conn = &index.conn;
    let mut report = ChainReport::default();
    let runs: Vec<(i64, String, Option<Link>)> = conn
        .prepare(
            "SELECT r.id, r.status, m.sha256, m.prev_sha256, m.record_id, m.tsa_reply
             FROM runs r LEFT JOIN manifests m ON m.run_id = r.id ORDER BY r.id",
        )
        .and_then(|mut s| {
            s.query_map((), |r| {
                let manifest = match r.get::<_, Option<String>>(2)? {
                    Some(sha) => Some((sha, r.get(3)?, r.get(4)?, r.get(5)?)),
                    None => None,
                };
                Ok((r.get(0)?, r.get(1)?, manifest))
            })?
            .collect()
        })
        .map_err(wrap)?;
    let mut prev: Option<String> = None;
    let mut started = false;
    for (run_id, status, manifest) in runs {
        let broken = |message: String| ChainBreak { run_id, message };
        let Some((sha, stated_prev, record, stamp)) = manifest else {
            // Runs before the first manifest (older archives), and runs still going or
            // killed before they could close, have none.
            if started && status == "finished" {
                report.broken = Some(broken(format!(
                    "run {run_id} finished but has no manifest: removed from the index"
                )));
                return Ok(report);
            }
            continue;
        };
        started = true;
        if stated_prev != prev {
            report.broken = Some(broken(format!(
                "run {run_id}'s manifest does not follow the previous one (a manifest was removed, \
                 replaced or reordered)"
            )));
            return Ok(report);
        }
        let (digest, _) = manifest_digest(conn, run_id, prev.as_deref())
            .map_err(|e| e.into_archive(index.path()))?;
        if digest.hex() != sha {
            report.broken = Some(broken(format!(
                "run {run_id}: the index's checks or captures differ from its manifest (a row \
                 was edited, removed or added after the run)"
            )));
            return Ok(report);
        }
        let (file, offset, length): (String, i64, i64) = conn
            .query_row(
                "SELECT f.path, r.offset, r.length FROM records r
                 JOIN warc_files f ON f.id = r.warc_file_id WHERE r.id = ?1",
                [record],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(wrap)?;
        let stored =
            super::query::read_record(root, &file, offset.cast_unsigned(), length.cast_unsigned());
        match stored {
            Ok(record) if Sha256::of(&[&record.block]) == digest => {}
            Ok(_) => {
                report.broken = Some(broken(format!(
                    "run {run_id}: the manifest record in {file} at offset {offset} differs \
                     from the index"
                )));
                return Ok(report);
            }
            Err(e) => {
                report.broken = Some(broken(format!(
                    "run {run_id}: cannot read its manifest record in {file} at offset \
                     {offset}: {e}"
                )));
                return Ok(report);
            }
        }
        let mut stamped_at = None;
        if let Some(reply) = stamp {
            let hash = Sha256::from_hex(&sha).map(|d| d.0).unwrap_or_default();
            match crate::tsa::read_reply(&reply, &hash) {
                Ok(stamp) => {
                    report.stamped += 1;
                    stamped_at = Some(stamp.time);
                }
                Err(why) => {
                    report.broken = Some(broken(format!(
                        "run {run_id}: its time-stamp does not hold: {why}"
                    )));
                    return Ok(report);
                }
            }
        }
        report.verified += 1;
        report.head_time = stamped_at;
        report.head = Some((run_id, sha.clone()));
        prev = Some(sha);
    }
    Ok(report)
}
