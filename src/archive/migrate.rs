//! Moving an archive (`provcheck archive migrate`): a copy of the index in another archive
//! directory, and of every WARC file it names, to that directory or to a bucket — local files
//! to objects, objects to local files, or to another bucket. The source is left as it was, so
//! `verify` can be run on both sides and must find the same records with the same digests.
//!
//! The index is copied first, as one consistent snapshot (`VACUUM INTO`); each file then goes
//! across whole (a file still being written, only up to the end of the last record the
//! snapshot names: a torn tail is never copied), and its row in the copy is pointed at its new
//! place once it is there — uploaded and acknowledged, or written and synced.

use super::objects::{Bucket, WarcSource};
use super::{Archive, ArchiveError};
use crate::db::params;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// What a migration copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    pub files: u64,
    pub bytes: u64,
}

/// Where a file of `path` goes, relative to an archive directory (`warc/YYYY/MM/NAME`).
fn relative(path: &str) -> String {
    match path.strip_prefix("s3://") {
        None => path.to_owned(),
        Some(rest) => {
            let parts: Vec<&str> = rest.rsplit('/').take(3).collect();
            let mut rel = String::from("warc");
            for part in parts.iter().rev() {
                rel.push('/');
                rel.push_str(part);
            }
            rel
        }
    }
}

/// Copies the archive `from` into the new archive directory `to`, its WARC files into
/// `bucket` when given (else under `to`). `on_file` hears of each file as it is copied.
pub fn migrate(
    from: &Path,
    to: &Path,
    bucket: Option<&Bucket>,
    mut on_file: impl FnMut(&str, &str),
) -> Result<Moved, ArchiveError> {
    let source = Archive::open_existing(from)?;
    let target = to.join("index.sqlite");
    let refuse = |why: String| ArchiveError::Write {
        path: target.clone(),
        source: io::Error::other(why),
    };
    if target.exists() {
        return Err(refuse(
            "an archive is already there: migrate into a new directory".to_owned(),
        ));
    }
    std::fs::create_dir_all(to).map_err(|source| ArchiveError::CreateDir {
        path: to.to_path_buf(),
        source,
    })?;
    source
        .conn
        .execute("VACUUM INTO ?1", [&*target.to_string_lossy()])
        .map_err(|e| source.wrap(e))?;
    drop(source);
    let index = super::index::Index::open(&target)?;
    let files: Vec<(i64, String, String, Option<i64>)> = index
        .conn
        .prepare(
            "SELECT f.id, f.path, f.state,
                    (SELECT MAX(r.offset + r.length) FROM records r WHERE r.warc_file_id = f.id)
             FROM warc_files f ORDER BY f.id",
        )
        .and_then(|mut stmt| {
            stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .map_err(|e| index.wrap(e))?;
    let mut moved = Moved::default();
    for (id, path, state, indexed_end) in files {
        if state == "missing" {
            continue;
        }
        let read_err = |source: io::Error| ArchiveError::Write {
            path: PathBuf::from(&path),
            source: io::Error::new(source.kind(), format!("cannot read it: {source}")),
        };
        let warc = WarcSource::open(from, &path).map_err(read_err)?;
        // A file still open in the snapshot is copied up to its last indexed record.
        let len = match (state.as_str(), indexed_end) {
            ("open", Some(end)) => u64::try_from(end).unwrap_or(0).min(warc.len()),
            ("open", None) => 0,
            _ => warc.len(),
        };
        let rel = relative(&path);
        let local = to.join(&rel);
        let write_err = |source| ArchiveError::Write {
            path: local.clone(),
            source,
        };
        let new_path = match (bucket, &warc) {
            (Some(bucket), WarcSource::Local(_)) => bucket
                .put_new(&rel, &from.join(&path), len)
                .map_err(|source| ArchiveError::Upload {
                    path: from.join(&path),
                    source,
                })?,
            (Some(bucket), WarcSource::Object { .. }) => {
                // Through a file of the new archive: an upload is read twice (MD5 first).
                copy(&warc, len, &local).map_err(write_err)?;
                let url =
                    bucket
                        .put_new(&rel, &local, len)
                        .map_err(|source| ArchiveError::Upload {
                            path: local.clone(),
                            source,
                        })?;
                std::fs::remove_file(&local).map_err(write_err)?;
                url
            }
            (None, _) => {
                copy(&warc, len, &local).map_err(write_err)?;
                rel.clone()
            }
        };
        let state = if state == "open" { "closed" } else { &state };
        index
            .conn
            .execute(
                "UPDATE warc_files SET path = ?1, state = ?2, size = ?3 WHERE id = ?4",
                params![new_path, state, len.cast_signed(), id],
            )
            .map_err(|e| index.wrap(e))?;
        on_file(&path, &new_path);
        moved.files += 1;
        moved.bytes += len;
    }
    Ok(moved)
}

/// Writes the first `len` bytes of `warc` to the new file `to`, synced.
fn copy(warc: &WarcSource, len: u64, to: &Path) -> io::Result<()> {
    const CHUNK: u64 = 8 << 20;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    let mut buffer = Vec::new();
    let mut at = 0;
    while at < len {
        let n = CHUNK.min(len - at);
        buffer.resize(usize::try_from(n).unwrap_or(0), 0);
        warc.read_exact_at(&mut buffer, at)?;
        out.write_all(&buffer)?;
        at += n;
    }
    out.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_lands_where_a_local_file_of_its_name_would() {
        assert_eq!(
            relative("s3://evidence/desk/2026/11/provcheck-1-2-00001.warc.gz"),
            "warc/2026/11/provcheck-1-2-00001.warc.gz"
        );
        assert_eq!(relative("warc/2026/11/a.warc.gz"), "warc/2026/11/a.warc.gz");
    }
}
