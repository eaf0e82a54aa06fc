//! Writing captures: WARC records appended and synced, then their index rows committed in the
//! same transaction as the judgement of what they hold. The writer thread is the only caller.

use super::prepare::{PreparedExchange, RefersTo};
use super::revalidation::{Revalidation, revalidation_line};
use super::rows::{WrittenExchange, WrittenRecord, insert_capture, insert_record_row};
use super::warcfile::{self, OpenWarc};
use super::{Archive, ArchiveError, NotModifiedRecord, PreparedCapture, Stored, wrap};
use crate::db::{OptionalExtension, params};
use crate::warc::Sha256;
use std::borrow::Cow;
use std::collections::HashMap;

impl Archive {
    pub(super) fn close_file(&mut self) -> Result<(), ArchiveError> {
        if self.options.bucket.is_some() {
            return self.make_durable().map(|_| ());
        }
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

    /// Makes what was written durable before the index names it: synced to disk and, with a
    /// bucket, uploaded as an object of its own (the next record then starts a new file).
    /// Returns the uploaded file's row id and URL.
    pub(super) fn make_durable(&mut self) -> Result<Option<(i64, String)>, ArchiveError> {
        let Some(file) = &self.current else {
            return Ok(None);
        };
        file.sync().map_err(|source| ArchiveError::Write {
            path: file.abs_path.clone(),
            source,
        })?;
        if self.options.bucket.is_none() {
            return Ok(None);
        }
        let file = self.current.take().expect("checked above");
        let (id, rel, size) = (file.id, file.rel_path.clone(), file.size);
        drop(file);
        let url = self.upload(id, &rel, size, "closed")?;
        Ok(Some((id, url)))
    }

    /// Uploads the first `size` bytes of the local file `rel` (row `id`) as an object, points
    /// the row at the object (in `state`), and removes the local copy. A failed upload leaves
    /// the file and its row as they were: the next run's recovery uploads it.
    pub(super) fn upload(
        &self,
        id: i64,
        rel: &str,
        size: u64,
        state: &str,
    ) -> Result<String, ArchiveError> {
        let path = self.root.join(rel);
        let bucket = self
            .options
            .bucket
            .as_ref()
            .expect("uploads only with a bucket");
        let url = bucket
            .put_new(rel, &path, size)
            .map_err(|source| ArchiveError::Upload {
                path: path.clone(),
                source,
            })?;
        self.index
            .conn
            .execute(
                "UPDATE warc_files SET path = ?1, state = ?2, size = ?3 WHERE id = ?4",
                params![url, state, size.cast_signed(), id],
            )
            .map_err(|e| self.index.wrap(e))?;
        if let Err(error) = std::fs::remove_file(&path) {
            tracing::warn!(
                "{}: uploaded to {url}, but not removed: {error}",
                path.display()
            );
        }
        Ok(url)
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
            let id = self
                .index
                .conn
                .last_insert_rowid()
                .map_err(|e| self.index.wrap(e))?;
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
        // A 304's request is kept only when asked for (`revisit-and-request`): it carried the
        // validators of the capture the revisit refers to, and its record would cost an
        // unchanged night as much again (BENCHMARKS.md).
        let request = if not_modified.is_some()
            && self.options.not_modified != NotModifiedRecord::RevisitAndRequest
        {
            None
        } else {
            Some(&ex.request_gz[..])
        };
        let file = self.file_for((member.len() + request.map_or(0, <[u8]>::len)) as u64, now)?;
        let path = file.abs_path.clone();
        let write_err = |source| ArchiveError::Write {
            path: path.clone(),
            source,
        };
        let response_at = file.append(&member).map_err(write_err)?;
        let request_at = request
            .map(|gz| file.append(gz))
            .transpose()
            .map_err(write_err)?;
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
    /// transaction. Write transactions are IMMEDIATE on SQLite: a deferred one that reads first
    /// cannot wait for another process's write lock (SQLite answers "database is locked" at
    /// once). On PostgreSQL batches of several workers commit side by side (read committed):
    /// their captures are of URLs each claimed alone, and what they share (a URL's id, a
    /// text in the cache) is written by upsert.
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
        if let Some((id, url)) = self.make_durable()? {
            for w in written.iter_mut().flatten().filter(|w| w.file_id == id) {
                w.file.clone_from(&url);
            }
        }
        let path = self.index_path();
        let root = self.root.clone();
        let thresholds = self.options.thresholds;
        let tx = self
            .index
            .conn
            .transaction_with_behavior(crate::db::TransactionBehavior::Concurrent)
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
            .collect::<crate::db::Result<Vec<_>>>()
            .and_then(|stored| tx.commit().map(|()| stored))
            .map_err(|e| wrap(&path, e))?;
        Ok(stored)
    }
}
