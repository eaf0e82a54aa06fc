//! The archive's side of judgement: [`content::judge::JudgeStore`] over a transaction on the
//! index and the WARC files. Storage only: which rows to read and write, and the text cache's
//! encoding (gzip in the `texts` table); what to compare is decided in `content::judge`.

use super::query::read_record;
use crate::content::judge::{CitationRef, JudgeStore, JudgementRow, SnapshotId};
use crate::content::{ContentKind, EXTRACTOR_VERSION, Extracted};
use crate::db::{OptionalExtension, Transaction, params};
use std::io::{Read, Write};
use std::path::Path;

/// Judgement's view of the archive, inside one transaction (the writer's, or a reader's: a
/// reader that extracts a text caches it too).
pub struct TxStore<'a, 't> {
    tx: &'a Transaction<'t>,
    root: &'a Path,
    /// Snapshots read so far (identity and capture time; a snapshot never changes): judging
    /// one capture asks for the same ones several times, a round trip each on PostgreSQL.
    snapshots: std::collections::HashMap<i64, (SnapshotId, String)>,
}

impl<'a, 't> TxStore<'a, 't> {
    #[must_use]
    pub fn new(tx: &'a Transaction<'t>, root: &'a Path) -> Self {
        Self {
            tx,
            root,
            snapshots: std::collections::HashMap::new(),
        }
    }

    /// A snapshot's identity and capture time, read once.
    fn snapshot_row(&mut self, snapshot: i64) -> crate::db::Result<&(SnapshotId, String)> {
        if !self.snapshots.contains_key(&snapshot) {
            let row = self
                .tx
                .prepare_cached(
                    "SELECT s.payload_sha256, u.url, s.captured_at FROM snapshots s
                     JOIN urls u ON u.id = s.url_id WHERE s.id = ?1",
                )?
                .query_row([snapshot], |r| {
                    Ok((
                        SnapshotId {
                            payload_sha256: r.get(0)?,
                            url: r.get(1)?,
                        },
                        r.get(2)?,
                    ))
                })?;
            self.snapshots.insert(snapshot, row);
        }
        Ok(&self.snapshots[&snapshot])
    }
}

/// The main text of an archived capture (from the text cache, else extracted from its
/// record and cached when the archive can be written); `None` for a capture without one or
/// that cannot be read.
#[must_use]
pub fn capture_text(index: &super::index::Index, root: &Path, snapshot: i64) -> Option<String> {
    let tx = index.conn.unchecked_transaction().ok()?;
    let text = crate::content::judge::text_of_snapshot(&mut TxStore::new(&tx, root), snapshot)
        .ok()
        .flatten()
        .and_then(|e| e.text);
    tx.commit().ok()?;
    text
}

/// kind, title, heading, gzip of the text
type TextRow = (String, Option<String>, Option<String>, Option<Vec<u8>>);

impl JudgeStore for TxStore<'_, '_> {
    type Error = crate::db::Error;

    fn citations_of(&mut self, url_id: i64) -> crate::db::Result<Vec<CitationRef>> {
        self.tx
            .prepare_cached(
                "SELECT id, article_id, reference_snapshot_id, quotes FROM citations
                 WHERE url_id = ?1 AND retired_run_id IS NULL",
            )?
            .query_map([url_id], |r| {
                Ok(CitationRef {
                    id: r.get(0)?,
                    article: r.get(1)?,
                    reference: r.get(2)?,
                    quotes: r
                        .get::<_, Option<String>>(3)?
                        .and_then(|q| serde_json::from_str(&q).ok())
                        .unwrap_or_default(),
                })
            })?
            .collect()
    }

    fn previous_success(&mut self, url_id: i64, check_id: i64) -> crate::db::Result<Option<i64>> {
        self.tx
            .prepare_cached(
                "SELECT s.id FROM checks c JOIN snapshots s ON s.id = c.snapshot_id
                 WHERE c.url_id = ?1 AND c.id < ?2 AND (s.http_status BETWEEN 200 AND 299 OR s.http_status = 304)
                 ORDER BY c.id DESC LIMIT 1",
            )?
            .query_row(params![url_id, check_id], |r| r.get(0))
            .optional()
    }

    fn set_reference(&mut self, citation_id: i64, snapshot: Option<i64>) -> crate::db::Result<()> {
        self.tx
            .prepare_cached("UPDATE citations SET reference_snapshot_id = ?1 WHERE id = ?2")?
            .execute(params![snapshot, citation_id])?;
        Ok(())
    }

