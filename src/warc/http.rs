//! HTTP message heads as stored in WARC `request` and `response` blocks.
//!
//! Every exchange is written as HTTP/1.1 (an HTTP/2 exchange is marked `WARC-Protocol: h2` by the
//! caller). The body is stored without chunk framing, so `Transfer-Encoding` is dropped from the
//! stored headers: headers and body must agree.

use reqwest::header::HeaderMap;

/// `GET /path?query HTTP/1.1` and the headers sent.
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

/// `HTTP/1.1 200 OK` and the headers received, less `Transfer-Encoding`.
#[must_use]
pub fn http_response_head(status: u16, headers: &HeaderMap) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    for (name, value) in headers {
        if name == reqwest::header::TRANSFER_ENCODING {
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
