//! Writing captures: WARC records appended and synced, then their index rows committed in the
//! same transaction as the judgement of what they hold. The writer thread is the only caller.

use super::index::Index;
use super::judging;
use super::prepare::{PreparedExchange, RefersTo};
use super::revalidation::{Revalidation, revalidation_line};
use super::warcfile::{self, OpenWarc};
use super::{Archive, ArchiveError, NotModifiedRecord, PreparedCapture, SnapshotRef, Stored, wrap};
use crate::warc::Sha256;
use rusqlite::{OptionalExtension, params};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use url::Url;

impl Archive {
    pub(super) fn close_file(&mut self) -> Result<(), ArchiveError> {
        if let Some(file) = self.current.take() {
            file.sync().map_err(|source| ArchiveError::Write {
                path: file.abs_path.clone(),
                source,
            })?;
            self.index
                .conn
                .execute(
                    "UPDATE warc_files SET state = 'closed', size = ?1 WHERE id = ?2",
                    params![file.size.cast_signed(), file.id],
                )
                .map_err(|e| self.index.wrap(e))?;
        }
        Ok(())
    }

    /// The file to write `next` more bytes to: the current one, or a new one past the rotation
    /// size.
    pub(super) fn file_for(
        &mut self,
        next: u64,
        now: jiff::Timestamp,
    ) -> Result<&mut OpenWarc, ArchiveError> {
        let rotate = self
            .current
            .as_ref()
            .is_some_and(|f| f.size > 0 && f.size + next > self.options.rotate_at);
        if rotate {
            self.close_file()?;
        }
        if self.current.is_none() {
            self.current = Some(self.new_file(now)?);
        }
        Ok(self.current.as_mut().expect("just opened"))
    }

    fn new_file(&mut self, now: jiff::Timestamp) -> Result<OpenWarc, ArchiveError> {
        loop {
            self.serial += 1;
            let rel = warcfile::file_name(now, self.serial);
            if self.root.join(&rel).exists() {
                continue;
            }
            // The row goes in first, so that a crash right after creating the file leaves a row
            // that recovery finds.
            self.index
                .conn
                .execute(
                    "INSERT INTO warc_files (path, created_at, state) VALUES (?1, ?2, 'open')",
                    params![rel, crate::time::db_time(now)],
                )
                .map_err(|e| self.index.wrap(e))?;
            let id = self.index.conn.last_insert_rowid();
            let write_err = |source| ArchiveError::Write {
                path: self.root.join(&rel),
                source,
            };
            // The process's first file opens with the warcinfo record its records name; a
            // rotated file opens with one of its own, which names the first.
            let (record_id, refers) = if self.warcinfo_written {
                (
                    crate::warc::new_record_id(),
                    Some(self.warcinfo_id.as_str()),
                )
            } else {
                (self.warcinfo_id.clone(), None)
            };
            let (mut file, info) = OpenWarc::create(
                &self.root,
                &rel,
                now,
                self.options.gzip_level,
                &self.options.warcinfo,
                record_id,
                refers,
            )
            .map_err(write_err)?;
            file.id = id;
            let at = file.append(&info.gz).map_err(write_err)?;
            file.sync().map_err(write_err)?;
            self.warcinfo_written = true;
            insert_record_row(
                &self.index.conn,
                &WrittenRecord {
                    file_id: id,
                    at,
                    record_type: "warcinfo",
                    record_id: info.record_id,
                    date: info.date,
                    block: info.block_digest,
                },
            )
            .map_err(|e| self.index.wrap(e))?;
            return Ok(file);
        }
    }

