//! Moving an archive (`provcheck archive migrate`): a copy of the index in another archive
//! directory, and of every WARC file it names, to that directory or to a bucket — local files
//! to objects, objects to local files, or to another bucket. The source is left as it was, so
//! `verify` can be run on both sides and must find the same records with the same digests.
//!
//! The index is copied first, as one consistent snapshot (`VACUUM INTO` from SQLite to SQLite;
//! into or out of PostgreSQL, table by table in key order in one transaction of the target,
//! which then checks its foreign keys at commit); each file then goes
//! across whole (a file still being written, only up to the end of the last record the
//! snapshot names: a torn tail is never copied), and its row in the copy is pointed at its new
//! place once it is there — uploaded and acknowledged, or written and synced.

use super::index::{Index, IndexAt};
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
    (from, from_at): (&Path, &IndexAt),
    (to, to_at): (&Path, &IndexAt),
    bucket: Option<&Bucket>,
    mut on_file: impl FnMut(&str, &str),
) -> Result<Moved, ArchiveError> {
    let source = Archive::open_existing(from, from_at)?;
    let refuse = |why: &str| ArchiveError::Write {
        path: PathBuf::from(to_at.display()),
        source: io::Error::other(why.to_owned()),
    };
    let taken = "an archive is already there: migrate into a new directory or database";
    if let IndexAt::File(target) = to_at
        && target.exists()
    {
        return Err(refuse(taken));
    }
    if to_at == from_at {
        return Err(refuse("that is the archive's own index"));
    }
    std::fs::create_dir_all(to).map_err(|source| ArchiveError::CreateDir {
        path: to.to_path_buf(),
        source,
    })?;
    let index = if let (IndexAt::File(_), IndexAt::File(target)) = (from_at, to_at) {
        source
            .conn
            .execute("VACUUM INTO ?1", [&*target.to_string_lossy()])
            .map_err(|e| source.wrap(e))?;
        drop(source);
        Index::open(target)?
    } else {
        let index = Index::open_at(to_at)?;
        let used: i64 = index
            .conn
            .query_row("SELECT COUNT(*) FROM runs", (), |r| r.get(0))
            .map_err(|e| index.wrap(e))?;
        if used > 0 {
            return Err(refuse(taken));
        }
        copy_index(&source, &index)?;
        index
    };
    copy_files(from, to, &index, bucket, &mut on_file)
}

/// Copies every WARC file `index` names from the archive `from` (to `bucket`, else under
/// `to`), pointing each row at the file's new place once it is there.
fn copy_files(
    from: &Path,
    to: &Path,
    index: &Index,
    bucket: Option<&Bucket>,
    on_file: &mut impl FnMut(&str, &str),
) -> Result<Moved, ArchiveError> {
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

/// Every table of the index, with its key (rows are copied in key order, a page at a time).
const TABLES: &[(&str, &[&str])] = &[
    ("runs", &["id"]),
    ("articles", &["id"]),
    ("urls", &["id"]),
    ("citations", &["id"]),
    ("warc_files", &["id"]),
    ("records", &["id"]),
    ("checks", &["id"]),
    ("snapshots", &["id"]),
    ("texts", &["payload_sha256"]),
    ("judgements", &["id"]),
    ("wayback_lookups", &["endpoint", "url", "timestamp"]),
    ("policies", &["id"]),
    ("manifests", &["run_id"]),
    ("witnesses", &["endpoint", "snapshot_id", "window_secs"]),
    ("workers", &["id"]),
    ("sweep_queue", &["pos"]),
    ("host_slots", &["id"]),
    ("host_turns", &["host"]),
];

/// Rows read from the source per query.
const PAGE: i64 = 5000;

/// Copies every row of `source` into the empty index `target`, in one transaction of the
/// target (its foreign keys checked when it commits); PostgreSQL's identity columns are then
/// moved past the ids copied.
fn copy_index(source: &Index, target: &Index) -> Result<(), ArchiveError> {
    let read = |e| ArchiveError::Index(source.wrap(e));
    let write = |e| ArchiveError::Index(target.wrap(e));
    let tx = target.conn.unchecked_transaction().map_err(write)?;
    if !target.conn.is_postgres() {
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")
            .map_err(write)?;
    }
    for (table, key) in TABLES {
        let keys = key.join(", ");
        let first = format!("SELECT * FROM {table} ORDER BY {keys} LIMIT {PAGE}");
        let marks: Vec<String> = (1..=key.len()).map(|i| format!("?{i}")).collect();
        let next = format!(
            "SELECT * FROM {table} WHERE ({keys}) > ({}) ORDER BY {keys} LIMIT {PAGE}",
            marks.join(", ")
        );
        let mut after: Option<Vec<crate::db::Value>> = None;
        loop {
            let mut statement = source
                .conn
                .prepare(if after.is_some() { &next } else { &first })
                .map_err(read)?;
            let columns = statement.column_names();
            let width = columns.len();
            let rows: Vec<Vec<crate::db::Value>> = statement
                .query_map(after.take().unwrap_or_default(), |r| {
                    (0..width).map(|i| r.get(i)).collect()
                })
                .map_err(read)?
                .collect::<Result<_, _>>()
                .map_err(read)?;
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                quoted.join(", "),
                (1..=width)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut put = tx.prepare_cached(&insert).map_err(write)?;
            for row in &rows {
                put.execute(row.clone()).map_err(write)?;
            }
            let Some(last) = rows.last() else { break };
            after = Some(
                key.iter()
                    .map(|k| {
                        columns
                            .iter()
                            .position(|c| c == k)
                            .map_or(crate::db::Value::Null, |i| last[i].clone())
                    })
                    .collect(),
            );
            if i64::try_from(rows.len()).unwrap_or(0) < PAGE {
                break;
            }
        }
        if target.conn.is_postgres()
            && key.len() == 1
            && matches!(key[0], "id" | "pos")
            && *table != "articles"
            && *table != "workers"
        {
            let column = key[0];
            tx.execute_batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ))
            .map_err(write)?;
        }
    }
    tx.commit().map_err(write)
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
