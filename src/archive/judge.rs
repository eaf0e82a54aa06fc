//! Judging a capture against the citation's reference and the previous capture, inside the
//! writer's transaction. Texts are extracted only when a comparison needs them (the payload
//! digests differ) and cached in `texts`; a reference's text is read back from its WARC record.

use super::query::read_record;
use crate::content::similarity::{Change, Thresholds, grade};
use crate::content::{self, ContentKind, Extracted};
use rusqlite::{OptionalExtension, Transaction, params};
use std::io::{Read, Write};
use std::path::Path;

/// How one check of a URL compares, for one citation of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub article: String,
    /// Against the citation's reference: `None` when this capture became the reference, or when
    /// there is nothing to compare (no successful answer).
    pub change_vs_reference: Option<Change>,
    pub similarity_reference: Option<f64>,
    pub change_vs_previous: Option<Change>,
    pub similarity_previous: Option<f64>,
    /// When the reference was captured.
    pub reference_at: Option<String>,
    /// Whether the payloads could only be compared by digest (PDFs, images...).
    pub digest_only: bool,
}

/// The capture being judged.
pub(super) struct Judged<'a> {
    pub url_id: i64,
    pub check_id: i64,
    pub snapshot_id: i64,
    pub payload_sha256: &'a str,
    /// A 304 to a conditional request: unchanged by definition.
    pub not_modified: bool,
    /// The payload as delivered, with its `Content-Type` and `Content-Encoding`.
    pub payload: &'a [u8],
    pub content_type: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    pub url: &'a str,
}