    fn snapshot(&mut self, snapshot: i64) -> crate::db::Result<SnapshotId> {
        Ok(self.snapshot_row(snapshot)?.0.clone())
    }

    fn captured_at(&mut self, snapshot: i64) -> crate::db::Result<String> {
        Ok(self.snapshot_row(snapshot)?.1.clone())
    }

    fn last_judgement(
        &mut self,
        citation_id: i64,
    ) -> crate::db::Result<Option<(Option<i64>, Option<String>)>> {
        self.tx
            .prepare_cached(
                "SELECT reference_snapshot_id, change_vs_reference FROM judgements
                 WHERE citation_id = ?1 ORDER BY check_id DESC LIMIT 1",
            )?
            .query_row([citation_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    }

    fn insert_judgement(&mut self, row: &JudgementRow<'_>) -> crate::db::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO judgements (citation_id, check_id, reference_snapshot_id,
                                         change_vs_reference, similarity_reference,
                                         previous_snapshot_id, change_vs_previous,
                                         similarity_previous, correction, quotes, quote_removed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                row.citation_id,
                row.check_id,
                row.reference,
                row.vs_reference.map(|v| v.0),
                row.vs_reference.map(|v| v.1),
                row.previous,
                row.vs_previous.map(|v| v.0),
                row.vs_previous.map(|v| v.1),
                row.correction,
                row.quotes,
                row.quote_removed,
            ])?;
        Ok(())
    }

    fn cached_text(&mut self, sha: &str) -> crate::db::Result<Option<Extracted>> {
        let row: Option<TextRow> = self
            .tx
            .prepare_cached(
                "SELECT kind, title, heading, text_gz FROM texts
                 WHERE payload_sha256 = ?1 AND extractor = ?2",
            )?
            .query_row(params![sha, EXTRACTOR_VERSION], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        Ok(row.map(|(kind, title, heading, gz)| Extracted {
            kind: match kind.as_str() {
                "html" => ContentKind::Html,
                "text" => ContentKind::Text,
                _ => ContentKind::Binary,
            },
            text: gz.and_then(|gz| {
                let mut s = String::new();
                flate2::read::GzDecoder::new(&gz[..])
                    .read_to_string(&mut s)
                    .ok()
                    .map(|_| s)
            }),
            title,
            heading,
        }))
    }

    fn cached_title(&mut self, sha: &str) -> crate::db::Result<Option<Option<String>>> {
        self.tx
            .prepare_cached("SELECT title FROM texts WHERE payload_sha256 = ?1 AND extractor = ?2")?
            .query_row(params![sha, EXTRACTOR_VERSION], |r| r.get(0))
            .optional()
    }

    fn store_text(&mut self, sha: &str, extracted: &Extracted) -> crate::db::Result<()> {
        if self.tx.is_read_only() {
            // A reader of a read-only archive: the text is used, not kept.
            return Ok(());
        }
        let kind = match extracted.kind {
            ContentKind::Html => "html",
            ContentKind::Text => "text",
            ContentKind::Binary => "binary",
        };
        let gz = extracted.text.as_ref().map(|t| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(t.as_bytes())
                .expect("writing to memory cannot fail");
            e.finish().expect("writing to memory cannot fail")
        });
        self.tx
            .prepare_cached(
                "INSERT INTO texts (payload_sha256, kind, title, heading, text_gz, extractor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (payload_sha256) DO UPDATE SET kind = excluded.kind,
                     title = excluded.title, heading = excluded.heading,
                     text_gz = excluded.text_gz, extractor = excluded.extractor",
            )?
            .execute(params![
                sha,
                kind,
                extracted.title,
                extracted.heading,
                gz,
                EXTRACTOR_VERSION
            ])?;
        Ok(())
    }

    fn http_parts(&mut self, snapshot: i64) -> crate::db::Result<Option<(String, Vec<u8>)>> {
        let (file, offset, length): (String, i64, i64) = self
            .tx
            .prepare_cached(
                "SELECT f.path, r.offset, r.length FROM snapshots s
                 JOIN snapshots h ON h.id = COALESCE(s.revisit_of, s.id)
                 JOIN records r ON r.id = h.record_id
                 JOIN warc_files f ON f.id = r.warc_file_id WHERE s.id = ?1",
            )?
            .query_row([snapshot], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let Ok(record) = read_record(
            self.root,
            &file,
            offset.cast_unsigned(),
            length.cast_unsigned(),
        ) else {
            return Ok(None);
        };
        Ok(record.http_parts().map(|(head, payload)| {
            (
                String::from_utf8_lossy(head).into_owned(),
                payload.into_owned(),
            )
        }))
    }
}
