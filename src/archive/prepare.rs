//! Turning an exchange into WARC records: pure, and run in the fetch tasks so that hashing and
//! compression use every core while the single writer only appends bytes.

use crate::fetch::Exchange;
use crate::warc::{
    Record, Sha256, http_request_head, http_response_head, new_record_id, record_gzip, sha1_base32,
    warc_date,
};
use url::Url;

/// One exchange, encoded and digested, waiting for the writer.
#[derive(Debug, Clone)]
pub struct PreparedExchange {
    pub url: Url,
    pub at: jiff::Timestamp,
    /// The id the response (or the revisit that replaces it) carries.
    pub response_id: String,
    /// The response record as one gzip member.
    pub response_gz: Vec<u8>,
    pub response_block: Sha256,
    pub request_id: String,
    pub request_gz: Vec<u8>,
    pub request_block: Sha256,
    /// The HTTP head as stored, for a revisit record.
    pub http_head: Vec<u8>,
    pub payload_sha256: Sha256,
    pub payload_sha1: String,
    pub payload_length: u64,
    pub status: u16,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub truncated: Option<&'static str>,
    /// Fields common to the response and revisit records (IP address, protocol, truncation).
    pub(crate) extra_fields: Vec<(&'static str, String)>,
    /// The conditional request headers sent (`If-None-Match`, `If-Modified-Since`).
    pub validators_sent: Vec<(String, String)>,
}

/// The original a revisit points at.
#[derive(Debug, Clone)]
pub struct RefersTo {
    pub record_id: String,
    pub target_uri: String,
    pub date: String,
}

fn header(exchange: &Exchange, name: &str) -> Option<String> {
    exchange
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The response's HTTP head and the rest of its block. HTTP/1.x: the bytes as they crossed the
/// wire (the payload digest is still the entity's, with the transfer encoding removed, as WARC
/// defines it). HTTP/2: a transcription, whose body is the entity.
fn response_parts(exchange: &Exchange) -> (Vec<u8>, &[u8]) {
    match &exchange.wire {
        Some(wire) => {
            let end = crate::warc::http::head_end(&wire.response).unwrap_or(wire.response.len());
            (wire.response[..end].to_vec(), &wire.response[end..])
        }
        None => (
            http_response_head(exchange.status, &exchange.headers),
            &exchange.body,
        ),
    }
}

/// The request's block: as sent (secrets redacted) over HTTP/1.x, a transcription for HTTP/2.
fn request_block(exchange: &Exchange) -> Vec<u8> {
    if let Some(wire) = &exchange.wire {
        return wire.request.clone();
    }
    let target = match exchange.url.query() {
        Some(q) => format!("{}?{q}", exchange.url.path()),
        None => exchange.url.path().to_owned(),
    };
    http_request_head(&target, &exchange.request_headers)
}

/// The request headers whose values were kept out of the archive. Read from the bytes stored
/// when there are any: they also hold what the transport added, such as a proxy's credentials.
fn redacted_names(exchange: &Exchange) -> Vec<String> {
    match &exchange.wire {
        Some(wire) => String::from_utf8_lossy(&wire.request)
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(_, v)| v.trim() == crate::fetch::REDACTED)
            .map(|(n, _)| n.trim().to_owned())
            .collect(),
        None => exchange
            .request_headers
            .iter()
            .filter(|(_, v)| v == crate::fetch::REDACTED)
            .map(|(n, _)| n.clone())
            .collect(),
    }
}

/// Encodes `exchange` as a request and a response record, compressed at `level`, each naming
/// `warcinfo_id` (the writer's, [`crate::archive::writer::WriterHandle::warcinfo_id`]).
#[must_use]
pub fn prepare(exchange: &Exchange, level: u32, warcinfo_id: &str) -> PreparedExchange {
    let date = warc_date(exchange.at);
    let response_id = new_record_id();
    let request_id = new_record_id();
    let (http_head, block) = response_parts(exchange);
    let payload_sha256 = Sha256::of(&[&exchange.body]);
    let response_block = Sha256::of(&[&http_head, block]);

    let mut extra_fields = vec![("WARC-Warcinfo-ID", warcinfo_id.to_owned())];
    if let Some(addr) = exchange.remote_addr {
        extra_fields.push(("WARC-IP-Address", addr.ip().to_string()));
    }
    if exchange.version == http::Version::HTTP_2 {
        extra_fields.push(("WARC-Protocol", "h2".to_owned()));
    }
    let truncated = exchange.truncated.map(crate::fetch::Truncation::as_str);
    if let Some(reason) = truncated {
        extra_fields.push(("WARC-Truncated", reason.to_owned()));
    }

    let mut fields = vec![
        ("WARC-Type", "response".to_owned()),
        ("WARC-Record-ID", response_id.clone()),
        ("WARC-Date", date.clone()),
        ("WARC-Target-URI", exchange.url.to_string()),
        (
            "Content-Type",
            "application/http;msgtype=response".to_owned(),
        ),
        ("WARC-Payload-Digest", payload_sha256.warc_label()),
        ("WARC-Block-Digest", response_block.warc_label()),
    ];
    fields.extend(extra_fields.iter().cloned());
    let response_gz = record_gzip(&fields, &[&http_head, block], level);

    let request_block_bytes = request_block(exchange);
    let request_block = Sha256::of(&[&request_block_bytes]);
    let mut request_fields = vec![
        ("WARC-Type", "request".to_owned()),
        ("WARC-Record-ID", request_id.clone()),
        ("WARC-Date", date),
        ("WARC-Target-URI", exchange.url.to_string()),
        ("WARC-Concurrent-To", response_id.clone()),
        (
            "Content-Type",
            "application/http;msgtype=request".to_owned(),
        ),
        ("WARC-Block-Digest", request_block.warc_label()),
        ("WARC-Warcinfo-ID", warcinfo_id.to_owned()),
    ];
    if let Some(addr) = exchange.remote_addr {
        request_fields.push(("WARC-IP-Address", addr.ip().to_string()));
    }
    // Secret headers were sent but are not kept: the record says which.
    let redacted = redacted_names(exchange);
    if !redacted.is_empty() {
        request_fields.push(("WARC-Provcheck-Redacted", redacted.join(", ")));
    }
    let request_gz = Record {
        fields: request_fields,
        block: request_block_bytes,
    }
    .encode_gzip(level);

    PreparedExchange {
        url: exchange.url.clone(),
        at: exchange.at,
        response_id,
        response_gz,
        response_block,
        request_id,
        request_gz,
        request_block,
        http_head,
        payload_sha1: sha1_base32(&exchange.body),
        payload_sha256,
        payload_length: exchange.body.len() as u64,
        status: exchange.status,
        content_type: header(exchange, "content-type"),
        content_encoding: header(exchange, "content-encoding"),
        etag: header(exchange, "etag"),
        last_modified: header(exchange, "last-modified"),
        truncated,
        extra_fields,
        validators_sent: exchange
            .request_headers
            .iter()
            .filter(|(name, _)| {
                name.eq_ignore_ascii_case("if-none-match")
                    || name.eq_ignore_ascii_case("if-modified-since")
            })
            .cloned()
            .collect(),
    }
}

impl PreparedExchange {
    /// A revisit record replacing the response: same id, the response headers, no payload.
    /// `profile` is identical-payload-digest, or server-not-modified for a 304, whose payload is
    /// the original's (`payload`).
    #[must_use]
    pub fn revisit(
        &self,
        original: &RefersTo,
        profile: &'static str,
        payload: Sha256,
        level: u32,
    ) -> (Vec<u8>, Sha256) {
        let block = self.http_head.clone();
        let digest = Sha256::of(&[&block]);
        let mut fields = vec![
            ("WARC-Type", "revisit".to_owned()),
            ("WARC-Record-ID", self.response_id.clone()),
            ("WARC-Date", warc_date(self.at)),
            ("WARC-Target-URI", self.url.to_string()),
            ("WARC-Profile", profile.to_owned()),
            ("WARC-Refers-To", original.record_id.clone()),
            ("WARC-Refers-To-Target-URI", original.target_uri.clone()),
            ("WARC-Refers-To-Date", original.date.clone()),
            (
                "Content-Type",
                "application/http;msgtype=response".to_owned(),
            ),
            ("WARC-Payload-Digest", payload.warc_label()),
            ("WARC-Block-Digest", digest.warc_label()),
        ];
        fields.extend(
            self.extra_fields
                .iter()
                .filter(|(name, _)| *name != "WARC-Truncated")
                .cloned(),
        );
        // WARC 1.1 6.7.2: a block kept for an identical payload is the response truncated to
        // avoid storing the duplicate content, and "a WARC-Truncated header with reason 'length'
        // shall be used for any identical-digest truncation". (A server-not-modified revisit
        // holds the 304 as it came: nothing was cut.)
        if profile == crate::warc::PROFILE_IDENTICAL_PAYLOAD {
            fields.push(("WARC-Truncated", "length".to_owned()));
        }
        (Record { fields, block }.encode_gzip(level), digest)
    }

    /// The WARC-Date of this exchange.
    #[must_use]
    pub fn date(&self) -> String {
        warc_date(self.at)
    }
}
