//! How a failed request is named: a connection or HTTP error, through its chain of causes,
//! becomes an outcome kind, a detail and whether it is worth retrying.

use super::retry::Transient;
use super::wire::WireError;
use crate::outcome::OutcomeKind;

/// What a transport error means for the outcome.
pub(super) struct Failure {
    pub(super) kind: OutcomeKind,
    pub(super) detail: String,
    pub(super) transient: Option<Transient>,
}

/// Sorts a failed request into an outcome.
pub(super) fn classify_error(error: &WireError) -> Failure {
    let failure = |kind, transient| Failure {
        kind,
        detail: error_chain(error),
        transient,
    };
    match error {
        WireError::Dns(dns) => Failure {
            kind: OutcomeKind::DnsFailure,
            detail: dns.to_string(),
            transient: None,
        },
        WireError::Forbidden(forbidden) => Failure {
            kind: OutcomeKind::ForbiddenAddress,
            detail: forbidden.to_string(),
            transient: None,
        },
        WireError::ConnectTimeout { .. } => failure(OutcomeKind::Timeout, Some(Transient::Timeout)),
        WireError::Connect { source, .. }
            if source.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            failure(OutcomeKind::ConnectFailure, None)
        }
        WireError::Request(_) => failure(OutcomeKind::ConnectFailure, None),
        WireError::Proxy { transient, .. } => failure(
            OutcomeKind::ConnectFailure,
            transient.then_some(Transient::ConnectionLost),
        ),
        _ if find_cause::<rustls::Error>(error).is_some() => failure(OutcomeKind::TlsFailure, None),
        _ => failure(OutcomeKind::ConnectFailure, Some(Transient::ConnectionLost)),
    }
}

/// A body that stopped coming before its end.
pub(super) fn classify_body_error(error: &hyper::Error) -> Failure {
    Failure {
        kind: OutcomeKind::ConnectFailure,
        detail: error_chain(error),
        transient: Some(Transient::ConnectionLost),
    }
}

/// No complete answer within the request's deadline.
pub(super) fn timed_out(limit: std::time::Duration) -> Failure {
    Failure {
        kind: OutcomeKind::Timeout,
        detail: format!(
            "no complete answer within {}",
            humantime::format_duration(limit)
        ),
        transient: Some(Transient::Timeout),
    }
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
