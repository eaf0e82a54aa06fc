//! Compact 304s (`not_modified_record = "compact"`): the batch's revalidations as one WARC
//! `metadata` record of JSON lines, one per 304, each naming the record whose payload the server
//! confirmed.

use super::prepare::{PreparedExchange, RefersTo};
use super::rows::WrittenRecord;
use super::{Archive, ArchiveError, REVALIDATIONS_TYPE};
use crate::warc::Sha256;

/// A 304 written as a line of the batch's revalidation record: the snapshot it validated and
/// the `records` row of that record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Revalidation {
    pub(super) holder: i64,
    pub(super) record: i64,
}

impl Archive {
    /// Appends the batch's revalidation record: a WARC `metadata` record whose block is one JSON
    /// line per 304 (see [`NotModifiedRecord::Compact`]).
    pub(super) fn write_revalidations(
        &mut self,
        lines: &[u8],
        now: jiff::Timestamp,
    ) -> Result<WrittenRecord, ArchiveError> {
        self.write_metadata(REVALIDATIONS_TYPE, None, lines, now)
    }

    /// A new `metadata` record's id, date and header fields.
    fn metadata_fields(
        &self,
        content_type: &str,
        target_uri: Option<&str>,
        block: &Sha256,
        now: jiff::Timestamp,
    ) -> (String, String, Vec<(&'static str, String)>) {
        let record_id = crate::warc::new_record_id();
        let date = crate::warc::warc_date(now);
        let mut fields = vec![
            ("WARC-Type", "metadata".to_owned()),
            ("WARC-Record-ID", record_id.clone()),
            ("WARC-Date", date.clone()),
        ];
        if let Some(uri) = target_uri {
            fields.push(("WARC-Target-URI", uri.to_owned()));
        }
        fields.extend([
            ("Content-Type", content_type.to_owned()),
            ("WARC-Block-Digest", block.warc_label()),
            ("WARC-Warcinfo-ID", self.warcinfo_id.clone()),
        ]);
        (record_id, date, fields)
    }

    /// Appends a `metadata` record of `content_type` whose block (`len` bytes, digest `block`)
    /// is written by `write_block` as it goes, never held whole (not synced: the caller syncs
    /// before the index names it). The record is one gzip member like any other.
    pub(super) fn write_metadata_streamed(
        &mut self,
        content_type: &str,
        target_uri: Option<&str>,
        (len, block): (u64, Sha256),
        write_block: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
        now: jiff::Timestamp,
    ) -> Result<WrittenRecord, ArchiveError> {
        use std::io::Write as _;
        let (record_id, date, fields) = self.metadata_fields(content_type, target_uri, &block, now);
        let head = crate::warc::record_head(&fields, usize::try_from(len).unwrap_or(usize::MAX));
        let level = self.options.gzip_level;
        // The uncompressed size bounds the member's: enough to decide on rotating the file.
        let file = self.file_for(len + head.len() as u64, now)?;
        let at = file
            .append_with(&mut |out| {
                let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
                gz.write_all(&head)?;
                write_block(&mut gz)?;
                gz.write_all(b"\r\n\r\n")?;
                gz.finish().map(|_| ())
            })
            .map_err(|source| ArchiveError::Write {
                path: file.abs_path.clone(),
                source,
            })?;
        Ok(metadata_record(file.id, at, record_id, date, block))
    }

    /// Appends a `metadata` record of `content_type` holding `block` (not synced: the caller
    /// syncs before the index names it).
    pub(super) fn write_metadata(
        &mut self,
        content_type: &str,
        target_uri: Option<&str>,
        block_bytes: &[u8],
        now: jiff::Timestamp,
    ) -> Result<WrittenRecord, ArchiveError> {
        let block = Sha256::of(&[block_bytes]);
        let (record_id, date, fields) = self.metadata_fields(content_type, target_uri, &block, now);
        let member = crate::warc::record_gzip(&fields, &[block_bytes], self.options.gzip_level);
        let file = self.file_for(member.len() as u64, now)?;
        let at = file.append(&member).map_err(|source| ArchiveError::Write {
            path: file.abs_path.clone(),
            source,
        })?;
        Ok(metadata_record(file.id, at, record_id, date, block))
    }
}

/// The row of a `metadata` record written at `at` in file `file_id`.
fn metadata_record(
    file_id: i64,
    at: (u64, u64),
    record_id: String,
    date: String,
    block: Sha256,
) -> WrittenRecord {
    WrittenRecord {
        file_id,
        at,
        record_type: "metadata",
        record_id,
        date,
        block,
    }
}

/// One line of a revalidation record.
#[derive(serde::Serialize)]
struct RevalidationLine<'a> {
    uri: &'a str,
    date: String,
    status: u16,
    /// The record whose payload the server confirmed.
    refers_to: &'a str,
    /// The conditional request headers sent.
    sent: std::collections::BTreeMap<&'a str, &'a str>,
    etag: Option<&'a str>,
    last_modified: Option<&'a str>,
    ip: Option<&'a str>,
}

/// Appends one JSON line describing a 304 to `lines`: the URL, when, the status, the record
/// whose payload the server confirmed, the validators sent and those answered.
pub(super) fn revalidation_line(lines: &mut Vec<u8>, ex: &PreparedExchange, refers: &RefersTo) {
    let line = RevalidationLine {
        uri: ex.url.as_str(),
        date: ex.date(),
        status: ex.status,
        refers_to: &refers.record_id,
        sent: ex
            .validators_sent
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect(),
        etag: ex.etag.as_deref(),
        last_modified: ex.last_modified.as_deref(),
        ip: ex
            .extra_fields
            .iter()
            .find(|(name, _)| *name == "WARC-IP-Address")
            .map(|(_, v)| v.as_str()),
    };
    serde_json::to_writer(&mut *lines, &line).expect("JSON to memory");
    lines.push(b'\n');
}