    /// Appends one exchange's records: a server-not-modified revisit for a 304 (`not_modified`
    /// names the original), an identical-payload revisit for a payload already held, else the
    /// response; then the request.
    fn write_exchange(
        &mut self,
        ex: &PreparedExchange,
        not_modified: Option<&(RefersTo, Sha256, i64)>,
        in_batch: &mut HashMap<Sha256, RefersTo>,
        now: jiff::Timestamp,
    ) -> Result<WrittenExchange, ArchiveError> {
        let level = self.options.gzip_level;
        let dedupe = not_modified.is_none() && ex.payload_length > 0 && ex.truncated.is_none();
        let original = if dedupe {
            match in_batch.get(&ex.payload_sha256) {
                Some(o) => Some(o.clone()),
                None => self.original_of(&ex.payload_sha256)?,
            }
        } else {
            None
        };
        let (member, block, record_type, payload, revisit_of) = match (not_modified, &original) {
            (Some((refers, payload, holder)), _) => {
                let (gz, block) = ex.revisit(
                    refers,
                    crate::warc::PROFILE_SERVER_NOT_MODIFIED,
                    *payload,
                    level,
                );
                (Cow::Owned(gz), block, "revisit", *payload, Some(*holder))
            }
            (None, Some(o)) => {
                let (gz, block) = ex.revisit(
                    o,
                    crate::warc::PROFILE_IDENTICAL_PAYLOAD,
                    ex.payload_sha256,
                    level,
                );
                (Cow::Owned(gz), block, "revisit", ex.payload_sha256, None)
            }
            (None, None) => (
                Cow::Borrowed(&ex.response_gz[..]),
                ex.response_block,
                "response",
                ex.payload_sha256,
                None,
            ),
        };
        if dedupe && original.is_none() {
            in_batch.insert(
                ex.payload_sha256,
                RefersTo {
                    record_id: ex.response_id.clone(),
                    target_uri: ex.url.to_string(),
                    date: ex.date(),
                },
            );
        }
        let file = self.file_for((member.len() + ex.request_gz.len()) as u64, now)?;
        let path = file.abs_path.clone();
        let write_err = |source| ArchiveError::Write {
            path: path.clone(),
            source,
        };
        let response_at = file.append(&member).map_err(write_err)?;
        let request_at = file.append(&ex.request_gz).map_err(write_err)?;
        Ok(WrittenExchange {
            file_id: file.id,
            file: file.rel_path.clone(),
            response_at,
            request_at,
            record_type,
            block,
            payload,
            revisit_of,
        })
    }

