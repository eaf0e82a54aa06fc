//! URL normalization: one spelling per resource, so that a URL cited five times, or written
//! `HTTPS://Example.com:443/a%7eb#top` in one place and `https://example.com/a~b` in another, is
//! fetched once.
//!
//! What we change, and only this: the scheme and host are lower-cased and the host IDNA-encoded
//! (the `url` crate's WHATWG parsing, which also removes default ports, resolves `.` and `..` and
//! percent-encodes what must be); the fragment is dropped (it is never sent to the server);
//! percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded and all other
//! escapes upper-cased (RFC 3986 §6.2.2). Query parameter order and trailing slashes are kept:
//! servers may treat them as different resources.

use crate::citation::Target;
use url::Url;

/// Reads `raw` (trimmed of surrounding whitespace and `<...>`), resolving it against `base` when
/// it is relative.
#[must_use]
pub fn normalize(raw: &str, base: Option<&Url>) -> Target {
    let raw = raw.trim();
    let raw = raw
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(raw);
    if raw.is_empty() {
        return Target::Invalid {
            reason: "empty URL".to_owned(),
        };
    }
    let parsed = match base {
        Some(base) => base.join(raw),
        None => Url::parse(raw),
    };
    let mut url = match parsed {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Target::Invalid {
                reason: "relative URL and no base URL to resolve it against (use --base-url)"
                    .to_owned(),
            };
        }
        Err(e) => {
            return Target::Invalid {
                reason: e.to_string(),
            };
        }
    };
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Target::UnsupportedScheme {
                scheme: other.to_owned(),
            };
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Target::Invalid {
            reason: "URL has no host".to_owned(),
        };
    }
    url.set_fragment(None);
    let path = normalize_escapes(url.path());
    url.set_path(&path);
    if let Some(query) = url.query() {
        let query = normalize_escapes(query);
        url.set_query(Some(&query));
    }
    Target::Fetchable(url)
}

/// Decodes `%XX` escapes of unreserved characters and upper-cases the hex digits of the rest.
fn normalize_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let value = hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]);
            // A decoded hex digit right after a stray `%` (or `%` and one hex digit) would
            // spell a new escape, which the next normalization would decode: "%4%41" must not
            // become "%4A" (fuzzing found it). Such an escape is kept.
            let would_spell_escape = value.is_ascii_hexdigit()
                && (out.ends_with('%')
                    || (out.len() >= 2
                        && out.as_bytes()[out.len() - 2] == b'%'
                        && out.as_bytes()[out.len() - 1].is_ascii_hexdigit()));
            if !would_spell_escape
                && (value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~'))
            {
                out.push(char::from(value));
            } else {
                out.push('%');
                out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
                out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            }
            i += 3;
        } else {
            // The url crate has already percent-encoded everything outside ASCII, so every other
            // byte is one ASCII character.
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    out
}

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Whether `url`'s host is `domain` or one of its subdomains (`m.news.example` is in
/// `news.example`; `notnews.example` is not), case-insensitively; a leading dot is allowed.
#[must_use]
pub fn in_domain(url: &Url, domain: &str) -> bool {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(&domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_in_its_domain_and_its_subdomains_only() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(in_domain(&u("https://news.example/a"), "news.example"));
        assert!(in_domain(&u("https://m.News.Example/a"), ".news.example"));
        assert!(!in_domain(&u("https://notnews.example/a"), "news.example"));
        assert!(!in_domain(&u("https://news.example/a"), ""));
    }

    fn norm(s: &str) -> String {
        match normalize(s, None) {
            Target::Fetchable(u) => u.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn lowercases_scheme_and_host_and_drops_default_port_and_fragment() {
        assert_eq!(
            norm("HTTPS://Example.COM:443/A/b?x=1#frag"),
            "https://example.com/A/b?x=1"
        );
    }

    #[test]
    fn decodes_unreserved_escapes_and_uppercases_the_rest() {
        assert_eq!(
            norm("https://en.wikipedia.org/wiki/China%e2%80%93North_Korea%7Erelations"),
            "https://en.wikipedia.org/wiki/China%E2%80%93North_Korea~relations"
        );
        assert_eq!(
            norm("http://a.test/%41%2f?q=%2a"),
            "http://a.test/A%2F?q=%2A"
        );
    }

    #[test]
    fn percent_encodes_non_ascii_the_same_as_its_escaped_spelling() {
        assert_eq!(
            norm("https://en.wikipedia.org/wiki/China–North_Korea_relations"),
            norm("https://en.wikipedia.org/wiki/China%E2%80%93North_Korea_relations")
        );
    }

    #[test]
    fn keeps_parentheses_query_order_and_trailing_slash() {
        assert_eq!(
            norm("https://en.wikipedia.org/wiki/Mercury_(planet)"),
            "https://en.wikipedia.org/wiki/Mercury_(planet)"
        );
        assert_eq!(norm("http://a.test/x/?b=2&a=1"), "http://a.test/x/?b=2&a=1");
        assert_eq!(norm("http://a.test"), "http://a.test/");
    }

    #[test]
    fn numeric_ipv4_spellings_become_dotted_quads() {
        assert_eq!(norm("http://2130706433:8080/"), "http://127.0.0.1:8080/");
        assert_eq!(norm("http://0x7f.1/"), "http://127.0.0.1/");
    }

    #[test]
    fn other_schemes_are_unsupported_and_garbage_is_invalid() {
        for (raw, scheme) in [
            ("mailto:desk@example.com", "mailto"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/plain,hi", "data"),
            ("file:///etc/passwd", "file"),
            ("ftp://ftp.example.com/x", "ftp"),
        ] {
            assert_eq!(
                normalize(raw, None),
                Target::UnsupportedScheme {
                    scheme: scheme.to_owned()
                },
                "{raw}"
            );
        }
        assert!(matches!(
            normalize("http://exa mple.com/", None),
            Target::Invalid { .. }
        ));
        assert!(matches!(
            normalize("http://[::1/", None),
            Target::Invalid { .. }
        ));
        assert!(matches!(
            normalize("/relative", None),
            Target::Invalid { .. }
        ));
        assert!(matches!(normalize("", None), Target::Invalid { .. }));
    }

    #[test]
    fn relative_urls_resolve_against_a_base() {
        let base = Url::parse("https://news.example/world/story.html").unwrap();
        assert_eq!(
            normalize("../about?x=1#top", Some(&base)),
            Target::Fetchable(Url::parse("https://news.example/about?x=1").unwrap())
        );
    }

    #[test]
    fn normalizing_twice_changes_nothing_even_around_stray_percent_signs() {
        // Found by fuzz/fuzz_targets/normalize.rs: "%4%41" became "%4A", then "J".
        for raw in [
            "https://e.example/pa%4%41",
            "https://e.example/%%41%42",
            "https://e.example/a%%34%31?q=%4%61",
            "https://e.example/%41%42%4",
        ] {
            let once = norm(raw);
            assert_eq!(norm(&once), once, "{raw}");
        }
        assert_eq!(
            norm("https://e.example/pa%4%41"),
            "https://e.example/pa%4%41"
        );
        assert_eq!(norm("https://e.example/%41%42"), "https://e.example/AB");
    }
}
