//! Reading the archive back: history of a URL, one capture's bytes, and a CDXJ index for replay.

use super::index::Index;
use super::judging::TxStore;
use crate::content::diff::Side;
use crate::content::judge::text_of_snapshot;
use crate::db::{OptionalExtension, params};
use crate::warc::{ParsedRecord, parse_record};
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// One line of a URL's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: String,
    /// `check` or `snapshot`.
    pub kind: &'static str,
    /// For a check: its outcome; for a snapshot: the record type (`response` or `revisit`).
    pub what: String,
    pub http_status: Option<u16>,
    pub final_url: Option<String>,
    pub payload_sha256: Option<String>,
    pub warc_file: Option<String>,
    pub offset: Option<u64>,
    /// For a snapshot made while following a redirect from another URL: that URL.
    pub via: Option<String>,
}

/// Every check and snapshot of `url`, oldest first.
pub fn history(index: &Index, url: &str) -> crate::db::Result<Vec<HistoryEntry>> {
    let conn = &index.conn;
    let Some(url_id): Option<i64> = conn
        .query_row("SELECT id FROM urls WHERE url = ?1", [url], |r| r.get(0))
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut entries = Vec::new();
    // A compact 304 has no snapshot of its own: its check shows the revalidation record that
    // holds its line.
    let mut checks = conn.prepare(
        "SELECT c.checked_at, c.outcome, c.http_status, c.final_url, f.path, r.offset
         FROM checks c LEFT JOIN records r ON r.id = c.revalidation_record_id
         LEFT JOIN warc_files f ON f.id = r.warc_file_id WHERE c.url_id = ?1",
    )?;
    for row in checks.query_map([url_id], |r| {
        Ok(HistoryEntry {
            at: r.get(0)?,
            kind: "check",
            what: r.get(1)?,
            http_status: r.get(2)?,
            final_url: r.get(3)?,
            payload_sha256: None,
            warc_file: r.get(4)?,
            offset: r.get::<_, Option<i64>>(5)?.map(i64::cast_unsigned),
            via: None,
        })
    })? {
        entries.push(row?);
    }
    let mut snapshots = conn.prepare(
        "SELECT s.captured_at, r.record_type, s.http_status, s.payload_sha256, f.path, r.offset,
                cu.url
         FROM snapshots s JOIN records r ON r.id = s.record_id
         JOIN warc_files f ON f.id = r.warc_file_id
         LEFT JOIN checks c ON c.id = s.check_id LEFT JOIN urls cu ON cu.id = c.url_id
         WHERE s.url_id = ?1",
    )?;
    for row in snapshots.query_map([url_id], |r| {
        let via: Option<String> = r.get(6)?;
        Ok(HistoryEntry {
            at: r.get(0)?,
            kind: "snapshot",
            what: r.get(1)?,
            http_status: r.get(2)?,
            final_url: None,
            payload_sha256: r.get(3)?,
            warc_file: r.get(4)?,
            offset: Some(r.get::<_, i64>(5)?.cast_unsigned()),
            via: via.filter(|v| v != url),
        })
    })? {
        entries.push(row?);
    }
    entries.sort_by(|a, b| (&a.at, a.kind).cmp(&(&b.at, b.kind)));
    Ok(entries)
}

/// A capture found for `show`.
#[derive(Debug, Clone)]
pub struct Capture {
    pub captured_at: String,
    pub record_type: String,
    pub warc_file: String,
    pub offset: u64,
    pub http_status: u16,
    pub payload_sha256: String,
    /// The record as stored (a revisit's block is the HTTP head only).
    pub record: ParsedRecord,
    /// The record that holds the payload: the same record, or the original of a revisit.
    pub payload_record: ParsedRecord,
}

#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error(transparent)]
    Index(#[from] crate::db::Error),
    #[error("no capture of {url}{}", .before.as_ref().map(|b| format!(" at or before {b}")).unwrap_or_default())]
    NotFound { url: String, before: Option<String> },
    #[error("cannot read {file} at offset {offset}: {detail}")]
    Read {
        file: String,
        offset: u64,
        detail: String,
    },
}

