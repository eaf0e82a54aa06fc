//! The WARC files of one process: each process writes its own files (never appending to another
//! process's), holds an exclusive lock on the file it writes, and rotates at a size.
//!
//! A file whose writer died (kill -9, power loss) is left in state `open` in the index and
//! unlocked. [`recover`] finds such files, keeps every complete gzip member that parses as a
//! record, and cuts the torn tail, so that every file passes `warcio check` and every index row
//! points at a complete record (rows are committed only after their records are synced).

use crate::warc::{Record, warc_date};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The WARC file being written.
pub struct OpenWarc {
    /// Index row id.
    pub id: i64,
    /// Path relative to the archive directory.
    pub rel_path: String,
    pub abs_path: PathBuf,
    file: File,
    /// Bytes of complete records written.
    pub size: u64,
}

impl OpenWarc {
    /// Creates `rel_path` under `root` (it must not exist), locks it and writes its `warcinfo`
    /// record. Returns the file and the warcinfo record's gzip member.
    pub fn create(
        root: &Path,
        rel_path: &str,
        at: jiff::Timestamp,
        level: u32,
        info: &crate::archive::WarcinfoFields,
        record_id: String,
        first: Option<&str>,
    ) -> io::Result<(Self, WarcinfoRecord)> {
        let abs_path = root.join(rel_path);
        if let Some(parent) = abs_path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&abs_path)?;
        file.try_lock()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let file_name = abs_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let block = warcinfo_block(info).into_bytes();
        let block_digest = crate::warc::Sha256::of(&[&block]);
        let mut fields = vec![
            ("WARC-Type", "warcinfo".to_owned()),
            ("WARC-Record-ID", record_id.clone()),
            ("WARC-Date", warc_date(at)),
            ("WARC-Filename", file_name),
            ("Content-Type", "application/warc-fields".to_owned()),
            ("WARC-Block-Digest", block_digest.warc_label()),
        ];
        if let Some(first) = first {
            fields.push(("WARC-Warcinfo-ID", first.to_owned()));
        }
        let record = Record { fields, block };
        let warcinfo = WarcinfoRecord {
            gz: record.encode_gzip(level),
            record_id,
            date: warc_date(at),
            block_digest,
        };
        Ok((
            Self {
                id: 0,
                rel_path: rel_path.to_owned(),
                abs_path,
                file,
                size: 0,
            },
            warcinfo,
        ))
    }

    /// Appends one gzip member; returns its offset and length.
    pub fn append(&mut self, member: &[u8]) -> io::Result<(u64, u64)> {
        let offset = self.size;
        if let Err(e) = self.file.write_all(member) {
            // Leave no half record behind if the file can still be cut.
            let _ = self.file.set_len(offset);
            let _ = self.file.seek(SeekFrom::Start(offset));
            return Err(e);
        }
        self.size += member.len() as u64;
        Ok((offset, member.len() as u64))
    }

    /// Appends one gzip member written by `write` (through a buffer); returns its offset and
    /// length. A failure cuts the file back to where the member began.
    pub fn append_with(
        &mut self,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<(u64, u64)> {
        let offset = self.size;
        let written = (|| {
            let mut out = io::BufWriter::with_capacity(1 << 16, &mut self.file);
            write(&mut out)?;
            out.flush()
        })();
        let end = self.file.stream_position();
        match (written, end) {
            (Ok(()), Ok(end)) => {
                self.size = end;
                Ok((offset, end - offset))
            }
            (Err(e), _) | (Ok(()), Err(e)) => {
                let _ = self.file.set_len(offset);
                let _ = self.file.seek(SeekFrom::Start(offset));
                Err(e)
            }
        }
    }

    /// Makes everything appended durable.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// The host's name, for `warcinfo` and a sweep worker's id.
pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The `application/warc-fields` block of a `warcinfo` record (WARC 1.1 annex, and the fields
/// Heritrix and wget write): software, format, conformance, operator, host, user agent, robots.
fn warcinfo_block(info: &crate::archive::WarcinfoFields) -> String {
    let mut fields = vec![
        (
            "software",
            format!("provcheck/{}", env!("CARGO_PKG_VERSION")),
        ),
        ("format", "WARC File Format 1.1".to_owned()),
        (
            "conformsTo",
            "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
                .to_owned(),
        ),
        ("hostname", hostname()),
    ];
    if let Some(operator) = &info.operator {
        fields.push(("operator", operator.clone()));
    }
    if !info.user_agent.is_empty() {
        fields.push(("http-header-user-agent", info.user_agent.clone()));
    }
    if !info.robots.is_empty() {
        fields.push(("robots", info.robots.clone()));
    }
    fields.push((
        "description",
        "sources cited by news articles, captured by provcheck".to_owned(),
    ));
    let mut block = String::new();
    for (name, value) in fields {
        // A value is one line: a configured operator cannot add fields.
        block.push_str(name);
        block.push_str(": ");
        block.push_str(&value.replace(['\r', '\n'], " "));
        block.push_str("\r\n");
    }
    block
}

/// The `warcinfo` record that opens a file.
pub struct WarcinfoRecord {
    pub gz: Vec<u8>,
    pub record_id: String,
    pub date: String,
    pub block_digest: crate::warc::Sha256,
}

/// `warc/YYYY/MM/provcheck-YYYYMMDDhhmmss-<pid>-<serial>.warc.gz`
#[must_use]
pub fn file_name(at: jiff::Timestamp, serial: u32) -> String {
    format!(
        "warc/{}/provcheck-{}-{}-{serial:05}.warc.gz",
        at.strftime("%Y/%m"),
        at.strftime("%Y%m%d%H%M%S"),
        std::process::id()
    )
}

/// What recovering one file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Another live process holds the file.
    InUse,
    /// The file is gone.
    Missing,
    /// The file now ends after its last complete record, `cut` bytes of torn tail removed.
    Recovered { size: u64, cut: u64 },
}

/// Recovers a file left open by a writer that died: keeps every complete record from
/// `known_end` (the end of the last indexed record) on, and cuts what follows.
pub fn recover(path: &Path, known_end: u64) -> io::Result<Recovery> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Recovery::Missing),
        Err(e) => return Err(e),
    };
    if file.try_lock().is_err() {
        return Ok(Recovery::InUse);
    }
    let len = file.metadata()?.len();
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(known_end.min(len)))?;
    file.read_to_end(&mut tail)?;
    let good = complete_members(&tail);
    let size = known_end.min(len) + good as u64;
    if size < len {
        file.set_len(size)?;
        file.sync_all()?;
    }
    Ok(Recovery::Recovered {
        size,
        cut: len - size,
    })
}

