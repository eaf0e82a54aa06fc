//! WARC 1.1 records, encoded and parsed without I/O.
//!
//! A record is `WARC/1.1`, its named fields, a blank line, the block, and two CRLFs; in a
//! `.warc.gz` file every record is its own gzip member, so a record can be read by seeking to its
//! offset and inflating one member. Digests are SHA-256, labelled `sha256:` and written in
//! base32 (RFC 4648, the encoding the reference reader `warcio` expects).
//!
//! This module builds the bytes; [`crate::archive`] decides what to write and where.

mod http;
mod parse;

pub use http::{http_request_head, http_response_head};
pub use parse::{ParseError, ParsedRecord, parse_record};

use data_encoding::{BASE32, HEXLOWER};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest as _, Sha256 as Sha256Hasher};
use std::io::Write as _;

/// The revisit profile for a payload identical to one already archived.
pub const PROFILE_IDENTICAL_PAYLOAD: &str =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";
/// The revisit profile for a `304 Not Modified` answer to a conditional request.
pub const PROFILE_SERVER_NOT_MODIFIED: &str =
    "http://netpreserve.org/warc/1.1/revisit/server-not-modified";

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    #[must_use]
    pub fn of(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256Hasher::new();
        for part in parts {
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }

    /// `sha256:BASE32`, as written in `WARC-*-Digest` fields.
    #[must_use]
    pub fn warc_label(&self) -> String {
        format!("sha256:{}", BASE32.encode(&self.0))
    }

    /// Lower-case hex, as shown to people and kept in the index.
    #[must_use]
    pub fn hex(&self) -> String {
        HEXLOWER.encode(&self.0)
    }

    /// Reads a `sha256:` label in base32 or hex.
    #[must_use]
    pub fn from_label(label: &str) -> Option<Self> {
        let value = label.strip_prefix("sha256:")?;
        let bytes = BASE32
            .decode(value.as_bytes())
            .or_else(|_| HEXLOWER.decode(value.to_ascii_lowercase().as_bytes()))
            .ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    #[must_use]
    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes = HEXLOWER.decode(hex.as_bytes()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sha256({})", self.hex())
    }
}

/// The SHA-1 of a payload in base32, as in Wayback Machine CDX digests.
#[must_use]
pub fn sha1_base32(payload: &[u8]) -> String {
    use sha1::Digest as _;
    BASE32.encode(&sha1::Sha1::digest(payload))
}

/// `2026-11-28T16:07:17Z`: WARC-Date, to the second, in UTC.
#[must_use]
pub fn warc_date(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A fresh `<urn:uuid:...>` record id.
#[must_use]
pub fn new_record_id() -> String {
    format!("<urn:uuid:{}>", uuid::Uuid::new_v4())
}

/// One record, ready to encode: its fields in order (without `Content-Length`, which is
/// computed) and its block.
#[derive(Debug, Clone)]
pub struct Record {
    pub fields: Vec<(&'static str, String)>,
    pub block: Vec<u8>,
}

impl Record {
    /// The record's bytes, uncompressed.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.block.len() + 512);
        out.extend_from_slice(b"WARC/1.1\r\n");
        for (name, value) in &self.fields {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(sanitize_field(value).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.block.len()).as_bytes());
        out.extend_from_slice(&self.block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    /// The record as one gzip member.
    #[must_use]
    pub fn encode_gzip(&self, level: u32) -> Vec<u8> {
        gzip_member(&self.encode(), level)
    }

    /// The value of a field, by case-insensitive name.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A field value may not contain line breaks: a server's header or a URL could smuggle one.
fn sanitize_field(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\r', '\n']) {
        value.replace(['\r', '\n'], " ").into()
    } else {
        value.into()
    }
}

/// Compresses `bytes` as a single gzip member.
#[must_use]
pub fn gzip_member(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        Compression::new(level.min(9)),
    );
    encoder
        .write_all(bytes)
        .expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_labels_are_base32_and_read_back() {
        let d = Sha256::of(&[b"hello"]);
        assert_eq!(
            d.hex(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            d.warc_label(),
            "sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA===="
        );
        assert_eq!(Sha256::from_label(&d.warc_label()), Some(d));
        assert_eq!(Sha256::from_label(&format!("sha256:{}", d.hex())), Some(d));
        assert_eq!(sha1_base32(b"hello"), "VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N");
    }

    #[test]
    fn records_encode_with_their_length_and_terminator() {
        let record = Record {
            fields: vec![
                ("WARC-Type", "resource".to_owned()),
                (
                    "WARC-Target-URI",
                    "http://a.test/\r\nInjected: yes".to_owned(),
                ),
            ],
            block: b"abc".to_vec(),
        };
        let bytes = record.encode();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: http://a.test/  Injected: yes\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n"
        );
    }

    #[test]
    fn warc_dates_are_whole_seconds_in_utc() {
        let at: jiff::Timestamp = "2026-11-28T16:07:17.123456Z".parse().unwrap();
        assert_eq!(warc_date(at), "2026-11-28T16:07:17Z");
    }

    #[test]
    fn a_gzip_member_round_trips() {
        let member = gzip_member(b"WARC/1.1\r\n", 6);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&member[..]), &mut out)
            .unwrap();
        assert_eq!(out, b"WARC/1.1\r\n");
    }
}
