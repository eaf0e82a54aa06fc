//! The index rows a written batch leaves: records, exchanges, captures and the snapshots and
//! changes judged from them, inserted inside the batch's transaction.

use super::index::Index;
use super::judging;
use super::prepare::PreparedExchange;
use super::revalidation::Revalidation;
use super::{PreparedCapture, SnapshotRef, Stored};
use crate::db::{OptionalExtension, params};
use crate::warc::Sha256;
use std::path::Path;
use url::Url;

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
    conn: &crate::db::Connection,
    r: &WrittenRecord,
) -> crate::db::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO records (warc_file_id, offset, length, record_type, record_id, date, block_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )?
    .query_row(
        params![
            r.file_id,
            r.at.0.cast_signed(),
            r.at.1.cast_signed(),
            r.record_type,
            r.record_id,
            r.date,
            r.block.hex()
        ],
        |row| row.get(0),
    )
}

/// Where one exchange's records went.
pub(super) struct WrittenExchange {
    pub(super) file_id: i64,
    pub(super) file: String,
    pub(super) response_at: (u64, u64),
    /// Where the request record is: none for a 304 unless `revisit-and-request`.
    pub(super) request_at: Option<(u64, u64)>,
    pub(super) record_type: &'static str,
    pub(super) block: Sha256,
    /// The payload digest the snapshot carries: its own, or the original's for a 304.
    pub(super) payload: Sha256,
    /// For a 304: the snapshot that holds the payload.
    pub(super) revisit_of: Option<i64>,
}

pub(super) fn insert_capture(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    run_id: i64,
    capture: &PreparedCapture,
    written: &[WrittenExchange],
    revalidation: Option<Revalidation>,
    thresholds: crate::content::similarity::Thresholds,
) -> crate::db::Result<Stored> {
    let o = &capture.outcome;
    let url_id = Index::url_id(tx, &capture.url)?;
    let last = capture.exchanges.last();
    let (chain, final_url) = chain_and_final_url(capture, revalidation.is_some());
    let check_id = tx.prepare_cached(
        "INSERT INTO checks (run_id, url_id, checked_at, outcome, http_status, final_url, chain,
                             permanent, detail, attempts, elapsed_ms, etag, last_modified,
                             evidence, conditional, revalidation_record_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         RETURNING id",
    )?
    .query_row(params![
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
    ], |row| row.get::<_, i64>(0))?;
    crate::archive::workers::checked(tx, url_id)?;
    let mut snapshot = match revalidation {
        Some(r) => Some((r.holder, snapshot_ref(tx, r.holder)?)),
        None => None,
    };
    for (ex, w) in capture.exchanges.iter().zip(written) {
        let snapshot_id = insert_exchange(tx, (check_id, &capture.url, url_id), ex, w)?;
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

/// What a check's row says of redirects: nothing for a 304 to a conditional re-check (no
/// redirect was followed, so a chain and a final URL would say nothing the URL and the status do
/// not: ~80 bytes per URL on an unchanged night), else the chain as JSON and the final URL.
fn chain_and_final_url(capture: &PreparedCapture, compact: bool) -> (String, Option<&str>) {
    let not_modified = capture.conditional_of.is_some()
        && capture.exchanges.len() == 1
        && capture.exchanges.last().is_some_and(|e| e.status == 304);
    if compact || not_modified {
        ("[]".to_owned(), None)
    } else {
        (
            serde_json::to_string(&capture.outcome.chain).unwrap_or_else(|_| "[]".to_owned()),
            capture.outcome.final_url().map(Url::as_str),
        )
    }
}

/// Where a snapshot's record is.
fn snapshot_ref(tx: &crate::db::Transaction<'_>, snapshot: i64) -> crate::db::Result<SnapshotRef> {
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
pub(super) fn insert_exchange(
    tx: &crate::db::Transaction<'_>,
    (check_id, url, url_id): (i64, &Url, i64),
    ex: &PreparedExchange,
    w: &WrittenExchange,
) -> crate::db::Result<i64> {
    let hop_url_id = if ex.url == *url {
        url_id
    } else {
        Index::url_id(tx, &ex.url)?
    };
    let insert_record =
        |at: (u64, u64), kind: &str, id: &str, block: &Sha256, payload: Option<String>| {
            tx.prepare_cached(
            "INSERT INTO records (warc_file_id, offset, length, record_type, record_id, target_uri,
                                  date, block_sha256, payload_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )?
        .query_row(params![
            w.file_id,
            at.0.cast_signed(),
            at.1.cast_signed(),
            kind,
            id,
            ex.url.as_str(),
            ex.date(),
            block.hex(),
            payload
        ], |row| row.get::<_, i64>(0))
        };
    let record_id = insert_record(
        w.response_at,
        w.record_type,
        &ex.response_id,
        &w.block,
        Some(w.payload.hex()),
    )?;
    let request_id = w
        .request_at
        .map(|at| insert_record(at, "request", &ex.request_id, &ex.request_block, None))
        .transpose()?;
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         RETURNING id",
    )?
    .query_row(
        params![
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
        ],
        |row| row.get(0),
    )
}