pub(super) fn judge(
    tx: &Transaction<'_>,
    root: &Path,
    judged: &Judged<'_>,
    thresholds: Thresholds,
) -> rusqlite::Result<Vec<Judgement>> {
    let citations: Vec<(i64, String, Option<i64>)> = tx
        .prepare_cached(
            "SELECT id, article_id, reference_snapshot_id FROM citations
             WHERE url_id = ?1 AND retired_run_id IS NULL",
        )?
        .query_map([judged.url_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let previous: Option<i64> = tx
        .prepare_cached(
            "SELECT s.id FROM checks c JOIN snapshots s ON s.id = c.snapshot_id
             WHERE c.url_id = ?1 AND c.id < ?2 AND (s.http_status BETWEEN 200 AND 299 OR s.http_status = 304)
             ORDER BY c.id DESC LIMIT 1",
        )?
        .query_row(params![judged.url_id, judged.check_id], |r| r.get(0))
        .optional()?;
    let mut own_text: Option<Option<Extracted>> = None;
    let mut out = Vec::with_capacity(citations.len());
    for (citation_id, article, reference) in citations {
        if reference.is_none() {
            // The first successful capture for this citation becomes its reference.
            tx.prepare_cached("UPDATE citations SET reference_snapshot_id = ?1 WHERE id = ?2")?
                .execute(params![judged.snapshot_id, citation_id])?;
        }
        let mut compare = |other: i64| -> rusqlite::Result<(Change, f64, bool)> {
            let other_sha: String = tx
                .prepare_cached("SELECT payload_sha256 FROM snapshots WHERE id = ?1")?
                .query_row([other], |r| r.get(0))?;
            if other_sha == judged.payload_sha256 {
                return Ok((Change::Unchanged, 1.0, false));
            }
            let theirs = text_of_snapshot(tx, root, other)?;
            if own_text.is_none() {
                // A 304 has no payload of its own: it is judged as the capture it validated.
                own_text = Some(if judged.not_modified {
                    text_of_snapshot(tx, root, judged.snapshot_id)?
                } else {
                    own_extract(tx, judged)
                });
            }
            let ours = own_text.clone().flatten();
            let digest_only = [theirs.as_ref(), ours.as_ref()]
                .iter()
                .any(|e| e.is_none_or(|e| e.kind == ContentKind::Binary));
            let (change, similarity) = grade(
                false,
                theirs.as_ref().and_then(|e| e.text.as_deref()),
                ours.as_ref().and_then(|e| e.text.as_deref()),
                thresholds,
            );
            Ok((change, similarity, digest_only))
        };
        let vs_reference = reference.map(&mut compare).transpose()?;
        let vs_previous = previous.map(&mut compare).transpose()?;
        let reference_at: Option<String> = match reference {
            Some(r) => Some(
                tx.prepare_cached("SELECT captured_at FROM snapshots WHERE id = ?1")?
                    .query_row([r], |row| row.get(0))?,
            ),
            None => None,
        };
        // A 304 says the same as the citation's last judgement unless the reference moved (a
        // rebaseline) or the grade did: readers carry the last one forward (see
        // `carry_forward`), so the unchanged nightly re-check writes nothing here.
        let repeats = judged.not_modified
            && vs_previous.is_none_or(|v| v.0 == Change::Unchanged)
            && last_judgement(tx, citation_id)?.is_some_and(|(r, change)| {
                let now = vs_reference.map(|v| v.0.as_str());
                (r == reference && change.as_deref() == now)
                    // The last one was the citation's first capture (no reference yet): a
                    // 304 since is unchanged against it, and read so.
                    || (r.is_none() && change.is_none() && now == Some("unchanged"))
            });
        if !repeats {
            tx.prepare_cached(
            "INSERT INTO judgements (citation_id, check_id, reference_snapshot_id, change_vs_reference,
                                     similarity_reference, previous_snapshot_id, change_vs_previous,
                                     similarity_previous)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            citation_id,
            judged.check_id,
            reference,
            vs_reference.map(|v| v.0.as_str()),
            vs_reference.map(|v| v.1),
            previous,
            vs_previous.map(|v| v.0.as_str()),
            vs_previous.map(|v| v.1),
        ])?;
        }
        out.push(Judgement {
            article,
            change_vs_reference: vs_reference.map(|v| v.0),
            similarity_reference: vs_reference.map(|v| v.1),
            change_vs_previous: vs_previous.map(|v| v.0),
            similarity_previous: vs_previous.map(|v| v.1),
            reference_at,
            digest_only: vs_reference.is_some_and(|v| v.2) || vs_previous.is_some_and(|v| v.2),
        });
    }
    Ok(out)
}

