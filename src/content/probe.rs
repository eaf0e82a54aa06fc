//! Sibling probes: the evidence that a site answers "200, here is a page" for anything.
//!
//! For a cited URL, the probe is a random sibling of the same shape: the same directory, the
//! same extension, and in place of the last segment a random token of the same length and the
//! same character classes (`world-news-2024` becomes, say, `qkvnd-iwpe-7319`). For `?id=`-style
//! URLs (an endpoint such as `story.php` or `article` with an identifier in the query) the path
//! stays and the identifying values are replaced instead. One probe is fetched per run per
//! [`shape`]: the origin, the directory with its all-digit segments generalised (dated
//! directories are one shape), the extension and the query's keys.
//!
//! A target whose main text matches its probe's is a soft-404, unless the probe turns out to be
//! the target itself: a site that ignores the slug (`/questions/123/any-slug`) redirects the
//! probe to the target or declares the target as its canonical URL ([`is_the_target`]).

use url::Url;

/// Most probes per origin per run: a sweep of thousands of URLs on one host costs at most this
/// many extra requests there. Shapes past the budget go unprobed (the other rules still apply).
pub const PER_ORIGIN: usize = 16;

/// Main-text similarity at or above which a target is its probe's page.
pub const SIMILARITY: f64 = 0.9;

/// Extensions of endpoints that take their subject from the query (`story.php?id=123`).
const ENDPOINTS: &[&str] = &[
    "php", "asp", "aspx", "jsp", "cfm", "cgi", "pl", "do", "action", "html", "htm", "shtml",
];

/// How a probe varies its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The last path segment is the subject.
    Path,
    /// The query's identifying values are the subject.
    Query,
}

/// The last non-empty path segment, split as (before, segment, after): `/a/b/c/` gives
/// (`/a/b/`, `c`, `/`).
fn last_segment(path: &str) -> Option<(&str, &str, &str)> {
    let trimmed = path.trim_end_matches('/');
    let start = trimmed.rfind('/').map_or(0, |i| i + 1);
    let segment = &trimmed[start..];
    (!segment.is_empty()).then(|| (&path[..start], segment, &path[trimmed.len()..]))
}

/// `slug.html` → (`slug`, `html`); an extension is 1 to 5 ASCII alphanumerics after the last dot.
fn split_extension(segment: &str) -> (&str, Option<&str>) {
    match segment.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (stem, Some(ext))
        }
        _ => (segment, None),
    }
}

/// A query value that identifies something: it holds a digit.
fn identifying(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit())
}

fn mode(url: &Url) -> Option<Mode> {
    let segment = last_segment(url.path());
    let has_id = url.query_pairs().any(|(_, v)| identifying(&v));
    if has_id {
        let endpoint = match segment {
            None => true,
            Some((_, segment, _)) => {
                let (stem, ext) = split_extension(segment);
                let words = stem.split(['-', '_']).filter(|w| !w.is_empty()).count();
                ext.is_some_and(|e| ENDPOINTS.contains(&e.to_ascii_lowercase().as_str()))
                    && words < 3
                    || ext.is_none() && words < 2 && stem.len() <= 24
            }
        };
        if endpoint {
            return Some(Mode::Query);
        }
    }
    let (_, segment, _) = segment?;
    let (stem, _) = split_extension(segment);
    stem.bytes()
        .any(|b| b.is_ascii_alphanumeric())
        .then_some(Mode::Path)
}

/// The query's keys, sorted, as part of a shape.
fn query_keys(url: &Url) -> String {
    let mut keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.join("&")
}

/// What one probe answers for: `None` for a URL that has nothing to vary (a site's root).
#[must_use]
pub fn shape(url: &Url) -> Option<String> {
    let origin = url.origin().ascii_serialization();
    match mode(url)? {
        Mode::Query => Some(format!("{origin}{}?{}", url.path(), query_keys(url))),
        Mode::Path => {
            let (before, segment, after) = last_segment(url.path())?;
            let directory: Vec<&str> = before
                .split('/')
                .map(|s| {
                    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                        "#"
                    } else {
                        s
                    }
                })
                .collect();
            let (_, ext) = split_extension(segment);
            Some(format!(
                "{origin}{}*{}{after}?{}",
                directory.join("/"),
                ext.map(|e| format!(".{e}")).unwrap_or_default(),
                query_keys(url)
            ))
        }
    }
}

