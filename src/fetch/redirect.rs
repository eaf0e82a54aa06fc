//! Following a redirect: where a `Location` header leads, and which targets are refused.

use crate::outcome::OutcomeKind;
use url::Url;

/// Where a `Location` header leads, resolved against the URL that sent it.
pub(super) fn next_hop(from: &Url, location: &[u8]) -> Result<Url, (OutcomeKind, String)> {
    let location = String::from_utf8_lossy(location);
    let mut next = from.join(location.trim()).map_err(|e| {
        (
            OutcomeKind::InvalidUrl,
            format!("redirect to an invalid URL {location:?}: {e}"),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err((
            OutcomeKind::UnsupportedScheme,
            format!("redirect to a {} URL: {next}", next.scheme()),
        ));
    }
    next.set_fragment(None);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets_resolve_relative_and_refuse_other_schemes() {
        let from = Url::parse("https://a.test/x/y").unwrap();
        assert_eq!(
            next_hop(&from, b"/z#frag").unwrap().as_str(),
            "https://a.test/z"
        );
        assert_eq!(
            next_hop(&from, b"w").unwrap().as_str(),
            "https://a.test/x/w"
        );
        assert_eq!(
            next_hop(&from, b"ftp://b.test/").unwrap_err().0,
            OutcomeKind::UnsupportedScheme
        );
        assert_eq!(
            next_hop(&from, b"http://[bad").unwrap_err().0,
            OutcomeKind::InvalidUrl
        );
    }
}
