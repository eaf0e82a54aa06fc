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

mod plan;

use crate::archive::index::Index;
use crate::warc::Sha256;
use plan::{Indexed, Page, Plan, Records, Source, plan};
use std::collections::BTreeMap;
use std::io::{self, Seek, Write};
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
    Index(#[from] crate::db::Error),
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
    let mut open: Option<(String, super::objects::WarcSource)> = None;
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
            let file = super::objects::WarcSource::open(root, &source.file).map_err(read_error)?;
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
        &payload,
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
