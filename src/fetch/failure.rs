//! How a failed request is named: a reqwest error, through its chain of causes, becomes an
//! outcome kind, a detail and whether it is worth retrying.

use super::guard;
use super::resolve::DnsError;
use super::retry::Transient;
use crate::outcome::OutcomeKind;

/// What a transport error means for the outcome.
pub(super) struct Failure {
    pub(super) kind: OutcomeKind,
    pub(super) detail: String,
    pub(super) transient: Option<Transient>,
}

/// Sorts a reqwest error into an outcome by looking through its chain of causes, including the
/// errors that `std::io::Error` wraps (its `source()` skips them).
pub(super) fn classify_error(error: &reqwest::Error) -> Failure {
    // reqwest's own message repeats the URL, which every report already shows.
    let detail = std::error::Error::source(error).map_or_else(|| error.to_string(), error_chain);
    let failure = |kind, transient| Failure {
        kind,
        detail: detail.clone(),
        transient,
    };
    if let Some(forbidden) = find_cause::<guard::Forbidden>(error) {
        return Failure {
            kind: OutcomeKind::ForbiddenAddress,
            detail: forbidden.to_string(),
            transient: None,
        };
    }
    if let Some(dns) = find_cause::<DnsError>(error) {
        return Failure {
            kind: OutcomeKind::DnsFailure,
            detail: dns.to_string(),
            transient: None,
        };
    }
    if error.is_timeout() {
        return failure(OutcomeKind::Timeout, Some(Transient::Timeout));
    }
    if find_cause::<rustls::Error>(error).is_some() {
        return failure(OutcomeKind::TlsFailure, None);
    }
    let refused = find_cause::<std::io::Error>(error)
        .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        return failure(OutcomeKind::ConnectFailure, None);
    }
    failure(OutcomeKind::ConnectFailure, Some(Transient::ConnectionLost))
}

fn find_cause<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut next: Option<&'e (dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            if let Some(found) = inner.downcast_ref::<T>() {
                return Some(found);
            }
            if let Some(found) = find_cause::<T>(inner) {
                return Some(found);
            }
        }
        next = e.source();
    }
    None
}

/// The error and its causes, joined by ": ", without repeats.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}
