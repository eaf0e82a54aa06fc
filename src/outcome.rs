//! What one fetch of one URL saw, as data. A dead source is an [`Outcome`], never an `Err`: an
//! `Err` means provcheck could not do its job.
//!
//! [`classify_response`] is the pure decision from a final HTTP status and headers to an outcome
//! kind; the fetcher fills in the rest (chain, timings, attempts).

use serde::Serialize;
use std::fmt;
use std::time::Duration;
use url::Url;

/// The kind of an outcome, kebab-case in every machine output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// 2xx with no redirect.
    Ok,
    /// 2xx after one or more redirects.
    Redirected,
    /// 404 or 410.
    NotFound,
    /// Answers 200, but is a "not found" page (see `content::soft404` for the evidence).
    #[serde(rename = "soft-404")]
    Soft404,
    /// 401, 403, 451, or a bot challenge (`cf-mitigated: challenge`).
    Blocked,
    /// 429, still after the retries allowed.
    RateLimited,
    /// 5xx, still after the retries allowed.
    ServerError,
    /// Any other status that is not a success: 400, 405, 1xx, a 3xx without `Location`...
    HttpError,
    /// No complete answer within the request deadline.
    Timeout,
    DnsFailure,
    /// Refused, reset or closed before an answer.
    ConnectFailure,
    TlsFailure,
    /// The body is larger than the cap.
    TooLarge,
    /// More redirects than allowed, or a loop.
    TooManyRedirects,
    /// Not a URL; never fetched.
    InvalidUrl,
    /// Not http or https; never fetched.
    UnsupportedScheme,
    /// Resolves to an address the guard refuses (loopback, private, ...); never requested.
    ForbiddenAddress,
    /// Not a citation to check (a `mailto:` link, an excluded domain): never requested, never
    /// fails the gate ([`crate::exclude`]).
    Skipped,
    /// The run was stopped (a signal, a time budget) before its URL was fetched: unknown, so
    /// it does not pass the gate.
    NotChecked,
    /// A status the configuration accepts for this host (`accept`: a known bot wall's 403),
    /// with the reason: fine.
    Accepted,
}

impl OutcomeKind {
    /// Whether a citation with this outcome passes the pre-publication gate. A redirect passes,
    /// but is reported.
    #[must_use]
    pub fn is_fine(self) -> bool {
        matches!(
            self,
            OutcomeKind::Ok
                | OutcomeKind::Redirected
                | OutcomeKind::Skipped
                | OutcomeKind::Accepted
        )
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Redirected => "redirected",
            OutcomeKind::NotFound => "not-found",
            OutcomeKind::Soft404 => "soft-404",
            OutcomeKind::Blocked => "blocked",
            OutcomeKind::RateLimited => "rate-limited",
            OutcomeKind::ServerError => "server-error",
            OutcomeKind::HttpError => "http-error",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::DnsFailure => "dns-failure",
            OutcomeKind::ConnectFailure => "connect-failure",
            OutcomeKind::TlsFailure => "tls-failure",
            OutcomeKind::TooLarge => "too-large",
            OutcomeKind::TooManyRedirects => "too-many-redirects",
            OutcomeKind::InvalidUrl => "invalid-url",
            OutcomeKind::UnsupportedScheme => "unsupported-scheme",
            OutcomeKind::ForbiddenAddress => "forbidden-address",
            OutcomeKind::Skipped => "skipped",
            OutcomeKind::NotChecked => "not-checked",
            OutcomeKind::Accepted => "accepted",
        }
    }
}

impl OutcomeKind {
    /// Every kind, for parsing back.
    pub const ALL: [OutcomeKind; 20] = [
        OutcomeKind::Ok,
        OutcomeKind::Redirected,
        OutcomeKind::NotFound,
        OutcomeKind::Soft404,
        OutcomeKind::Blocked,
        OutcomeKind::RateLimited,
        OutcomeKind::ServerError,
        OutcomeKind::HttpError,
        OutcomeKind::Timeout,
        OutcomeKind::DnsFailure,
        OutcomeKind::ConnectFailure,
        OutcomeKind::TlsFailure,
        OutcomeKind::TooLarge,
        OutcomeKind::TooManyRedirects,
        OutcomeKind::InvalidUrl,
        OutcomeKind::UnsupportedScheme,
        OutcomeKind::ForbiddenAddress,
        OutcomeKind::Skipped,
        OutcomeKind::NotChecked,
        OutcomeKind::Accepted,
    ];

    /// The kind named `name` (kebab-case), as stored in the index.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request of a redirect chain: the URL asked for and the status it answered with (none
/// when the request failed or was refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub url: Url,
    pub status: Option<u16>,
}