/// The reference and the grade against it of a citation's latest judgement.
fn last_judgement(
    tx: &Transaction<'_>,
    citation_id: i64,
) -> rusqlite::Result<Option<(Option<i64>, Option<String>)>> {
    tx.prepare_cached(
        "SELECT reference_snapshot_id, change_vs_reference FROM judgements
         WHERE citation_id = ?1 ORDER BY check_id DESC LIMIT 1",
    )?
    .query_row([citation_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// The new capture's text, from the payload in memory, cached in `texts`.
fn own_extract(tx: &Transaction<'_>, judged: &Judged<'_>) -> Option<Extracted> {
    if let Ok(Some(cached)) = cached_text(tx, judged.payload_sha256) {
        return Some(cached);
    }
    let extracted = content::extract(
        judged.content_type,
        judged.content_encoding,
        judged.payload,
        Some(judged.url),
    )
    .ok()?;
    let _ = store_text(tx, judged.payload_sha256, &extracted);
    Some(extracted)
}

/// The text of an archived capture: from the cache, else extracted from its WARC record.
pub(crate) fn text_of_snapshot(
    tx: &Transaction<'_>,
    root: &Path,
    snapshot: i64,
) -> rusqlite::Result<Option<Extracted>> {
    let (sha, holder, url): (String, i64, String) = tx
        .prepare_cached(
            "SELECT s.payload_sha256, COALESCE(s.revisit_of, s.id), u.url FROM snapshots s
             JOIN urls u ON u.id = s.url_id WHERE s.id = ?1",
        )?
        .query_row([snapshot], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    if let Some(cached) = cached_text(tx, &sha)? {
        return Ok(Some(cached));
    }
    let Some((head, payload)) = http_parts_of(tx, root, holder)? else {
        return Ok(None);
    };
    let header = |name: &str| header_value(&head, name);
    let Ok(extracted) = content::extract(
        header("content-type").as_deref(),
        header("content-encoding").as_deref(),
        &payload,
        Some(&url),
    ) else {
        return Ok(None);
    };
    store_text(tx, &sha, &extracted)?;
    Ok(Some(extracted))
}

/// The HTTP head (as text) and payload of the record holding a snapshot's payload (`holder`: the
/// snapshot itself, or the original of a revisit); `None` when the record cannot be read.
fn http_parts_of(
    tx: &Transaction<'_>,
    root: &Path,
    holder: i64,
) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    let (file, offset, length): (String, i64, i64) = tx
        .prepare_cached(
            "SELECT f.path, r.offset, r.length FROM snapshots s JOIN records r ON r.id = s.record_id
             JOIN warc_files f ON f.id = r.warc_file_id WHERE s.id = ?1",
        )?
        .query_row([holder], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let Ok(record) = read_record(root, &file, offset.cast_unsigned(), length.cast_unsigned())
    else {
        return Ok(None);
    };
    Ok(record
        .http_parts()
        .map(|(head, payload)| (String::from_utf8_lossy(head).into_owned(), payload.to_vec())))
}

/// The title of a capture's page, cheaply: the cached one when its text was extracted before,
/// else only the `<title>` of the decoded payload (no main-text extraction, nothing cached).
/// `None` for a payload that is not HTML or has no title.
pub(crate) fn title_of_snapshot(
    tx: &Transaction<'_>,
    root: &Path,
    snapshot: i64,
) -> rusqlite::Result<Option<String>> {
    let (sha, holder): (String, i64) = tx
        .prepare_cached(
            "SELECT payload_sha256, COALESCE(revisit_of, id) FROM snapshots WHERE id = ?1",
        )?
        .query_row([snapshot], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let cached: Option<Option<String>> = tx
        .prepare_cached("SELECT title FROM texts WHERE payload_sha256 = ?1")?
        .query_row([&sha], |r| r.get(0))
        .optional()?;
    if let Some(title) = cached {
        return Ok(title);
    }
    let Some((head, payload)) = http_parts_of(tx, root, holder)? else {
        return Ok(None);
    };
    let content_type = header_value(&head, "content-type");
    let Ok((bytes, _)) = content::decode::decode_content(
        header_value(&head, "content-encoding").as_deref(),
        &payload,
        4 << 20,
    ) else {
        return Ok(None);
    };
    if ContentKind::of(content_type.as_deref(), &bytes) != ContentKind::Html {
        return Ok(None);
    }
    let html = content::decode::to_text(&bytes, content_type.as_deref());
    Ok(content::cues::title_and_heading(&html).0)
}

/// A header's value in an HTTP head, by case-insensitive name.
#[must_use]
pub fn header_value(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// kind, title, heading, gzip of the text
type TextRow = (String, Option<String>, Option<String>, Option<Vec<u8>>);

fn cached_text(tx: &Transaction<'_>, sha: &str) -> rusqlite::Result<Option<Extracted>> {
    let row: Option<TextRow> = tx
        .prepare_cached(
            "SELECT kind, title, heading, text_gz FROM texts WHERE payload_sha256 = ?1",
        )?
        .query_row([sha], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
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

fn store_text(tx: &Transaction<'_>, sha: &str, extracted: &Extracted) -> rusqlite::Result<()> {
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
    tx.prepare_cached(
        "INSERT OR IGNORE INTO texts (payload_sha256, kind, title, heading, text_gz) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![sha, kind, extracted.title, extracted.heading, gz])?;
    Ok(())
}
