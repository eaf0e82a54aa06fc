//! `export wacz`: the evidence of some articles (or of everything since a time) as one WACZ 1.1.1
//! package, which opens in ReplayWeb.page and pywb and passes `wacz validate`.
//!
//! The package is a ZIP whose entries are stored, not compressed (WACZ asks it of WARC data, so
//! that a reader can seek into it):
//!
//! - `archive/data.warc.gz`: the gzip members of the selected records, copied byte for byte
//!   from the archive's WARC files (their digests unchanged), after the `warcinfo` records of
//!   the files they came from: each capture's response (or revisit, and then its original) and
//!   request, every redirect hop of the checks selected;
//! - `indexes/index.cdxj`: a CDXJ line per response and revisit, pointing into `data.warc.gz`;
//! - `pages/pages.jsonl`: a page per capture of a cited URL: its URL, capture time and title;
//! - `datapackage.json`: every file's path, size and SHA-256; `datapackage-digest.json`: the
//!   SHA-256 of `datapackage.json`.

use super::index::Index;
use crate::warc::Sha256;
use rusqlite::{OptionalExtension as _, params_from_iter};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Seek, Write};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

/// The WACZ version written.
pub const WACZ_VERSION: &str = "1.1.1";

/// What goes into the package.
#[derive(Debug, Clone, Default)]
pub struct WaczSelection {
    /// The articles whose citations' captures go in (empty: every article's).
    pub articles: Vec<String>,
    /// Only checks at or after this time (index form, `crate::time::db_time`).
    pub since: Option<String>,
    /// The package's title.
    pub title: Option<String>,
}

