//! WARC 1.1 records, encoded and parsed without I/O.
//!
//! A record is `WARC/1.1`, its named fields, a blank line, the block, and two CRLFs; in a
//! `.warc.gz` file every record is its own gzip member, so a record can be read by seeking to its
//! offset and inflating one member. Digests are SHA-256, labelled `sha256:` and written in
//! base32 (RFC 4648, the encoding the reference reader `warcio` expects).
//!
//! This module builds the bytes; [`crate::archive`] decides what to write and where.

pub mod http;
mod parse;

pub use http::{http_request_head, http_response_head};
pub use parse::{ParseError, ParsedRecord, parse_record};

use data_encoding::{BASE32, HEXLOWER};
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use sha2::{Digest as _, Sha256 as Sha256Hasher};

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

/// `2026-11-28T16:07:17.123456Z`: WARC-Date in UTC, to the microsecond, as the index keeps
/// times (WARC 1.1 allows a fraction of a second; warcio and pywb read it).
#[must_use]
pub fn warc_date(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
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
        let head = record_head(&self.fields, self.block.len());
        [&head[..], &self.block, b"\r\n\r\n"].concat()
    }

    /// The record as one gzip member.
    #[must_use]
    pub fn encode_gzip(&self, level: u32) -> Vec<u8> {
        record_gzip(&self.fields, &[&self.block], level)
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

/// `WARC/1.1`, the fields, `Content-Length` and the blank line that ends the header.
/// A record's header block, up to and including the empty line before its block.
#[must_use]
pub fn record_head(fields: &[(&'static str, String)], block_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"WARC/1.1\r\n");
    for (name, value) in fields {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(sanitize_field(value).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {block_len}\r\n\r\n").as_bytes());
    out
}

/// A record whose block is the concatenation of `block`, as one gzip member, without ever
/// building the uncompressed record in memory.
#[must_use]
pub fn record_gzip(fields: &[(&'static str, String)], block: &[&[u8]], level: u32) -> Vec<u8> {
    let len = block.iter().map(|b| b.len()).sum();
    let head = record_head(fields, len);
    let mut parts = Vec::with_capacity(block.len() + 2);
    parts.push(&head[..]);
    parts.extend_from_slice(block);
    parts.push(b"\r\n\r\n");
    gzip_member_of(&parts, level)
}

/// Compresses `bytes` as a single gzip member.
#[must_use]
pub fn gzip_member(bytes: &[u8], level: u32) -> Vec<u8> {
    gzip_member_of(&[bytes], level)
}

thread_local! {
    // The deflate state, reused: allocating and zeroing a fresh one for every record cost more
    // than compressing a small record (measured with perf: memset and malloc at 8 %).
    static DEFLATE: std::cell::RefCell<Option<(u32, Compress)>> = const { std::cell::RefCell::new(None) };
}

/// Compresses the concatenation of `parts` as one gzip member (RFC 1952): a 10-byte header, raw
/// deflate, then the CRC-32 and the length modulo 2^32.
#[must_use]
pub fn gzip_member_of(parts: &[&[u8]], level: u32) -> Vec<u8> {
    let level = level.min(9);
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(total / 2 + 64);
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=unknown
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut crc = Crc::new();
    DEFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            *slot = Some((level, Compress::new(Compression::new(level), false)));
        }
        let (_, deflate) = slot.as_mut().expect("just set");
        deflate.reset();
        let last = parts.len().saturating_sub(1);
        let empty: &[u8] = &[];
        let inputs = if parts.is_empty() {
            &[empty][..]
        } else {
            parts
        };
        for (i, part) in inputs.iter().enumerate() {
            crc.update(part);
            let finish = i == last;
            let mut input = *part;
            loop {
                out.reserve(input.len() / 2 + 4096);
                let before = deflate.total_in();
                let flush = if finish {
                    FlushCompress::Finish
                } else {
                    FlushCompress::None
                };
                let status = deflate
                    .compress_vec(input, &mut out, flush)
                    .expect("deflate into memory cannot fail");
                let consumed = usize::try_from(deflate.total_in() - before).expect("fits");
                input = &input[consumed..];
                if finish {
                    if status == Status::StreamEnd {
                        break;
                    }
                } else if input.is_empty() {
                    break;
                }
            }
        }
    });
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
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
    fn warc_dates_are_microseconds_in_utc() {
        let at: jiff::Timestamp = "2026-11-28T16:07:17.123456789Z".parse().unwrap();
        assert_eq!(warc_date(at), "2026-11-28T16:07:17.123456Z");
        let whole: jiff::Timestamp = "2026-11-28T16:07:17Z".parse().unwrap();
        assert_eq!(warc_date(whole), "2026-11-28T16:07:17.000000Z");
    }

    fn gunzip(member: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut decoder = flate2::bufread::GzDecoder::new(member);
        std::io::Read::read_to_end(&mut decoder, &mut out).unwrap();
        assert!(decoder.into_inner().is_empty(), "exactly one member");
        out
    }

    #[test]
    fn gzip_members_round_trip_at_every_level_and_size() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for level in [0, 1, 6, 9] {
            let cases: [&[&[u8]]; 4] = [&[], &[b""], &[b"WARC/1.1\r\n"], &[&big[..10], &big, b"x"]];
            for parts in cases {
                let member = gzip_member_of(parts, level);
                assert_eq!(gunzip(&member), parts.concat(), "level {level}");
            }
        }
    }

    #[test]
    fn a_streamed_record_equals_the_encoded_one() {
        let record = Record {
            fields: vec![("WARC-Type", "response".to_owned())],
            block: b"HTTP/1.1 200 OK\r\n\r\nbody".to_vec(),
        };
        let streamed = record_gzip(&record.fields, &[b"HTTP/1.1 200 OK\r\n\r\n", b"body"], 6);
        assert_eq!(gunzip(&streamed), record.encode());
    }
}
