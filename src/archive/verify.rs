//! Fixity: re-read every record the index points to and recompute its digests.
//!
//! Each record is read at its offset by inflating exactly its gzip member, so the work is one
//! read and one hash per byte: bounded by inflating and SHA-256, not by parsing, and spread over
//! every core. The block digest covers every byte of a record; a response's payload is hashed
//! again only with `deep` (its `WARC-Payload-Digest` is otherwise checked against the index):
//! that second hash of the same bytes was 45 % of the time and finds nothing the block digest
//! misses, unless a writer computed the payload digest wrongly.
//! Problems are values: a missing file, a truncated record (the file ends before it does), a
//! corrupt one (gzip error, unparseable, wrong record, or a digest that does not match). The
//! index itself is checked first with its engine's own checks (SQLite's `integrity_check`;
//! PostgreSQL's constraints and, with `amcheck`, its indexes): a damaged index would otherwise
//! list fewer records and still read "0 problems".

use super::index::{Index, IndexAt};
use super::objects::WarcSource;
use crate::warc::{Sha256, parse_record};
use serde::Serialize;
use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The engine's own check of the index failed (`warc_file` names the index: its file, or
    /// its database's URL).
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

/// What the database engine's own checks find wrong with the index (at most 100 messages:
/// enough to say where, without a report as large as the damage). SQLite: `integrity_check`.
/// PostgreSQL: a constraint left unvalidated, and with the `amcheck` extension installed, every
/// B-tree index of the index's tables checked against its table.
fn index_problems(index: &Index) -> crate::db::Result<Vec<String>> {
    if !index.conn.is_postgres() {
        let messages: Vec<String> = index
            .conn
            .prepare("PRAGMA integrity_check(100)")?
            .query_map((), |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        return Ok(messages
            .into_iter()
            .filter(|m| m != "ok")
            .map(|m| format!("SQLite integrity check: {m}"))
            .collect());
    }
    let mut problems: Vec<String> = index
        .conn
        .prepare(
            "SELECT 'PostgreSQL: constraint ' || conname || ' of ' || CAST(conrelid::regclass AS TEXT)
                    || ' is not validated'
             FROM pg_constraint WHERE NOT convalidated AND connamespace = current_schema()::regnamespace
             LIMIT 100",
        )?
        .query_map((), |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    let amcheck: bool = index.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck')",
        (),
        |r| r.get(0),
    )?;
    if amcheck {
        let indexes: Vec<String> = index
            .conn
            .prepare(
                "SELECT CAST(c.oid::regclass AS TEXT) FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
                 WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace",
            )?
            .query_map((), |r| r.get(0))?
            .collect::<crate::db::Result<_>>()?;
        for name in indexes {
            if let Err(e) = index.conn.query_row(
                "SELECT CAST(bt_index_check(CAST(?1 AS regclass), true) AS TEXT)",
                [&name],
                |_| Ok(()),
            ) {
                problems.push(format!("PostgreSQL amcheck of index {name}: {e}"));
            }
        }
    }
    Ok(problems)
}

/// Verifies every record of the archive at `root`.
pub fn verify(
    root: &Path,
    index: &Index,
    deep: bool,
    mut on_record: impl FnMut(u64),
) -> crate::db::Result<VerifyReport> {
    let mut report = VerifyReport::default();
    for message in index_problems(index)? {
        report.problems.push(Problem {
            kind: ProblemKind::Index,
            warc_file: match index.at() {
                IndexAt::File(path) => path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                at @ IndexAt::Postgres(_) => at.display(),
            },
            offset: 0,
            record_type: "index".to_owned(),
            target_uri: None,
            detail: message,
        });
    }
    let mut stmt = index.conn.prepare(
        "SELECT f.path, r.offset, r.length, r.record_type, r.record_id, r.target_uri,
                r.block_sha256, r.payload_sha256
         FROM records r JOIN warc_files f ON f.id = r.warc_file_id
         ORDER BY f.path, r.offset",
    )?;
    let mut rows = stmt.query_map((), |r| {
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
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut last_file: Option<String> = None;
    loop {
        // Rows are read in chunks, so that memory stays bounded whatever the archive's size,
        // and each chunk is checked on every core: inflating and hashing is the work.
        let chunk: Vec<Row> = rows
            .by_ref()
            .take(CHUNK)
            .collect::<crate::db::Result<_>>()?;
        if chunk.is_empty() {
            break;
        }
        for row in &chunk {
            if last_file.as_deref() != Some(row.file.as_str()) {
                report.files += 1;
                last_file = Some(row.file.clone());
            }
        }
        let per_worker = chunk.len().div_ceil(workers);
        let results: Vec<(u64, Vec<Problem>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per_worker)
                .map(|rows| scope.spawn(move || check_rows(root, rows, deep)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a verify worker panicked"))
                .collect()
        });
        for (bytes, problems) in results {
            report.bytes += bytes;
            report.problems.extend(problems);
        }
        report.records += chunk.len() as u64;
        on_record(report.records);
    }
    Ok(report)
}

/// Records read and checked per chunk.
const CHUNK: usize = 4096;

/// Checks `rows` (in file and offset order) with files of its own; returns the compressed
/// bytes of the sound records and the problems, in order.
fn check_rows(root: &Path, rows: &[Row], deep: bool) -> (u64, Vec<Problem>) {
    let mut bytes = 0;
    let mut problems = Vec::new();
    let mut open: Option<(&str, Result<WarcSource, String>)> = None;
    let (mut member, mut buffer) = (Vec::new(), Vec::new());
    let mut span: Option<Span<'_>> = None;
    for (i, row) in rows.iter().enumerate() {
        if open.as_ref().is_none_or(|(name, _)| *name != row.file) {
            // A file that is not there is missing; one that cannot be reached (an object
            // store that refuses or is down) says why.
            let opened = WarcSource::open(root, &row.file).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    "the WARC file is missing".to_owned()
                } else {
                    format!("cannot open the WARC file: {e}")
                }
            });
            open = Some((row.file.as_str(), opened));
        }
        let file = match &open {
            Some((_, Ok(file))) => file,
            Some((_, Err(why))) => {
                problems.push(problem(row, ProblemKind::MissingFile, why));
                continue;
            }
            None => unreachable!("opened above"),
        };
        // An object is read a run of records at a time: one request per record would make
        // the round trip, not the hashing, the cost.
        if matches!(file, WarcSource::Object { .. }) && span.as_ref().is_none_or(|s| !s.covers(row))
        {
            span = Span::read(file, &rows[i..]);
        }
        let held = span.as_ref().filter(|s| s.covers(row));
        match check_record(file, row, held, deep, &mut member, &mut buffer) {
            Ok(()) => bytes += row.length,
            Err((kind, detail)) => problems.push(problem(row, kind, &detail)),
        }
    }
    (bytes, problems)
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

/// Bytes of one file read in one request: the records of a run of rows.
struct Span<'a> {
    file: &'a str,
    start: u64,
    bytes: Vec<u8>,
}