    /// The record that holds a snapshot's payload (following a revisit to its original), with
    /// its payload digest and snapshot id: what a 304 refers to.
    fn record_of_snapshot(
        &self,
        snapshot: i64,
    ) -> Result<Option<(RefersTo, Sha256, i64)>, ArchiveError> {
        let row: Option<(String, String, String, String, i64)> = self
            .index
            .conn
            .prepare_cached(
                "SELECT r.record_id, r.target_uri, r.date, h.payload_sha256, h.id
                 FROM snapshots s JOIN snapshots h ON h.id = COALESCE(s.revisit_of, s.id)
                 JOIN records r ON r.id = h.record_id WHERE s.id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([snapshot], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .map_err(|e| ArchiveError::Index(self.index.wrap(e)))?;
        Ok(row.and_then(|(record_id, target_uri, date, sha, holder)| {
            Some((
                RefersTo {
                    record_id,
                    target_uri,
                    date,
                },
                Sha256::from_hex(&sha)?,
                holder,
            ))
        }))
    }

    /// The record holding a payload already archived, if any.
    fn original_of(&self, payload: &Sha256) -> Result<Option<RefersTo>, ArchiveError> {
        self.index
            .conn
            .prepare_cached(
                "SELECT r.record_id, r.target_uri, r.date FROM snapshots s
                 JOIN records r ON r.id = s.record_id
                 WHERE s.payload_sha256 = ?1 AND s.revisit_of IS NULL AND s.truncated IS NULL
                 LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([payload.hex()], |r| {
                    Ok(RefersTo {
                        record_id: r.get(0)?,
                        target_uri: r.get(1)?,
                        date: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(|e| ArchiveError::Index(self.index.wrap(e)))
    }

    /// Writes a batch of captures: records first, synced, then every index row in one
    /// transaction. Write transactions are IMMEDIATE: a deferred one that reads first cannot
    /// wait for another process's write lock (SQLite answers "database is locked" at once).
    pub fn store(
        &mut self,
        run_id: i64,
        batch: &[PreparedCapture],
    ) -> Result<Vec<Stored>, ArchiveError> {
        let now = jiff::Timestamp::now();
        let mut written: Vec<Vec<WrittenExchange>> = Vec::with_capacity(batch.len());
        let mut revalidated: Vec<Option<i64>> = Vec::with_capacity(batch.len());
        let mut lines: Vec<u8> = Vec::new();
        let mut in_batch: HashMap<Sha256, RefersTo> = HashMap::new();
        for capture in batch {
            let mut exchanges = Vec::with_capacity(capture.exchanges.len());
            let mut holder_of_304 = None;
            for (i, ex) in capture.exchanges.iter().enumerate() {
                let not_modified = if i == 0 && ex.status == 304 {
                    match capture.conditional_of {
                        Some(snapshot) => self.record_of_snapshot(snapshot)?,
                        None => None,
                    }
                } else {
                    None
                };
                if let Some((refers, _, holder)) = &not_modified
                    && self.options.not_modified == NotModifiedRecord::Compact
                    && capture.exchanges.len() == 1
                {
                    revalidation_line(&mut lines, ex, refers);
                    holder_of_304 = Some(*holder);
                    continue;
                }
                exchanges.push(self.write_exchange(
                    ex,
                    not_modified.as_ref(),
                    &mut in_batch,
                    now,
                )?);
            }
            written.push(exchanges);
            revalidated.push(holder_of_304);
        }
        let revalidations = if lines.is_empty() {
            None
        } else {
            Some(self.write_revalidations(&lines, now)?)
        };
        if let Some(file) = &self.current {
            file.sync().map_err(|source| ArchiveError::Write {
                path: file.abs_path.clone(),
                source,
            })?;
        }
        let path = self.index_path();
        let root = self.root.clone();
        let thresholds = self.options.thresholds;
        let tx = self
            .index
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| wrap(&path, e))?;
        let record = revalidations
            .as_ref()
            .map(|r| insert_record_row(&tx, r))
            .transpose()
            .map_err(|e| wrap(&path, e))?;
        let stored = batch
            .iter()
            .zip(&written)
            .zip(&revalidated)
            .map(|((capture, exchanges), holder)| {
                let revalidation = holder
                    .zip(record)
                    .map(|(holder, record)| Revalidation { holder, record });
                insert_capture(
                    &tx,
                    &root,
                    run_id,
                    capture,
                    exchanges,
                    revalidation,
                    thresholds,
                )
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .and_then(|stored| tx.commit().map(|()| stored))
            .map_err(|e| wrap(&path, e))?;
        Ok(stored)
    }
}

/// A record written outside any exchange (a file's `warcinfo`, a batch's revalidation record),
/// for its `records` row.
pub(super) struct WrittenRecord {
    pub(super) file_id: i64,
    pub(super) at: (u64, u64),
    pub(super) record_type: &'static str,
    pub(super) record_id: String,
    pub(super) date: String,
    pub(super) block: Sha256,
}

pub(super) fn insert_record_row(
    conn: &rusqlite::Connection,
    r: &WrittenRecord,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO records (warc_file_id, offset, length, record_type, record_id, date, block_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.file_id,
        r.at.0.cast_signed(),
        r.at.1.cast_signed(),
        r.record_type,
        r.record_id,
        r.date,
        r.block.hex()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Where one exchange's records went.
struct WrittenExchange {
    file_id: i64,
    file: String,
    response_at: (u64, u64),
    request_at: (u64, u64),
    record_type: &'static str,
    block: Sha256,
    /// The payload digest the snapshot carries: its own, or the original's for a 304.
    payload: Sha256,
    /// For a 304: the snapshot that holds the payload.
    revisit_of: Option<i64>,
}

fn insert_capture(
    tx: &rusqlite::Transaction<'_>,
    root: &Path,
    run_id: i64,
    capture: &PreparedCapture,
    written: &[WrittenExchange],
    revalidation: Option<Revalidation>,
    thresholds: crate::content::similarity::Thresholds,
) -> rusqlite::Result<Stored> {
    let o = &capture.outcome;
    let url_id = Index::url_id(tx, &capture.url)?;
    let last = capture.exchanges.last();
    // A compact 304 keeps its row small: no redirect was followed, so the chain and the final
    // URL say nothing the URL and the status do not.
    let (chain, final_url) = if revalidation.is_some() {
        ("[]".to_owned(), None)
    } else {
        (
            serde_json::to_string(&o.chain).unwrap_or_else(|_| "[]".to_owned()),
            o.final_url().map(Url::as_str),
        )
    };
    tx.prepare_cached(
        "INSERT INTO checks (run_id, url_id, checked_at, outcome, http_status, final_url, chain,
                             permanent, detail, attempts, elapsed_ms, etag, last_modified,
                             evidence, conditional, revalidation_record_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        run_id,
        url_id,
        crate::time::db_time(capture.checked_at),
        o.kind.as_str(),
        o.http_status,
        final_url,
        chain,
        o.permanent,
        o.detail,
        o.attempts,
        i64::try_from(o.elapsed.as_millis()).unwrap_or(i64::MAX),
        last.and_then(|e| e.etag.clone()),
        last.and_then(|e| e.last_modified.clone()),
        capture.evidence,
        capture.conditional_of.is_some(),
        revalidation.map(|r| r.record),
    ])?;
    let check_id = tx.last_insert_rowid();
    let mut snapshot = match revalidation {
        Some(r) => Some((r.holder, snapshot_ref(tx, r.holder)?)),
        None => None,
    };
    for (ex, w) in capture.exchanges.iter().zip(written) {
        let snapshot_id = insert_exchange(tx, check_id, ex, w)?;
        snapshot = Some((
            snapshot_id,
            SnapshotRef {
                payload_sha256: w.payload.hex(),
                warc_file: w.file.clone(),
                offset: w.response_at.0,
                record_type: w.record_type,
            },
        ));
    }
    let mut judgements = Vec::new();
    let mut missing = None;
    if let (Some((id, snap)), Some(last)) = (&snapshot, last) {
        tx.prepare_cached("UPDATE checks SET snapshot_id = ?1 WHERE id = ?2")?
            .execute(params![id, check_id])?;
        let judgeable = (200..300).contains(&last.status)
            || (last.status == 304 && capture.conditional_of.is_some());
        if judgeable {
            let judging = crate::content::judge::judge(
                &mut judging::TxStore::new(tx, root),
                &crate::content::judge::Judged {
                    url_id,
                    check_id,
                    snapshot_id: *id,
                    payload_sha256: &snap.payload_sha256,
                    not_modified: last.status == 304,
                    fine_and_complete: matches!(
                        o.kind,
                        crate::outcome::OutcomeKind::Ok | crate::outcome::OutcomeKind::Redirected
                    ) && last.truncated.is_none(),
                    payload: &capture.final_payload,
                    content_type: last.content_type.as_deref(),
                    content_encoding: last.content_encoding.as_deref(),
                    url: capture.url.as_str(),
                },
                thresholds,
            )?;
            judgements = judging.judgements;
            if let Some(evidence) = judging.missing {
                // The transition from the reference: this check is a soft-404, and says why.
                tx.prepare_cached(
                    "UPDATE checks SET outcome = 'soft-404', detail = ?1, evidence = ?2 WHERE id = ?3",
                )?
                .execute(params![
                    evidence.detail,
                    serde_json::to_string(&evidence).ok(),
                    check_id
                ])?;
                missing = Some(evidence);
            }
        }
    }
    Ok(Stored {
        check_id,
        snapshot: snapshot.map(|(_, s)| s),
        judgements,
        missing,
    })
}

/// Where a snapshot's record is.
fn snapshot_ref(tx: &rusqlite::Transaction<'_>, snapshot: i64) -> rusqlite::Result<SnapshotRef> {
    tx.prepare_cached(
        "SELECT s.payload_sha256, f.path, r.offset, r.record_type FROM snapshots s
         JOIN records r ON r.id = s.record_id JOIN warc_files f ON f.id = r.warc_file_id
         WHERE s.id = ?1",
    )?
    .query_row([snapshot], |r| {
        let record_type: String = r.get(3)?;
        Ok(SnapshotRef {
            payload_sha256: r.get(0)?,
            warc_file: r.get(1)?,
            offset: r.get::<_, i64>(2)?.cast_unsigned(),
            record_type: if record_type == "revisit" {
                "revisit"
            } else {
                "response"
            },
        })
    })
}

/// Inserts the records and the snapshot of one exchange; returns the snapshot's id.
fn insert_exchange(
    tx: &rusqlite::Transaction<'_>,
    check_id: i64,
    ex: &PreparedExchange,
    w: &WrittenExchange,
) -> rusqlite::Result<i64> {
    let hop_url_id = Index::url_id(tx, &ex.url)?;
    let insert_record =
        |at: (u64, u64), kind: &str, id: &str, block: &Sha256, payload: Option<String>| {
            tx.prepare_cached(
            "INSERT INTO records (warc_file_id, offset, length, record_type, record_id, target_uri,
                                  date, block_sha256, payload_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            w.file_id,
            at.0.cast_signed(),
            at.1.cast_signed(),
            kind,
            id,
            ex.url.as_str(),
            ex.date(),
            block.hex(),
            payload
        ])
        .map(|_| tx.last_insert_rowid())
        };
    let record_id = insert_record(
        w.response_at,
        w.record_type,
        &ex.response_id,
        &w.block,
        Some(w.payload.hex()),
    )?;
    let request_id = insert_record(
        w.request_at,
        "request",
        &ex.request_id,
        &ex.request_block,
        None,
    )?;
    let revisit_of: Option<i64> = if w.revisit_of.is_some() {
        w.revisit_of
    } else if w.record_type == "revisit" {
        tx.prepare_cached(
            "SELECT id FROM snapshots WHERE payload_sha256 = ?1 AND revisit_of IS NULL
             AND truncated IS NULL ORDER BY id LIMIT 1",
        )?
        .query_row([ex.payload_sha256.hex()], |r| r.get(0))
        .optional()?
    } else {
        None
    };
    // A revisit's payload digest is its original's (as its SHA-256 already is): a 304 has an
    // empty body of its own, whose SHA-1 would match nothing, and tools pair a revisit with
    // its original by digest. The length stays what crossed the wire.
    let payload_sha1 = match revisit_of {
        Some(original) => tx
            .prepare_cached("SELECT payload_sha1 FROM snapshots WHERE id = ?1")?
            .query_row([original], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_else(|| ex.payload_sha1.clone()),
        None => ex.payload_sha1.clone(),
    };
    tx.prepare_cached(
        "INSERT INTO snapshots (url_id, check_id, captured_at, record_id, request_record_id,
                                http_status, content_type, content_encoding, payload_length,
                                payload_sha256, payload_sha1, truncated, revisit_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        hop_url_id,
        check_id,
        crate::time::db_time(ex.at),
        record_id,
        request_id,
        ex.status,
        ex.content_type,
        ex.content_encoding,
        ex.payload_length.cast_signed(),
        w.payload.hex(),
        payload_sha1,
        ex.truncated,
        revisit_of
    ])?;
    Ok(tx.last_insert_rowid())
}