/// The capture of `url` nearest at or before `before` (default: the latest).
pub fn find_capture(
    root: &Path,
    index: &Index,
    url: &str,
    before: Option<&str>,
) -> Result<Capture, ShowError> {
    let conn = &index.conn;
    let found = conn
        .query_row(
            "SELECT s.captured_at, r.record_type, f.path, r.offset, r.length, s.http_status,
                    s.payload_sha256, COALESCE(s.revisit_of, s.id)
             FROM snapshots s JOIN urls u ON u.id = s.url_id
             JOIN records r ON r.id = s.record_id JOIN warc_files f ON f.id = r.warc_file_id
             WHERE u.url = ?1 AND (CAST(?2 AS TEXT) IS NULL OR s.captured_at <= ?2)
             ORDER BY s.captured_at DESC, s.id DESC LIMIT 1",
            params![url, before],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?.cast_unsigned(),
                    r.get::<_, i64>(4)?.cast_unsigned(),
                    r.get::<_, u16>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| ShowError::NotFound {
            url: url.to_owned(),
            before: before.map(str::to_owned),
        })?;
    let (captured_at, record_type, warc_file, offset, length, http_status, payload_sha256, holder) =
        found;
    let record = read_record(root, &warc_file, offset, length)?;
    let payload_record = if record_type == "revisit" {
        let (file, off, len): (String, i64, i64) = conn.query_row(
            "SELECT f.path, r.offset, r.length FROM snapshots s JOIN records r ON r.id = s.record_id
             JOIN warc_files f ON f.id = r.warc_file_id WHERE s.id = ?1",
            [holder],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        read_record(root, &file, off.cast_unsigned(), len.cast_unsigned())?
    } else {
        record.clone()
    };
    Ok(Capture {
        captured_at,
        record_type,
        warc_file,
        offset,
        http_status,
        payload_sha256,
        record,
        payload_record,
    })
}

/// Reads and parses the record whose gzip member is at `offset`.
pub fn read_record(
    root: &Path,
    file: &str,
    offset: u64,
    length: u64,
) -> Result<ParsedRecord, ShowError> {
    let err = |detail: String| ShowError::Read {
        file: file.to_owned(),
        offset,
        detail,
    };
    let f = super::objects::WarcSource::open(root, file).map_err(|e| err(e.to_string()))?;
    // The index says how long the record is; a damaged index is not trusted with an
    // allocation larger than the file.
    let size = f.len();
    if offset.checked_add(length).is_none_or(|end| end > size) {
        return Err(err(format!(
            "the file ends at byte {size}, before the record's end at offset {offset} + {length}"
        )));
    }
    let mut member = vec![0; usize::try_from(length).unwrap_or(0)];
    f.read_exact_at(&mut member, offset)
        .map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&member[..])
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("gzip: {e}")))?;
    parse_record(&bytes).map_err(|e| err(e.to_string()))
}

/// One CDXJ line per response and revisit record, sorted: `SURT TIMESTAMP JSON`.
pub fn cdxj(index: &Index) -> crate::db::Result<Vec<String>> {
    // Each capture's own record, but a 304's: a revisit that says "not modified" replays as an
    // empty 304 in pywb, so its line points at the record holding the payload it confirmed,
    // at the 304's time (the record itself stays what crossed the wire).
    let mut stmt = index.conn.prepare(
        "SELECT r.target_uri, r.date,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN pr.record_type
                     ELSE r.record_type END,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN ps.http_status
                     ELSE s.http_status END,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN ps.content_type
                     ELSE s.content_type END,
                s.payload_sha1,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN pr.length
                     ELSE r.length END,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN pr.offset
                     ELSE r.offset END,
                CASE WHEN s.http_status = 304 AND s.revisit_of IS NOT NULL THEN pf.path
                     ELSE f.path END
         FROM snapshots s JOIN records r ON r.id = s.record_id
         JOIN warc_files f ON f.id = r.warc_file_id
         LEFT JOIN snapshots ps ON ps.id = s.revisit_of
         LEFT JOIN records pr ON pr.id = ps.record_id
         LEFT JOIN warc_files pf ON pf.id = pr.warc_file_id",
    )?;
    let row = |r: &crate::db::Row<'_>| {
        Ok(cdxj_line(
            &r.get::<_, String>(0)?,
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            r.get(3)?,
            r.get::<_, Option<String>>(4)?.as_deref(),
            &r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?.cast_unsigned(),
            r.get::<_, i64>(7)?.cast_unsigned(),
            &r.get::<_, String>(8)?,
        ))
    };
    let mut lines: Vec<String> = stmt.query_map((), row)?.collect::<crate::db::Result<_>>()?;
    // A 304 written compactly has no record of its own: it is a memento too, at its check's
    // time, pointing at the record that holds the payload it confirmed.
    let mut compact = index.conn.prepare(
        "SELECT u.url, c.checked_at, pr.record_type, ps.http_status, ps.content_type,
                ps.payload_sha1, pr.length, pr.offset, pf.path
         FROM checks c JOIN urls u ON u.id = c.url_id
         JOIN snapshots s ON s.id = c.snapshot_id
         JOIN snapshots ps ON ps.id = COALESCE(s.revisit_of, s.id)
         JOIN records pr ON pr.id = ps.record_id JOIN warc_files pf ON pf.id = pr.warc_file_id
         WHERE c.revalidation_record_id IS NOT NULL",
    )?;
    lines.extend(
        compact
            .query_map((), row)?
            .collect::<crate::db::Result<Vec<_>>>()?,
    );
    lines.sort();
    Ok(lines)
}

