//! Fixity: re-read every record the index points to and recompute its digests.
//!
//! Each record is read by seeking to its offset and inflating exactly its gzip member, so the
//! work is one read and one hash per byte: bounded by the disk and SHA-256, not by parsing.
//! Problems are values: a missing file, a truncated record (the file ends before it does), a
//! corrupt one (gzip error, unparseable, wrong record, or a digest that does not match). The
//! index itself is checked first with SQLite's own `integrity_check`: a damaged index would
//! otherwise list fewer records and still read "0 problems".

use super::index::Index;
use crate::warc::{Sha256, parse_record};
use serde::Serialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// SQLite's integrity check of the index failed (`warc_file` is the index file).
    Index,
    MissingFile,
    Truncated,
    Corrupt,
}

/// One record that failed.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub warc_file: String,
    pub offset: u64,
    pub record_type: String,
    pub target_uri: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub records: u64,
    pub files: u64,
    /// Compressed bytes read.
    pub bytes: u64,
    pub problems: Vec<Problem>,
}

struct Row {
    file: String,
    offset: u64,
    length: u64,
    record_type: String,
    record_id: String,
    target_uri: Option<String>,
    block: String,
    payload: Option<String>,
}

/// Verifies every record of the archive at `root`.
pub fn verify(
    root: &Path,
    index: &Index,
    mut on_record: impl FnMut(u64),
) -> rusqlite::Result<VerifyReport> {
    let mut report = VerifyReport::default();
    // At most 100 messages: enough to say where, without a report as large as the damage.
    let messages: Vec<String> = index
        .conn
        .prepare("PRAGMA integrity_check(100)")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for message in messages.into_iter().filter(|m| m != "ok") {
        report.problems.push(Problem {
            kind: ProblemKind::Index,
            warc_file: "index.sqlite".to_owned(),
            offset: 0,
            record_type: "index".to_owned(),
            target_uri: None,
            detail: format!("SQLite integrity check: {message}"),
        });
    }
    let mut stmt = index.conn.prepare(
        "SELECT f.path, r.offset, r.length, r.record_type, r.record_id, r.target_uri,
                r.block_sha256, r.payload_sha256
         FROM records r JOIN warc_files f ON f.id = r.warc_file_id
         ORDER BY f.path, r.offset",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Row {
            file: r.get(0)?,
            offset: r.get::<_, i64>(1)?.cast_unsigned(),
            length: r.get::<_, i64>(2)?.cast_unsigned(),
            record_type: r.get(3)?,
            record_id: r.get(4)?,
            target_uri: r.get(5)?,
            block: r.get(6)?,
            payload: r.get(7)?,
        })
    })?;
    let mut open: Option<(String, Option<File>)> = None;
    let mut buffer = Vec::new();
    for row in rows {
        let row = row?;
        report.records += 1;
        on_record(report.records);
        if open.as_ref().is_none_or(|(name, _)| *name != row.file) {
            report.files += 1;
            open = Some((row.file.clone(), File::open(root.join(&row.file)).ok()));
        }
        let Some((_, file)) = &mut open else {
            unreachable!()
        };
        let Some(file) = file else {
            report.problems.push(problem(
                &row,
                ProblemKind::MissingFile,
                "the WARC file is missing",
            ));
            continue;
        };
        match check_record(file, &row, &mut buffer) {
            Ok(()) => report.bytes += row.length,
            Err((kind, detail)) => report.problems.push(problem(&row, kind, &detail)),
        }
    }
    Ok(report)
}

fn problem(row: &Row, kind: ProblemKind, detail: &str) -> Problem {
    Problem {
        kind,
        warc_file: row.file.clone(),
        offset: row.offset,
        record_type: row.record_type.clone(),
        target_uri: row.target_uri.clone(),
        detail: detail.to_owned(),
    }
}

fn check_record(
    file: &mut File,
    row: &Row,
    buffer: &mut Vec<u8>,
) -> Result<(), (ProblemKind, String)> {
    let len = file.metadata().map_or(0, |m| m.len());
    if row
        .offset
        .checked_add(row.length)
        .is_none_or(|end| end > len)
    {
        return Err((
            ProblemKind::Truncated,
            format!(
                "the file ends at byte {len}, before the record's end at {}",
                row.offset.saturating_add(row.length)
            ),
        ));
    }
    let mut member = vec![0; usize::try_from(row.length).unwrap_or(0)];
    file.seek(SeekFrom::Start(row.offset))
        .and_then(|_| file.read_exact(&mut member))
        .map_err(|e| {
            (
                ProblemKind::Truncated,
                format!("cannot read the record: {e}"),
            )
        })?;
    buffer.clear();
    flate2::read::GzDecoder::new(&member[..])
        .read_to_end(buffer)
        .map_err(|e| (ProblemKind::Corrupt, format!("gzip: {e}")))?;
    let record = parse_record(buffer).map_err(|e| (ProblemKind::Corrupt, e.to_string()))?;
    if record.field("warc-record-id") != Some(row.record_id.as_str()) {
        return Err((
            ProblemKind::Corrupt,
            format!("expected record {} here", row.record_id),
        ));
    }
    let block = Sha256::of(&[&record.block]);
    if block.hex() != row.block {
        return Err((
            ProblemKind::Corrupt,
            "block digest does not match the index".to_owned(),
        ));
    }
    if record
        .field("warc-block-digest")
        .and_then(Sha256::from_label)
        != Some(block)
    {
        return Err((
            ProblemKind::Corrupt,
            "block digest does not match WARC-Block-Digest".to_owned(),
        ));
    }
    if row.record_type == "response" {
        let payload = record.http_parts().map_or(&[][..], |(_, p)| p);
        let digest = Sha256::of(&[payload]);
        if Some(digest.hex()) != row.payload
            || record
                .field("warc-payload-digest")
                .and_then(Sha256::from_label)
                != Some(digest)
        {
            return Err((
                ProblemKind::Corrupt,
                "payload digest does not match".to_owned(),
            ));
        }
    }
    Ok(())
}
