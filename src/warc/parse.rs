//! Reading one record back: for `verify` and `show`.

use std::borrow::Cow;
use std::collections::HashMap;

/// One record as read from the archive.
#[derive(Debug, Clone)]
pub struct ParsedRecord {
    /// Field names lower-cased.
    pub fields: HashMap<String, String>,
    pub block: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("does not start with a WARC/1.x version line")]
    NoVersion,
    #[error("the header block is not terminated")]
    UnterminatedHeader,
    #[error("Content-Length is missing or not a number")]
    BadLength,
    #[error("the block is {actual} bytes, Content-Length says {declared}")]
    ShortBlock { declared: usize, actual: usize },
}

impl ParsedRecord {
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// For an `application/http` block: the HTTP head and the payload after it, with chunked
    /// framing (kept in the record as it crossed the wire) decoded.
    #[must_use]
    pub fn http_parts(&self) -> Option<(&[u8], Cow<'_, [u8]>)> {
        let end = super::http::head_end(&self.block)?;
        let (head, body) = self.block.split_at(end);
        if super::http::is_chunked(&String::from_utf8_lossy(head)) {
            return Some((
                head,
                Cow::Owned(super::http::dechunk(body, usize::MAX).entity),
            ));
        }
        Some((head, Cow::Borrowed(body)))
    }
}

/// Parses the bytes of one uncompressed record.
pub fn parse_record(bytes: &[u8]) -> Result<ParsedRecord, ParseError> {
    if !bytes.starts_with(b"WARC/1.") {
        return Err(ParseError::NoVersion);
    }
    let head_end = find(bytes, b"\r\n\r\n").ok_or(ParseError::UnterminatedHeader)?;
    let head = String::from_utf8_lossy(&bytes[..head_end]);
    let fields: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let declared: usize = fields
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .ok_or(ParseError::BadLength)?;
    let start = head_end + 4;
    let available = bytes.len() - start;
    if available < declared {
        return Err(ParseError::ShortBlock {
            declared,
            actual: available,
        });
    }
    Ok(ParsedRecord {
        fields,
        block: bytes[start..start + declared].to_vec(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warc::Record;

    #[test]
    fn an_encoded_record_parses_back() {
        let record = Record {
            fields: vec![("WARC-Type", "response".to_owned())],
            block: b"HTTP/1.1 200 OK\r\na: b\r\n\r\nbody".to_vec(),
        };
        let parsed = parse_record(&record.encode()).unwrap();
        assert_eq!(parsed.field("warc-type"), Some("response"));
        let (head, payload) = parsed.http_parts().unwrap();
        assert_eq!(head, b"HTTP/1.1 200 OK\r\na: b\r\n\r\n");
        assert_eq!(&*payload, b"body");
    }

    #[test]
    fn a_chunked_block_gives_the_entity_as_payload() {
        let record = Record {
            fields: vec![],
            block: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x\r\nbody\r\n0\r\n\r\n"
                .to_vec(),
        };
        let parsed = parse_record(&record.encode()).unwrap();
        assert_eq!(&*parsed.http_parts().unwrap().1, b"body");
    }

    #[test]
    fn a_cut_record_is_short() {
        let mut bytes = Record {
            fields: vec![],
            block: vec![b'x'; 100],
        }
        .encode();
        bytes.truncate(60);
        assert!(matches!(
            parse_record(&bytes),
            Err(ParseError::ShortBlock { .. })
        ));
        assert_eq!(
            parse_record(b"HTTP/1.1").unwrap_err(),
            ParseError::NoVersion
        );
    }
}