/// What was packaged.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WaczSummary {
    pub pages: usize,
    pub records: usize,
    pub warc_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum WaczError {
    #[error(transparent)]
    Index(#[from] rusqlite::Error),
    #[error("cannot read {file} at offset {offset}: {source}")]
    Read {
        file: String,
        offset: u64,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the package: {0}")]
    Write(#[from] zip::result::ZipError),
    #[error("cannot write the package: {0}")]
    Io(#[from] io::Error),
    #[error("nothing to package: no capture matches the selection")]
    Empty,
}

/// Where each copied record went in `data.warc.gz`: offset and length, by record id.
type Placed = BTreeMap<i64, (u64, u64)>;

/// The records to copy, by file and offset: record id and where it is.
type Records = BTreeMap<(String, u64), (i64, Source)>;

/// One record to copy.
struct Source {
    file: String,
    offset: u64,
    length: u64,
}

/// A CDXJ line's fields, with the record's place in the source archive.
#[derive(Clone)]
struct Indexed {
    /// The snapshot the line is for.
    snapshot: i64,
    /// The record it points at.
    record: i64,
    url: String,
    date: String,
    record_type: String,
    status: u16,
    mime: Option<String>,
    sha1: String,
}

/// A page: a capture of a cited URL.
struct Page {
    url: String,
    captured_at: String,
    payload_sha256: String,
    /// The record holding the payload (the original's, for a revisit).
    payload_record: Source,
}

/// A selected check: a fetch of a cited URL.
struct Check {
    id: i64,
    url: String,
    checked_at: String,
    /// Its final capture (for a compact 304, the capture it validated).
    snapshot: Option<i64>,
    /// A 304 written compactly: no record of its own.
    compact: bool,
}

/// The selected checks, oldest first.
fn selected_checks(index: &Index, selection: &WaczSelection) -> rusqlite::Result<Vec<Check>> {
    let mut sql = String::from(
        "SELECT DISTINCT k.id, u.url, k.checked_at, k.snapshot_id,
                k.revalidation_record_id IS NOT NULL
         FROM checks k JOIN citations c ON c.url_id = k.url_id JOIN urls u ON u.id = k.url_id
         WHERE 1",
    );
    let mut params: Vec<String> = Vec::new();
    if !selection.articles.is_empty() {
        sql.push_str(" AND c.article_id IN (");
        sql.push_str(&vec!["?"; selection.articles.len()].join(","));
        sql.push(')');
        params.extend(selection.articles.iter().cloned());
    }
    if let Some(since) = &selection.since {
        sql.push_str(" AND k.checked_at >= ?");
        params.push(since.clone());
    }
    sql.push_str(" ORDER BY k.id");
    index
        .conn
        .prepare(&sql)?
        .query_map(params_from_iter(params), |r| {
            Ok(Check {
                id: r.get(0)?,
                url: r.get(1)?,
                checked_at: r.get(2)?,
                snapshot: r.get(3)?,
                compact: r.get(4)?,
            })
        })?
        .collect()
}

/// What goes into a package.
struct Plan {
    /// The `warcinfo` records of the source files, first.
    warcinfos: Vec<(i64, Source)>,
    /// The records to copy by record id, in their files' order.
    records: Records,
    indexed: Vec<Indexed>,
    pages: Vec<Page>,
}

/// Every snapshot of the selected checks (each redirect hop, the capture a compact 304
/// validated), and the originals of their revisits.
fn selected_snapshots(index: &Index, checks: &[Check]) -> rusqlite::Result<BTreeSet<i64>> {
    let mut snapshots: BTreeSet<i64> = BTreeSet::new();
    let mut by_check = index
        .conn
        .prepare_cached("SELECT id, revisit_of FROM snapshots WHERE check_id = ?1")?;
    let mut original_of = index
        .conn
        .prepare_cached("SELECT revisit_of FROM snapshots WHERE id = ?1")?;
    for check in checks {
        let rows: Vec<(i64, Option<i64>)> = by_check
            .query_map([check.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, original) in rows {
            snapshots.insert(id);
            snapshots.extend(original);
        }
        // A compact 304's check points at the capture it validated, perhaps an older one.
        if let Some(snapshot) = check.snapshot {
            snapshots.insert(snapshot);
            let original: Option<i64> = original_of.query_row([snapshot], |r| r.get(0))?;
            snapshots.extend(original);
        }
    }
    Ok(snapshots)
}

/// A line per compact 304: a memento too, at its check's time, pointing where the line of the
/// capture it validated points.
fn compact_mementos(checks: &[Check], indexed: &[Indexed]) -> Vec<Indexed> {
    let mut lines = Vec::new();
    for check in checks.iter().filter(|c| c.compact) {
        let Some(validated) = check.snapshot else {
            continue;
        };
        let Some(line) = indexed
            .iter()
            .find(|l| l.snapshot == validated)
            .map(|l| Indexed {
                snapshot: validated,
                url: check.url.clone(),
                date: check.checked_at.clone(),
                ..l.clone()
            })
        else {
            continue;
        };
        lines.push(line);
    }
    lines
}

/// A page per check of a cited URL: the URL as cited, when it was checked, and where the
/// payload it led to is (for its title).
fn pages_of(checks: &[Check], payloads: &BTreeMap<i64, (String, Source)>) -> Vec<Page> {
    checks
        .iter()
        .filter_map(|check| {
            let (payload_sha256, payload_record) = payloads.get(&check.snapshot?)?;
            Some(Page {
                url: check.url.clone(),
                captured_at: check.checked_at.clone(),
                payload_sha256: payload_sha256.clone(),
                payload_record: Source {
                    file: payload_record.file.clone(),
                    offset: payload_record.offset,
                    length: payload_record.length,
                },
            })
        })
        .collect()
}

/// The records, index lines and pages of `selection`.
fn plan(index: &Index, selection: &WaczSelection) -> Result<Plan, WaczError> {
    let checks = selected_checks(index, selection)?;
    let snapshots = selected_snapshots(index, &checks)?;
    if snapshots.is_empty() {
        return Err(WaczError::Empty);
    }
    // The records to copy, in their files' order, and what the index and pages need.
    let mut records: Records = BTreeMap::new();
    let mut indexed = Vec::new();
    let mut payloads: BTreeMap<i64, (String, Source)> = BTreeMap::new();
    let mut stmt = index.conn.prepare_cached(
        "SELECT s.record_id, s.request_record_id, r.target_uri, r.date, r.record_type,
                s.http_status, s.content_type, s.payload_sha1, s.url_id, s.captured_at,
                s.payload_sha256, pf.path, pr.offset, pr.length,
                ps.record_id, pr.record_type, ps.http_status, ps.content_type
         FROM snapshots s JOIN records r ON r.id = s.record_id
         JOIN snapshots ps ON ps.id = COALESCE(s.revisit_of, s.id)
         JOIN records pr ON pr.id = ps.record_id JOIN warc_files pf ON pf.id = pr.warc_file_id
         WHERE s.id = ?1",
    )?;
    let mut record = index.conn.prepare_cached(
        "SELECT f.path, r.offset, r.length FROM records r JOIN warc_files f ON f.id = r.warc_file_id
         WHERE r.id = ?1",
    )?;
    let mut add = |id: i64, records: &mut Records| -> rusqlite::Result<()> {
        let (file, offset, length): (String, i64, i64) =
            record.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let (offset, length) = (offset.cast_unsigned(), length.cast_unsigned());
        records.insert(
            (file.clone(), offset),
            (
                id,
                Source {
                    file,
                    offset,
                    length,
                },
            ),
        );
        Ok(())
    };
    for snapshot in &snapshots {
        let row = stmt.query_row([snapshot], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                {
                    // A 304's revisit replays as an empty 304: its line points at the record
                    // that holds the payload it confirmed, as `export cdxj` does.
                    let not_modified = r.get::<_, u16>(5)? == 304;
                    let at = |own: usize, payload: usize| if not_modified { payload } else { own };
                    Indexed {
                        snapshot: 0,
                        record: r.get(at(0, 14))?,
                        url: r.get(2)?,
                        date: r.get(3)?,
                        record_type: r.get(at(4, 15))?,
                        status: r.get(at(5, 16))?,
                        mime: r.get(at(6, 17))?,
                        sha1: r.get(7)?,
                    }
                },
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
                Source {
                    file: r.get(11)?,
                    offset: r.get::<_, i64>(12)?.cast_unsigned(),
                    length: r.get::<_, i64>(13)?.cast_unsigned(),
                },
            ))
        })?;
        let (response, request, mut line, _url_id, _captured_at, payload_sha256, payload_record) =
            row;
        line.snapshot = *snapshot;
        add(response, &mut records)?;
        if let Some(request) = request {
            add(request, &mut records)?;
        }
        payloads.insert(*snapshot, (payload_sha256, payload_record));
        indexed.push(line);
    }
    let compact = compact_mementos(&checks, &indexed);
    indexed.extend(compact);
    let pages = pages_of(&checks, &payloads);
    let warcinfos = warcinfos_of(index, &records)?;
    Ok(Plan {
        warcinfos,
        records,
        indexed,
        pages,
    })
}

/// The warcinfo records of the files `records` come from: the records name them.
fn warcinfos_of(index: &Index, records: &Records) -> rusqlite::Result<Vec<(i64, Source)>> {
    let files: BTreeSet<String> = records.keys().map(|(f, _)| f.clone()).collect();
    let mut warcinfos = Vec::new();
    for file in &files {
        let found: Option<(i64, i64, i64)> = index
            .conn
            .query_row(
                "SELECT r.id, r.offset, r.length FROM records r JOIN warc_files f ON f.id = r.warc_file_id
                 WHERE f.path = ?1 AND r.record_type = 'warcinfo' ORDER BY r.offset LIMIT 1",
                [file],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, offset, length)) = found {
            warcinfos.push((
                id,
                Source {
                    file: file.clone(),
                    offset: offset.cast_unsigned(),
                    length: length.cast_unsigned(),
                },
            ));
        }
    }
    Ok(warcinfos)
}

/// Copies the gzip members of `warcinfos` then `records` into `out`; returns where each record
/// went (offset, length) and the bytes written with their SHA-256.
fn copy_records(
    root: &Path,
    warcinfos: &[(i64, Source)],
    records: &Records,
    out: &mut impl Write,
) -> Result<(Placed, u64, Sha256), WaczError> {
    let mut hashing = Hashing::new(out);
    let mut placed: Placed = BTreeMap::new();
    let mut open: Option<(String, File)> = None;
    let mut buffer = Vec::new();
    for (id, source) in warcinfos
        .iter()
        .map(|(id, s)| (*id, s))
        .chain(records.values().map(|(id, s)| (*id, s)))
    {
        if placed.contains_key(&id) {
            continue;
        }
        let read_error = |e| WaczError::Read {
            file: source.file.clone(),
            offset: source.offset,
            source: e,
        };
        if open.as_ref().is_none_or(|(name, _)| *name != source.file) {
            let file = File::open(root.join(&source.file)).map_err(read_error)?;
            open = Some((source.file.clone(), file));
        }
        let Some((_, file)) = &open else {
            unreachable!()
        };
        buffer.resize(usize::try_from(source.length).unwrap_or(0), 0);
        file.read_exact_at(&mut buffer, source.offset)
            .map_err(read_error)?;
        placed.insert(id, (hashing.bytes, source.length));
        hashing.write_all(&buffer)?;
    }
    let (bytes, sha) = hashing.finish();
    Ok((placed, bytes, sha))
}

/// The CDXJ index of the records placed in `data.warc.gz`, sorted.
fn cdxj_of(indexed: &[Indexed], placed: &Placed) -> String {
    let mut lines: Vec<String> = indexed
        .iter()
        .filter_map(|l| {
            let (offset, length) = placed.get(&l.record)?;
            Some(super::query::cdxj_line(
                &l.url,
                &l.date,
                &l.record_type,
                l.status,
                l.mime.as_deref(),
                &l.sha1,
                *length,
                *offset,
                "data.warc.gz",
            ))
        })
        .collect();
    // One line per memento, as `export cdxj` writes them (two checks in the same second are
    // two lines with the same key).
    lines.sort();
    let mut cdxj = lines.join("\n");
    cdxj.push('\n');
    cdxj
}

/// Writes the package of `selection` to `out`.
pub fn export<W: Write + Seek>(
    root: &Path,
    index: &Index,
    selection: &WaczSelection,
    out: W,
) -> Result<WaczSummary, WaczError> {
    let Plan {
        warcinfos,
        records,
        indexed,
        mut pages,
    } = plan(index, selection)?;
    let mut zip = zip::ZipWriter::new(out);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut resources = Vec::new();

    // archive/data.warc.gz: the members, copied; their new offsets kept for the index.
    zip.start_file("archive/data.warc.gz", stored)?;
    let (placed, warc_bytes, warc_sha) = copy_records(root, &warcinfos, &records, &mut zip)?;
    resources.push(resource("archive/data.warc.gz", warc_bytes, warc_sha));
    let records_written = placed.len();

    // indexes/index.cdxj
    let cdxj = cdxj_of(&indexed, &placed);
    add_file(
        &mut zip,
        stored,
        "indexes/index.cdxj",
        cdxj.as_bytes(),
        &mut resources,
    )?;

    // pages/pages.jsonl
    let mut jsonl =
        serde_json::json!({"format": "json-pages-1.0", "id": "pages", "title": "Cited sources"})
            .to_string();
    jsonl.push('\n');
    pages.sort_by(|a, b| (&a.url, &a.captured_at).cmp(&(&b.url, &b.captured_at)));
    for (n, page) in pages.iter().enumerate() {
        let title = title_of(root, index, page);
        let mut line = serde_json::json!({
            "id": format!("page-{n}"),
            "url": page.url,
            "ts": iso(&page.captured_at),
        });
        if let Some(title) = title {
            line["title"] = serde_json::Value::String(title);
        }
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
    }
    add_file(
        &mut zip,
        stored,
        "pages/pages.jsonl",
        jsonl.as_bytes(),
        &mut resources,
    )?;

    // datapackage.json and its digest.
    let mut package = serde_json::json!({
        "profile": "data-package",
        "resources": resources,
        "wacz_version": WACZ_VERSION,
        "created": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "software": format!("provcheck {}", env!("CARGO_PKG_VERSION")),
    });
    if let Some(title) = &selection.title {
        package["title"] = serde_json::Value::String(title.clone());
    }
    let package = serde_json::to_vec_pretty(&package).expect("JSON serializes");
    zip.start_file("datapackage.json", stored)?;
    zip.write_all(&package)?;
    let digest = serde_json::to_vec_pretty(&serde_json::json!({
        "path": "datapackage.json",
        "hash": format!("sha256:{}", Sha256::of(&[&package]).hex()),
    }))
    .expect("JSON serializes");
    zip.start_file("datapackage-digest.json", stored)?;
    zip.write_all(&digest)?;
    zip.finish()?;
    Ok(WaczSummary {
        pages: pages.len(),
        records: records_written,
        warc_bytes,
    })
}

/// A datapackage resource entry.
fn resource(path: &str, bytes: u64, sha: Sha256) -> serde_json::Value {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    serde_json::json!({
        "name": name,
        "path": path,
        "hash": format!("sha256:{}", sha.hex()),
        "bytes": bytes,
    })
}

fn add_file<W: Write + Seek>(
    zip: &mut zip::ZipWriter<W>,
    options: zip::write::SimpleFileOptions,
    path: &str,
    bytes: &[u8],
    resources: &mut Vec<serde_json::Value>,
) -> Result<(), WaczError> {
    zip.start_file(path, options)?;
    zip.write_all(bytes)?;
    resources.push(resource(path, bytes.len() as u64, Sha256::of(&[bytes])));
    Ok(())
}

/// `2026-11-30T03:00:00.123456Z` from the index's time.
fn iso(db_time: &str) -> String {
    db_time.parse::<jiff::Timestamp>().map_or_else(
        |_| db_time.to_owned(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    )
}

/// A page's title: the text cache's, else read from its payload.
fn title_of(root: &Path, index: &Index, page: &Page) -> Option<String> {
    let cached = index
        .conn
        .query_row(
            "SELECT title FROM texts WHERE payload_sha256 = ?1",
            [&page.payload_sha256],
            |r| r.get::<_, Option<String>>(0),
        )
        .ok();
    if let Some(title) = cached {
        return title;
    }
    let source = &page.payload_record;
    let record =
        super::query::read_record(root, &source.file, source.offset, source.length).ok()?;
    let (head, payload) = record.http_parts()?;
    let head = String::from_utf8_lossy(head);
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let content_type = header("content-type");
    let (bytes, _) = crate::content::decode::decode_content(
        header("content-encoding").as_deref(),
        payload,
        crate::content::DECODE_LIMIT,
    )
    .ok()?;
    let html = crate::content::decode::to_text(&bytes, content_type.as_deref());
    crate::content::cues::title_and_heading(&html).0
}

/// A writer that hashes and counts what goes through it.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<'a, W: Write> Hashing<'a, W> {
    fn new(inner: &'a mut W) -> Self {
        use sha2::Digest as _;
        Self {
            inner,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (u64, Sha256) {
        use sha2::Digest as _;
        (self.bytes, Sha256(self.hasher.finalize().into()))
    }
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