impl<'a> Span<'a> {
    /// Most bytes read at once.
    const MAX: u64 = 8 << 20;

    /// The records of `rows` (sorted by file and offset), from the first on, that one read of
    /// at most [`Self::MAX`] bytes of its file holds; `None` when it cannot be read (each
    /// record is then read on its own, and its failure said).
    fn read(file: &WarcSource, rows: &'a [Row]) -> Option<Self> {
        let first = rows.first()?;
        let (start, mut end) = (first.offset, first.offset.checked_add(first.length)?);
        for row in &rows[1..] {
            let row_end = row.offset.checked_add(row.length)?;
            if row.file != first.file || row.offset < end || row_end - start > Self::MAX {
                break;
            }
            end = row_end;
        }
        let end = end.min(file.len());
        let mut bytes = vec![0; usize::try_from(end.checked_sub(start)?).ok()?];
        file.read_exact_at(&mut bytes, start).ok()?;
        Some(Self {
            file: &first.file,
            start,
            bytes,
        })
    }

    fn covers(&self, row: &Row) -> bool {
        row.file == self.file
            && row.offset >= self.start
            && row.offset.saturating_add(row.length) <= self.start + self.bytes.len() as u64
    }
}

fn check_record(
    file: &WarcSource,
    row: &Row,
    span: Option<&Span<'_>>,
    deep: bool,
    member: &mut Vec<u8>,
    buffer: &mut Vec<u8>,
) -> Result<(), (ProblemKind, String)> {
    let len = file.len();
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
    member.clear();
    if let Some(span) = span {
        let at = usize::try_from(row.offset - span.start).unwrap_or(0);
        let length = usize::try_from(row.length).unwrap_or(0);
        member.extend_from_slice(&span.bytes[at..at + length]);
    }
    member.resize(usize::try_from(row.length).unwrap_or(0), 0);
    let read = if span.is_some() {
        Ok(())
    } else {
        file.read_exact_at(member, row.offset)
    };
    read.map_err(|e| {
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
        let stated = record
            .field("warc-payload-digest")
            .and_then(Sha256::from_label);
        let digest = if deep {
            let payload = record.http_parts().map(|(_, p)| p).unwrap_or_default();
            Some(Sha256::of(&[&payload]))
        } else {
            stated
        };
        if digest.is_none() || digest.map(|d| d.hex()) != row.payload || stated != digest {
            return Err((
                ProblemKind::Corrupt,
                "payload digest does not match".to_owned(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warc::Record;

    /// An archive of one response record whose `WARC-Payload-Digest` (and index row) state
    /// `stated` for the payload `body`.
    fn archive_with(dir: &Path, body: &[u8], stated: Sha256) -> Index {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
        let block = [&head[..], body].concat();
        let block_digest = Sha256::of(&[&block]);
        let record = Record {
            fields: vec![
                ("WARC-Type", "response".to_owned()),
                ("WARC-Record-ID", "<urn:uuid:1>".to_owned()),
                ("WARC-Date", "2026-11-30T03:00:00.000000Z".to_owned()),
                ("WARC-Target-URI", "http://a.test/".to_owned()),
                (
                    "Content-Type",
                    "application/http;msgtype=response".to_owned(),
                ),
                ("WARC-Payload-Digest", stated.warc_label()),
                ("WARC-Block-Digest", block_digest.warc_label()),
            ],
            block,
        };
        let member = record.encode_gzip(3);
        std::fs::write(dir.join("a.warc.gz"), &member).unwrap();
        let index = Index::open(&dir.join("index.sqlite")).unwrap();
        index
            .conn
            .execute(
                "INSERT INTO warc_files (id, path, created_at, state) VALUES (1, 'a.warc.gz', 'x', 'closed')",
                (),
            )
            .unwrap();
        index
            .conn
            .execute(
                "INSERT INTO records (warc_file_id, offset, length, record_type, record_id, target_uri,
                                      date, block_sha256, payload_sha256)
                 VALUES (1, 0, ?1, 'response', '<urn:uuid:1>', 'http://a.test/', 'x', ?2, ?3)",
                crate::db::params![
                    i64::try_from(member.len()).unwrap(),
                    block_digest.hex(),
                    stated.hex()
                ],
            )
            .unwrap();
        index
    }

    #[test]
    fn a_wrong_payload_digest_is_found_by_deep_and_a_sound_record_passes_both() {
        let dir = tempfile::tempdir().unwrap();
        let index = archive_with(dir.path(), b"hello", Sha256::of(&[b"hello"]));
        for deep in [false, true] {
            let report = verify(dir.path(), &index, deep, |_| {}).unwrap();
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            assert_eq!(report.records, 1);
        }
        // A writer that stated the wrong payload digest, in the record and in the index: the
        // block digest holds (the bytes are what was written); only the deep pass recomputes.
        let dir = tempfile::tempdir().unwrap();
        let index = archive_with(dir.path(), b"hello", Sha256::of(&[b"other"]));
        assert!(
            verify(dir.path(), &index, false, |_| {})
                .unwrap()
                .problems
                .is_empty()
        );
        let deep = verify(dir.path(), &index, true, |_| {}).unwrap();
        assert_eq!(deep.problems.len(), 1);
        assert_eq!(deep.problems[0].kind, ProblemKind::Corrupt);
    }
}
