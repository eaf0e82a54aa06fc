//! HTTP message heads as stored in WARC `request` and `response` blocks.
//!
//! An HTTP/1.x exchange is stored as the bytes that crossed the wire (status line, header names in
//! their case and order, chunk framing); the helpers here find the head in those bytes, decode
//! chunked framing for the payload, and redact secrets in a request. An HTTP/2 exchange, which has
//! no such bytes, is written as an HTTP/1.1 transcription (marked `WARC-Protocol: h2` by the
//! caller) whose body is the entity, so `Transfer-Encoding` is dropped from its headers.

use http::header::HeaderMap;

/// `GET /path?query HTTP/1.1` and the headers sent: the transcription of an HTTP/2 request.
#[must_use]
pub fn http_request_head(target: &str, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("GET {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// `HTTP/1.1 200 OK` and the headers received, less `Transfer-Encoding`: the transcription of
/// an HTTP/2 response.
#[must_use]
pub fn http_response_head(status: u16, headers: &HeaderMap) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    for (name, value) in headers {
        if name == http::header::TRANSFER_ENCODING {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A header's value in an HTTP head (as text), by case-insensitive name; the first of several.
#[must_use]
pub fn header_value(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// Where an HTTP/1 head ends: the index just past the empty line that closes it. Lines may end
/// in CRLF or, as parsers accept, a bare LF.
#[must_use]
pub fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == b'\n') {
        let at = from + i + 1;
        match bytes.get(at..) {
            Some([b'\n', ..]) => return Some(at + 1),
            Some([b'\r', b'\n', ..]) => return Some(at + 2),
            _ => from = at,
        }
    }
    None
}

/// The status code of a response head's status line (`HTTP/1.1 200 OK`).
fn status_of(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\n').next()?;
    let code = line.split(|&b| b == b' ').nth(1)?;
    std::str::from_utf8(code).ok()?.trim().parse().ok()
}

/// Where the final response starts in the bytes a connection received: after any interim
/// `1xx` responses (`100 Continue`, `103 Early Hints`), which a client reads past.
#[must_use]
pub fn final_response_start(bytes: &[u8]) -> usize {
    let mut start = 0;
    while let Some(len) = head_end(&bytes[start..]) {
        match status_of(&bytes[start..start + len]) {
            Some(100 | 102..=199) => start += len,
            _ => break,
        }
    }
    start
}

/// A chunked body decoded: the entity, how many bytes of the framing it came from, and whether
/// the framing was complete (the last chunk and the trailer section were there).
#[derive(Debug, PartialEq, Eq)]
pub struct Dechunked {
    pub entity: Vec<u8>,
    pub consumed: usize,
    pub complete: bool,
}

/// Decodes `Transfer-Encoding: chunked` framing (chunk extensions and trailers skipped), leniently:
/// a cut stream yields the entity as far as it goes, and at most `limit` entity bytes are taken
/// (`consumed` then stops inside the chunk where the limit fell, so that decoding
/// `framed[..consumed]` gives `entity` back).
#[must_use]
pub fn dechunk(framed: &[u8], limit: usize) -> Dechunked {
    let mut entity = Vec::with_capacity(framed.len().min(limit));
    let mut at = 0;
    let done = |entity, consumed, complete| Dechunked {
        entity,
        consumed,
        complete,
    };
    loop {
        let Some(eol) = framed[at..].iter().position(|&b| b == b'\n') else {
            return done(entity, at, false);
        };
        let line = &framed[at..at + eol];
        let digits: &[u8] = line
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        let size = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| usize::from_str_radix(d, 16).ok());
        let Some(size) = size else {
            return done(entity, at, false);
        };
        let data = at + eol + 1;
        if size == 0 {
            // The trailer section: header lines up to an empty line.
            let mut line_start = data;
            loop {
                let Some(eol) = framed[line_start..].iter().position(|&b| b == b'\n') else {
                    return done(entity, framed.len(), false);
                };
                let line = &framed[line_start..line_start + eol];
                line_start += eol + 1;
                if line.trim_ascii().is_empty() {
                    return done(entity, line_start, true);
                }
            }
        }
        let room = limit - entity.len();
        let available = framed.len().saturating_sub(data);
        let take = size.min(available).min(room);
        entity.extend_from_slice(&framed[data..data + take]);
        if take < size {
            return done(entity, data + take, false);
        }
        at = data + size;
        // The CRLF closing the chunk's data.
        match framed.get(at..) {
            Some([b'\r', b'\n', ..]) => at += 2,
            Some([b'\n', ..]) => at += 1,
            _ => return done(entity, at.min(framed.len()), false),
        }
    }
}

/// Whether a response head (as text) declares a chunked body.
#[must_use]
pub fn is_chunked(head: &str) -> bool {
    head.lines().skip(1).any(|line| {
        line.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.rsplit(',')
                    .next()
                    .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        })
    })
}