/// One CDXJ line, as pywb indexes a response or revisit record: SURT key, 14-digit
/// timestamp, then JSON (a revisit's MIME type is `warc/revisit`).
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn cdxj_line(
    url: &str,
    date: &str,
    record_type: &str,
    status: u16,
    mime: Option<&str>,
    sha1: &str,
    length: u64,
    offset: u64,
    filename: &str,
) -> String {
    let mime = if record_type == "revisit" {
        "warc/revisit".to_owned()
    } else {
        mime.map_or_else(
            || "unk".to_owned(),
            |m| m.split(';').next().unwrap_or("").trim().to_owned(),
        )
    };
    let json = serde_json::json!({
        "url": url,
        "mime": mime,
        "status": status.to_string(),
        "digest": format!("sha1:{sha1}"),
        "length": length.to_string(),
        "offset": offset.to_string(),
        "filename": filename,
    });
    let stamp: String = date.chars().filter(char::is_ascii_digit).take(14).collect();
    format!("{} {stamp} {json}", surt(url))
}

/// The SURT form of a URL as pywb keys it: host reversed with commas and without `www.`, the
/// port when not the default, then `)` and the path and query, lower-cased, query sorted.
#[must_use]
pub fn surt(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return url.to_ascii_lowercase();
    };
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut key: String = host.split('.').rev().collect::<Vec<_>>().join(",");
    if let Some(port) = parsed.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    key.push(')');
    key.push_str(&parsed.path().to_ascii_lowercase());
    if let Some(query) = parsed.query() {
        let mut parts: Vec<&str> = query.split('&').collect();
        parts.sort_unstable();
        key.push('?');
        key.push_str(&parts.join("&").to_ascii_lowercase());
    }
    key
}

/// Which capture of a URL `provcheck diff` takes.
#[derive(Debug, Clone)]
pub enum Pick {
    /// The reference of the URL's citation (of this article, if given).
    Reference { article: Option<String> },
    /// The latest successful capture at or before this time (index format), or the latest.
    AtOrBefore(Option<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error(transparent)]
    Index(#[from] crate::db::Error),
    #[error("{0}")]
    NotFound(String),
}

/// The capture `pick` names, with its main text (extracted and cached on first need).
fn pick(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    url: &str,
    pick: &Pick,
) -> Result<Side, PickError> {
    let found: Option<(i64, String, String)> = match pick {
        Pick::Reference { article } => tx
            .query_row(
                "SELECT s.id, s.captured_at, s.payload_sha256 FROM citations c
                 JOIN urls u ON u.id = c.url_id JOIN snapshots s ON s.id = c.reference_snapshot_id
                 WHERE u.url = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.article_id = ?2)
                 ORDER BY c.article_id LIMIT 1",
                params![url, article],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
        Pick::AtOrBefore(before) => tx
            .query_row(
                "SELECT s.id, s.captured_at, s.payload_sha256 FROM checks c
                 JOIN urls u ON u.id = c.url_id JOIN snapshots s ON s.id = c.snapshot_id
                 WHERE u.url = ?1 AND (s.http_status BETWEEN 200 AND 299 OR s.http_status = 304)
                   AND (CAST(?2 AS TEXT) IS NULL OR s.captured_at <= ?2)
                 ORDER BY s.captured_at DESC, s.id DESC LIMIT 1",
                params![url, before],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
    };
    let (snapshot_id, captured_at, payload_sha256) = found.ok_or_else(|| {
        PickError::NotFound(match pick {
            Pick::Reference { article: Some(a) } => {
                format!("no reference capture of {url} for article {a}")
            }
            Pick::Reference { article: None } => format!("no reference capture of {url}"),
            Pick::AtOrBefore(Some(t)) => format!("no successful capture of {url} at or before {t}"),
            Pick::AtOrBefore(None) => format!("no successful capture of {url}"),
        })
    })?;
    let extracted = text_of_snapshot(&mut TxStore::new(tx, root), snapshot_id)?;
    let (text, heading) = extracted.map_or((None, None), |e| (e.text, e.heading));
    Ok(Side {
        snapshot_id,
        captured_at,
        payload_sha256,
        text,
        heading,
    })
}

/// The two sides of `provcheck diff`, read in one transaction.
pub fn diff_sides(
    root: &Path,
    index: &mut Index,
    url: &str,
    from: &Pick,
    to: &Pick,
) -> Result<(Side, Side), PickError> {
    let tx = index.conn.transaction()?;
    let old = pick(&tx, root, url, from)?;
    let new = pick(&tx, root, url, to)?;
    tx.commit()?;
    Ok((old, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surt_keys_match_pywb() {
        assert_eq!(
            surt("https://www.Example.com/A/b?z=1&a=2"),
            "com,example)/a/b?a=2&z=1"
        );
        assert_eq!(surt("http://127.0.0.1:8080/x"), "1,0,0,127:8080)/x");
        assert_eq!(surt("http://example.com"), "com,example)/");
    }
}