/// What one fetch of one URL saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    /// The status of the last response, when there was one.
    pub http_status: Option<u16>,
    /// Every request made, in order, the first being the cited URL; empty when nothing was
    /// requested. Retries of one URL are not repeated here.
    pub chain: Vec<Hop>,
    /// For a redirect: whether every hop was permanent (301, 308).
    pub permanent: Option<bool>,
    /// Why, in words, for outcomes where the kind alone does not say (`blocked`, failures).
    pub detail: Option<String>,
    /// The `Retry-After` the server last asked for, when there was one.
    pub retry_after: Option<Duration>,
    /// Requests made for the last URL of the chain, retries included.
    pub attempts: u32,
    /// Wall time from the first request to the outcome, waits for politeness included.
    pub elapsed: Duration,
}

impl Outcome {
    /// An outcome reached without making any request.
    #[must_use]
    pub fn without_request(kind: OutcomeKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            http_status: None,
            chain: Vec::new(),
            permanent: None,
            detail: Some(detail.into()),
            retry_after: None,
            attempts: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// The URL of the last request made, when there was one.
    #[must_use]
    pub fn final_url(&self) -> Option<&Url> {
        self.chain.last().map(|hop| &hop.url)
    }
}

/// The facts about a final response (after redirects) that decide its outcome.
#[derive(Debug, Clone, Copy)]
pub struct FinalResponse {
    pub status: u16,
    /// The response carries a bot-challenge marker (`cf-mitigated: challenge`), which blocks
    /// whatever the status.
    pub bot_challenge: bool,
    /// At least one redirect was followed to reach it.
    pub redirected: bool,
}

/// What the final response says about the source: the outcome kind and, where the kind alone
/// does not say why, a detail.
#[must_use]
pub fn classify_response(response: FinalResponse) -> (OutcomeKind, Option<String>) {
    let FinalResponse {
        status,
        bot_challenge,
        redirected,
    } = response;
    if bot_challenge {
        return (
            OutcomeKind::Blocked,
            Some("bot challenge (cf-mitigated: challenge)".to_owned()),
        );
    }
    match status {
        200..=299 if redirected => (OutcomeKind::Redirected, None),
        200..=299 => (OutcomeKind::Ok, None),
        404 | 410 => (OutcomeKind::NotFound, None),
        401 => (
            OutcomeKind::Blocked,
            Some("HTTP 401: authentication required".to_owned()),
        ),
        403 => (OutcomeKind::Blocked, Some("HTTP 403: forbidden".to_owned())),
        451 => (
            OutcomeKind::Blocked,
            Some("HTTP 451: unavailable for legal reasons".to_owned()),
        ),
        429 => (OutcomeKind::RateLimited, None),
        500..=599 => (OutcomeKind::ServerError, None),
        300..=399 => (
            OutcomeKind::HttpError,
            Some(format!("HTTP {status} without a usable Location header")),
        ),
        _ => (
            OutcomeKind::HttpError,
            Some(format!("unexpected HTTP status {status}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        let kind = |status, bot_challenge, redirected| {
            classify_response(FinalResponse {
                status,
                bot_challenge,
                redirected,
            })
            .0
        };
        assert_eq!(kind(200, false, false), OutcomeKind::Ok);
        assert_eq!(kind(204, false, true), OutcomeKind::Redirected);
        assert_eq!(kind(404, false, false), OutcomeKind::NotFound);
        assert_eq!(kind(410, false, true), OutcomeKind::NotFound);
        for s in [401, 403, 451] {
            assert_eq!(kind(s, false, false), OutcomeKind::Blocked);
        }
        assert_eq!(kind(200, true, false), OutcomeKind::Blocked);
        assert_eq!(kind(429, false, false), OutcomeKind::RateLimited);
        assert_eq!(kind(503, false, false), OutcomeKind::ServerError);
        assert_eq!(kind(400, false, false), OutcomeKind::HttpError);
        assert_eq!(kind(304, false, false), OutcomeKind::HttpError);
    }

    #[test]
    fn machine_names_match_as_str() {
        for kind in [
            OutcomeKind::Soft404,
            OutcomeKind::NotFound,
            OutcomeKind::TooManyRedirects,
            OutcomeKind::HttpError,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn only_ok_and_redirected_pass() {
        assert!(OutcomeKind::Ok.is_fine());
        assert!(OutcomeKind::Redirected.is_fine());
        assert!(!OutcomeKind::NotFound.is_fine());
        assert!(!OutcomeKind::Blocked.is_fine());
    }
}