/// `token` with every ASCII letter and digit replaced by a random one of its class; other
/// characters (separators) stay, a percent-encoded byte becomes a random lower-case letter.
fn random_like(token: &str, rng: &mut fastrand::Rng) -> String {
    let bytes = token.as_bytes();
    let mut out = String::with_capacity(token.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let c = match b {
            b'a'..=b'z' => rng.lowercase(),
            b'A'..=b'Z' => rng.uppercase(),
            b'0'..=b'9' => rng.digit(10),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1..=i + 2].iter().all(u8::is_ascii_hexdigit) =>
            {
                i += 2;
                rng.lowercase()
            }
            _ if b.is_ascii() => b as char,
            // A byte of a multi-byte character: one random letter for the character.
            _ => {
                let width = token[i..].chars().next().map_or(1, char::len_utf8);
                i += width - 1;
                rng.lowercase()
            }
        };
        out.push(c);
        i += 1;
    }
    out
}

/// Fewer letters and digits than this in a last segment, and a random token of its length would
/// too often name a real sibling (`/p/7`): such a token is lengthened to [`SHORT_TOKEN_PADDED`].
const SHORT_TOKEN: usize = 4;
const SHORT_TOKEN_PADDED: usize = 8;

/// `token` lengthened, when it is short, with random characters of its last letter or digit's
/// class.
fn lengthened(mut token: String, rng: &mut fastrand::Rng) -> String {
    let alnum = token.bytes().filter(u8::is_ascii_alphanumeric).count();
    if alnum >= SHORT_TOKEN {
        return token;
    }
    let class = token.bytes().rev().find(u8::is_ascii_alphanumeric);
    for _ in alnum..SHORT_TOKEN_PADDED {
        token.push(match class {
            Some(b'0'..=b'9') => rng.digit(10),
            Some(b'A'..=b'Z') => rng.uppercase(),
            _ => rng.lowercase(),
        });
    }
    token
}

/// A random sibling of `url` of the same shape, `None` when [`shape`] is `None`. The token is
/// drawn again until it differs from the original.
#[must_use]
pub fn sibling(url: &Url, rng: &mut fastrand::Rng) -> Option<Url> {
    let mut probe = url.clone();
    probe.set_fragment(None);
    match mode(url)? {
        Mode::Query => {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            for _ in 0..8 {
                let varied: Vec<(String, String)> = pairs
                    .iter()
                    .map(|(k, v)| {
                        let v = if identifying(v) {
                            lengthened(random_like(v, rng), rng)
                        } else {
                            v.clone()
                        };
                        (k.clone(), v)
                    })
                    .collect();
                if varied != pairs {
                    probe.query_pairs_mut().clear().extend_pairs(varied);
                    return Some(probe);
                }
            }
            None
        }
        Mode::Path => {
            let path = url.path().to_owned();
            let (before, segment, after) = last_segment(&path)?;
            let (stem, ext) = split_extension(segment);
            for _ in 0..8 {
                let token = lengthened(random_like(stem, rng), rng);
                if token != stem {
                    let ext = ext.map(|e| format!(".{e}")).unwrap_or_default();
                    probe.set_path(&format!("{before}{token}{ext}{after}"));
                    return Some(probe);
                }
            }
            None
        }
    }
}

