//! What a fetch returns: every exchange that got a response, as the archive keeps it, and the
//! outcome; the validators a re-check sends.

use crate::outcome::Outcome;
use url::Url;

/// The validators of an earlier capture, sent on a re-check so that an unchanged page costs a
/// `304 Not Modified` and no body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why a stored body is shorter than what the server meant to send (`WARC-Truncated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// Cut at the body cap.
    Length,
    /// The request deadline passed while reading.
    Time,
    /// The connection failed while reading.
    Disconnect,
}

impl Truncation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Truncation::Length => "length",
            Truncation::Time => "time",
            Truncation::Disconnect => "disconnect",
        }
    }
}

/// One request and the response it got: everything the archive needs to keep it as evidence.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub url: Url,
    /// When the response headers arrived.
    pub at: jiff::Timestamp,
    /// The headers sent, `Host` first.
    pub request_headers: Vec<(String, String)>,
    pub version: http::Version,
    pub status: u16,
    pub headers: http::HeaderMap,
    /// The entity as delivered (content-encoding kept, transfer encoding removed), possibly cut.
    pub body: Vec<u8>,
    pub truncated: Option<Truncation>,
    pub remote_addr: Option<std::net::SocketAddr>,
    /// For HTTP/1.x, the bytes that crossed the wire; `None` for HTTP/2.
    pub wire: Option<WireBytes>,
}

/// An HTTP/1.x exchange as it crossed the wire (after TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireBytes {
    /// The request as sent, with the values of secret headers replaced by
    /// [`crate::fetch::REDACTED`].
    pub request: Vec<u8>,
    /// The final response as received: status line, headers and body framing, up to the end
    /// of the message (or where the body was cut). Interim `1xx` responses are not kept.
    pub response: Vec<u8>,
}

/// The result of fetching one URL: its outcome and every exchange that got a response, in
/// order (redirect hops first, the final response last).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub outcome: Outcome,
    pub exchanges: Vec<Exchange>,
}

impl Fetched {
    /// The last response received, when there was one.
    #[must_use]
    pub fn final_exchange(&self) -> Option<&Exchange> {
        self.exchanges.last()
    }
}
