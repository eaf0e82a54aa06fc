//! What a WACZ package holds: the checks selected, their snapshots, the records to copy and
//! the pages to list, planned from the index before a byte is written.

use super::{WaczError, WaczSelection};
use crate::archive::index::Index;
use crate::db::{OptionalExtension as _, params_from_iter};
use std::collections::{BTreeMap, BTreeSet};

/// The records to copy, by file and offset: record id and where it is.
pub(super) type Records = BTreeMap<(String, u64), (i64, Source)>;

/// One record to copy.
pub(super) struct Source {
    pub(super) file: String,
    pub(super) offset: u64,
    pub(super) length: u64,
}

/// A CDXJ line's fields, with the record's place in the source archive.
#[derive(Clone)]
pub(super) struct Indexed {
    /// The snapshot the line is for.
    pub(super) snapshot: i64,
    /// The record it points at.
    pub(super) record: i64,
    pub(super) url: String,
    pub(super) date: String,
    pub(super) record_type: String,
    pub(super) status: u16,
    pub(super) mime: Option<String>,
    pub(super) sha1: String,
}

/// A page: a capture of a cited URL.
pub(super) struct Page {
    pub(super) url: String,
    pub(super) captured_at: String,
    pub(super) payload_sha256: String,
    /// The record holding the payload (the original's, for a revisit).
    pub(super) payload_record: Source,
}

/// A selected check: a fetch of a cited URL.
pub(super) struct Check {
    pub(super) id: i64,
    pub(super) url: String,
    pub(super) checked_at: String,
    /// Its final capture (for a compact 304, the capture it validated).
    pub(super) snapshot: Option<i64>,
    /// A 304 written compactly: no record of its own.
    pub(super) compact: bool,
}

/// The selected checks, oldest first.
pub(super) fn selected_checks(
    index: &Index,
    selection: &WaczSelection,
) -> crate::db::Result<Vec<Check>> {
    let mut sql = String::from(
        "SELECT DISTINCT k.id, u.url, k.checked_at, k.snapshot_id,
                k.revalidation_record_id IS NOT NULL
         FROM checks k JOIN citations c ON c.url_id = k.url_id JOIN urls u ON u.id = k.url_id
         WHERE 1 = 1",
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
pub(super) struct Plan {
    /// The `warcinfo` records of the source files, first.
    pub(super) warcinfos: Vec<(i64, Source)>,
    /// The records to copy by record id, in their files' order.
    pub(super) records: Records,
    pub(super) indexed: Vec<Indexed>,
    pub(super) pages: Vec<Page>,
}

/// Every snapshot of the selected checks (each redirect hop, the capture a compact 304
/// validated), and the originals of their revisits.
pub(super) fn selected_snapshots(
    index: &Index,
    checks: &[Check],
) -> crate::db::Result<BTreeSet<i64>> {
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
            .collect::<crate::db::Result<_>>()?;
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
pub(super) fn compact_mementos(checks: &[Check], indexed: &[Indexed]) -> Vec<Indexed> {
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
pub(super) fn pages_of(checks: &[Check], payloads: &BTreeMap<i64, (String, Source)>) -> Vec<Page> {
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
pub(super) fn plan(index: &Index, selection: &WaczSelection) -> Result<Plan, WaczError> {
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
    let mut add = |id: i64, records: &mut Records| -> crate::db::Result<()> {
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
pub(super) fn warcinfos_of(
    index: &Index,
    records: &Records,
) -> crate::db::Result<Vec<(i64, Source)>> {
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