/// Whether a probe's answer is the target itself rather than "anything": the probe was
/// redirected to the target, or declares the target as its canonical URL.
#[must_use]
pub fn is_the_target(
    target: &Url,
    target_final: &Url,
    probe_final: &Url,
    probe_canonical: Option<&Url>,
) -> bool {
    let same = |a: &Url, b: &Url| {
        let strip = |u: &Url| {
            let mut u = u.clone();
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_owned()
        };
        strip(a) == strip(b)
    };
    [Some(probe_final), probe_canonical]
        .into_iter()
        .flatten()
        .any(|p| same(p, target) || same(p, target_final))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn rng() -> fastrand::Rng {
        fastrand::Rng::with_seed(7)
    }

    #[test]
    fn a_slug_is_replaced_by_a_token_of_its_length_and_classes_in_the_same_directory() {
        let url = u("https://news.test/world/2024/05/Talks-resume-in-Geneva-17.html?ref=home#top");
        let probe = sibling(&url, &mut rng()).unwrap();
        let path = probe.path();
        assert!(path.starts_with("/world/2024/05/"), "{probe}");
        assert_eq!(
            path.rsplit_once('.').map(|(_, e)| e),
            Some("html"),
            "{probe}"
        );
        let token = &path["/world/2024/05/".len()..path.len() - ".html".len()];
        let original = "Talks-resume-in-Geneva-17";
        assert_ne!(token, original);
        assert_eq!(token.len(), original.len());
        for (a, b) in token.chars().zip(original.chars()) {
            assert_eq!(a.is_ascii_uppercase(), b.is_ascii_uppercase(), "{token}");
            assert_eq!(a.is_ascii_lowercase(), b.is_ascii_lowercase(), "{token}");
            assert_eq!(a.is_ascii_digit(), b.is_ascii_digit(), "{token}");
            if !b.is_ascii_alphanumeric() {
                assert_eq!(a, b);
            }
        }
        // A tracking parameter stays as it was; the fragment goes.
        assert_eq!(probe.query(), Some("ref=home"));
        assert_eq!(probe.fragment(), None);
    }

    #[test]
    fn a_short_token_is_lengthened_so_as_not_to_name_a_real_sibling() {
        let probe = sibling(&u("https://a.test/p/7"), &mut rng()).unwrap();
        let token = &probe.path()["/p/".len()..];
        assert_eq!(token.len(), 8, "{probe}");
        assert!(token.bytes().all(|b| b.is_ascii_digit()), "{probe}");
        let probe = sibling(&u("https://a.test/story.php?id=42"), &mut rng()).unwrap();
        assert_eq!(probe.query().unwrap().len(), "id=".len() + 8, "{probe}");
    }

    #[test]
    fn a_directory_url_keeps_its_trailing_slash() {
        let probe = sibling(&u("https://a.test/section/story-one/"), &mut rng()).unwrap();
        assert!(probe.path().starts_with("/section/"));
        assert!(probe.path().ends_with('/'));
        assert_eq!(probe.path().len(), "/section/story-one/".len());
    }

    #[test]
    fn an_id_endpoint_keeps_its_path_and_keys_and_varies_the_identifying_values() {
        for url in [
            "https://a.test/story.php?id=48213&lang=en",
            "https://a.test/article?id=48213&lang=en",
            "https://a.test/news/?id=48213&lang=en",
        ] {
            let url = u(url);
            let probe = sibling(&url, &mut rng()).unwrap();
            assert_eq!(probe.path(), url.path());
            let pairs: Vec<(String, String)> = probe.query_pairs().into_owned().collect();
            assert_eq!(pairs[0].0, "id");
            assert_ne!(pairs[0].1, "48213");
            assert_eq!(pairs[0].1.len(), 5);
            assert!(pairs[0].1.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(pairs[1], ("lang".to_owned(), "en".to_owned()));
        }
        // A slug with a cache-busting number is a slug: the path is varied, not the query.
        let slug = u("https://a.test/news/talks-resume-in-geneva?v=2");
        let probe = sibling(&slug, &mut rng()).unwrap();
        assert_ne!(probe.path(), slug.path());
        assert_eq!(probe.query(), Some("v=2"));
    }

    #[test]
    fn percent_encoded_and_non_ascii_segments_give_valid_tokens() {
        let url = u("https://a.test/wiki/Z%C3%BCrich_See");
        let probe = sibling(&url, &mut rng()).unwrap();
        assert!(probe.path().starts_with("/wiki/"));
        let token = &probe.path()["/wiki/".len()..];
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{token}"
        );
        assert!(sibling(&u("https://a.test/wiki/Zürich"), &mut rng()).is_some());
    }

    #[test]
    fn shapes_group_dated_directories_extensions_and_query_keys() {
        let s = |x: &str| shape(&u(x));
        assert_eq!(
            s("https://a.test/2024/05/12/one-story.html"),
            s("https://a.test/2023/11/02/another.html")
        );
        assert_ne!(
            s("https://a.test/2024/05/12/one-story.html"),
            s("https://a.test/2024/05/12/one-story")
        );
        assert_ne!(s("https://a.test/world/one"), s("https://a.test/sport/one"));
        assert_ne!(s("https://a.test/world/one"), s("https://b.test/world/one"));
        assert_eq!(
            s("https://a.test/story.php?id=1&lang=en"),
            s("https://a.test/story.php?lang=fr&id=2")
        );
        assert_ne!(
            s("https://a.test/story.php?id=1"),
            s("https://a.test/video.php?id=1")
        );
        // The root has nothing to vary.
        assert_eq!(s("https://a.test/"), None);
        assert_eq!(sibling(&u("https://a.test/"), &mut rng()), None);
        assert_eq!(s("https://a.test/---/"), None);
    }

    #[test]
    fn a_probe_redirected_to_the_target_or_naming_it_canonical_is_the_target() {
        let target = u("https://q.test/questions/123/how-to-x");
        let probe_final = u("https://q.test/questions/123/xkq-jf-p");
        assert!(!is_the_target(&target, &target, &probe_final, None));
        assert!(is_the_target(&target, &target, &target, None));
        assert!(is_the_target(
            &target,
            &target,
            &probe_final,
            Some(&u("https://q.test/questions/123/how-to-x/"))
        ));
        // A catch-all section's home page names itself, not the target.
        assert!(!is_the_target(
            &target,
            &target,
            &probe_final,
            Some(&u("https://q.test/questions/"))
        ));
    }
}