/// The length of the longest prefix of `bytes` made of complete gzip members that each hold a
/// parseable record.
fn complete_members(bytes: &[u8]) -> usize {
    let mut rest = bytes;
    let mut good = 0;
    while !rest.is_empty() {
        let mut decoder = flate2::bufread::GzDecoder::new(rest);
        let mut out = Vec::new();
        if decoder.read_to_end(&mut out).is_err() || crate::warc::parse_record(&out).is_err() {
            break;
        }
        let remaining = decoder.into_inner();
        good += rest.len() - remaining.len();
        rest = remaining;
    }
    good
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warc::gzip_member;

    fn member(n: usize) -> Vec<u8> {
        let record = Record {
            fields: vec![("WARC-Type", "resource".to_owned())],
            block: vec![b'a'; n],
        };
        gzip_member(&record.encode(), 6)
    }

    #[test]
    fn complete_members_stop_at_a_torn_one() {
        let (a, b, c) = (member(10), member(2000), member(30));
        let mut bytes = [a.clone(), b.clone(), c.clone()].concat();
        assert_eq!(complete_members(&bytes), bytes.len());
        bytes.truncate(a.len() + b.len() + c.len() / 2);
        assert_eq!(complete_members(&bytes), a.len() + b.len());
        assert_eq!(complete_members(&a[..a.len() - 1]), 0);
        assert_eq!(complete_members(b"garbage"), 0);
    }

    #[test]
    fn recovery_cuts_the_torn_tail_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.warc.gz");
        let (a, b) = (member(10), member(500));
        std::fs::write(
            &path,
            [a.clone(), b.clone(), b[..b.len() / 2].to_vec()].concat(),
        )
        .unwrap();
        let r = recover(&path, a.len() as u64).unwrap();
        assert_eq!(
            r,
            Recovery::Recovered {
                size: (a.len() + b.len()) as u64,
                cut: (b.len() / 2) as u64
            }
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            (a.len() + b.len()) as u64
        );
        assert_eq!(
            recover(&dir.path().join("gone"), 0).unwrap(),
            Recovery::Missing
        );
    }

    #[test]
    fn a_locked_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.warc.gz");
        std::fs::write(&path, member(10)).unwrap();
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        assert_eq!(recover(&path, 0).unwrap(), Recovery::InUse);
    }
}