/// A request head with the values of the named headers replaced by `with` (secrets sent but
/// not kept). Names compare case-insensitively; the rest of the bytes are left as they are.
#[must_use]
pub fn redact_headers(head: &[u8], names: &[&str], with: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    for (i, line) in head.split_inclusive(|&b| b == b'\n').enumerate() {
        let secret = i > 0
            && line.iter().position(|&b| b == b':').is_some_and(|colon| {
                let name = line[..colon].trim_ascii();
                names
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
            });
        if secret {
            let colon = line.iter().position(|&b| b == b':').unwrap_or(0);
            let ending: &[u8] = if line.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            };
            out.extend_from_slice(&line[..=colon]);
            out.push(b' ');
            out.extend_from_slice(with.as_bytes());
            out.extend_from_slice(ending);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_encoding_is_dropped_and_the_rest_kept_in_order() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "text/html".parse().unwrap());
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        headers.append("set-cookie", "a=1".parse().unwrap());
        headers.append("set-cookie", "b=2".parse().unwrap());
        let head = String::from_utf8(http_response_head(404, &headers)).unwrap();
        assert_eq!(
            head,
            "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
        );
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn heads_end_at_the_empty_line_with_crlf_or_bare_lf() {
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody"), Some(25));
        assert_eq!(head_end(b"HTTP/1.0 200 OK\nA: b\n\nbody"), Some(22));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\nA: b\r\n"), None);
    }

    #[test]
    fn interim_responses_are_skipped() {
        let bytes = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n\r\nx";
        let start = final_response_start(bytes);
        assert!(bytes[start..].starts_with(b"HTTP/1.1 200 OK"));
        assert_eq!(final_response_start(b"HTTP/1.1 200 OK\r\n\r\n"), 0);
    }

    #[test]
    fn chunked_framing_decodes_with_extensions_trailers_and_cuts() {
        let framed = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nextra";
        let d = dechunk(framed, usize::MAX);
        assert_eq!(d.entity, b"hello world");
        assert!(d.complete);
        assert_eq!(&framed[d.consumed..], b"extra");

        let cut = dechunk(&framed[..14], usize::MAX);
        assert_eq!(cut.entity, b"hello");
        assert!(!cut.complete);

        let limited = dechunk(framed, 7);
        assert_eq!(limited.entity, b"hello w");
        assert_eq!(
            dechunk(&framed[..limited.consumed], usize::MAX).entity,
            b"hello w"
        );

        assert_eq!(dechunk(b"zz\r\n", 10).entity, b"");
    }

    #[test]
    fn chunked_is_the_last_transfer_coding() {
        assert!(is_chunked(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
        ));
        assert!(is_chunked(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n"
        ));
        assert!(!is_chunked("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"));
    }

    #[test]
    fn secrets_are_redacted_and_everything_else_kept_byte_for_byte() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\nauthorization: Bearer s3cret\r\nX-Key:k\r\n\r\n";
        let out = redact_headers(head, &["Authorization", "x-key"], "[redacted]");
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\nHost: a\r\nauthorization: [redacted]\r\nX-Key: [redacted]\r\n\r\n"
        );
        assert_eq!(redact_headers(head, &[], "x"), head);
    }
}
