//! Soft-404: a page that answers 200 but is really "not found". Three kinds of evidence:
//!
//! - URL rules: a deep link redirected to the site root, or to a path that says 404 / not found;
//! - page cues: the title or main heading says the page is missing ([`super::cues`]);
//! - a sibling probe: a random sibling of the URL, of the same shape, answers 200 with the same
//!   main text ([`super::probe`]);
//! - the transition from the reference: the citation's reference was an article, and the page
//!   is now short, shares little with it, and says in its first lines that it is missing
//!   ([`transition`], judged in the archive's writer, where the reference is).
//!
//! Otherwise never the body: an article that mentions "404" is not a missing page.

use serde::Serialize;
use url::Url;

/// Why a page is judged a soft-404.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// `redirect-to-root`, `redirect-to-error-path`, `title`, `heading`, `og-title`, `probe` or
    /// `transition`.
    pub rule: &'static str,
    pub detail: String,
}

/// Index pages a site may legitimately redirect to its root.
const INDEX_PAGES: &[&str] = &[
    "index.html",
    "index.htm",
    "index.php",
    "default.aspx",
    "default.asp",
    "home",
    "index",
];

/// Path segments that say "error page".
const ERROR_SEGMENTS: &[&str] = &[
    "404",
    "404.html",
    "404.htm",
    "404.php",
    "not-found",
    "notfound",
    "not_found",
    "page-not-found",
    "pagenotfound",
    "error404",
    "error-404",
];

/// The URL rules, for a fetch that was redirected from `original` to `final_url`.
#[must_use]
pub fn url_rule(original: &Url, final_url: &Url) -> Option<Evidence> {
    if original == final_url {
        return None;
    }
    let segments: Vec<&str> = original
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let index_page =
        segments.len() == 1 && INDEX_PAGES.contains(&segments[0].to_ascii_lowercase().as_str());
    let deep = !segments.is_empty() && !index_page;
    let to_root = final_url.path() == "/" && final_url.query().is_none();
    if deep && to_root {
        return Some(Evidence {
            rule: "redirect-to-root",
            detail: format!("the deep link was redirected to the site root {final_url}"),
        });
    }
    let says_error = final_url
        .path_segments()
        .into_iter()
        .flatten()
        .any(|s| ERROR_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()));
    if says_error {
        return Some(Evidence {
            rule: "redirect-to-error-path",
            detail: format!("redirected to an error page {final_url}"),
        });
    }
    None
}

/// The page cues, from the title, the first heading and the `og:title`.
#[must_use]
pub fn page_cue(
    title: Option<&str>,
    heading: Option<&str>,
    og_title: Option<&str>,
) -> Option<Evidence> {
    if let Some(t) = title
        && let Some(phrase) = super::cues::missing_cue(t)
    {
        return Some(Evidence {
            rule: "title",
            detail: format!("the title {t:?} says the page is missing ({phrase:?})"),
        });
    }
    if let Some(h) = heading
        && let Some(phrase) = super::cues::missing_cue(h)
    {
        return Some(Evidence {
            rule: "heading",
            detail: format!("the main heading {h:?} says the page is missing ({phrase:?})"),
        });
    }
    if let Some(o) = og_title
        && let Some(phrase) = super::cues::missing_cue(o)
    {
        return Some(Evidence {
            rule: "og-title",
            detail: format!("the og:title {o:?} says the page is missing ({phrase:?})"),
        });
    }
    None
}

/// Words of a reference that make it an article for [`transition`].
const ARTICLE_WORDS: usize = 150;
/// The most words a page may have to read as a not-found page in [`transition`].
const SHORT_PAGE_WORDS: usize = 300;
/// Lines of the page's text, from the top, read for not-found language.
const FIRST_LINES: usize = 6;

/// The transition from the reference: the reference was an article (150 words or more), the
/// page is now short (at most a third of it, and 300 words), and one of its first lines says it
/// is missing. The caller has graded the two texts `replaced`. Catches not-found pages whose
/// title and heading say nothing, in the site's own chrome at the article's own URL.
#[must_use]
pub fn transition(reference: &str, now: &str) -> Option<Evidence> {
    let words = |t: &str| t.split_whitespace().count();
    let (before, after) = (words(reference), words(now));
    if before < ARTICLE_WORDS || after > SHORT_PAGE_WORDS || after * 3 > before {
        return None;
    }
    let (line, phrase) = now
        .lines()
        .take(FIRST_LINES)
        .filter(|l| words(l) <= 30)
        .find_map(|l| super::cues::missing_cue(l).map(|p| (l, p)))?;
    Some(Evidence {
        rule: "transition",
        detail: format!(
            "the article cited ({before} words) is now a short page ({after} words) that says {line:?} ({phrase:?})"
        ),
    })
}

/// Phrases of a subscription or login wall (lower case, after typographic normalization), in
/// the eight languages of the cues.
const PAYWALL: &[&str] = &[
    "subscribe to continue",
    "subscribe to read",
    "subscribe now to",
    "subscribers only",
    "for subscribers",
    "only available to subscribers",
    "exclusive to subscribers",
    "to continue reading",
    "continue reading this article",
    "already a subscriber",
    "already have an account",
    "sign in to continue",
    "log in to continue",
    "log in to read",
    "sign in to read",
    "create a free account",
    "register to continue",
    "jetzt abonnieren",
    "für abonnenten",
    "abonnieren sie",
    "weiterlesen mit",
    "bereits abonnent",
    "abonnez-vous",
    "réservé aux abonnés",
    "déjà abonné",
    "suscríbete",
    "exclusivo para suscriptores",
    "ya eres suscriptor",
    "assine",
    "exclusivo para assinantes",
    "já é assinante",
    "abbonati",
    "riservato agli abbonati",
    "sei già abbonato",
    "alleen voor abonnees",
    "word abonnee",
    "al abonnee",
    "tylko dla prenumeratorów",
    "zaloguj się, aby",
    "wykup dostęp",
];

/// The article gave way to a subscription or login wall: the reference was an article (150
/// words or more), the page is now short (at most a third of it and 300 words), and it asks to
/// subscribe or log in. The caller has graded the two texts `replaced`; this makes them
/// `paywalled` (the source is there, behind a wall), with the phrase as evidence.
#[must_use]
pub fn paywall(reference: &str, now: &str) -> Option<String> {
    let words = |t: &str| t.split_whitespace().count();
    let (before, after) = (words(reference), words(now));
    if before < ARTICLE_WORDS || after > SHORT_PAGE_WORDS || after * 3 > before {
        return None;
    }
    let text = now.to_lowercase();
    PAYWALL
        .iter()
        .find(|p| text.contains(*p))
        .map(|p| (*p).to_owned())
}

/// `scheme://host:port`, the scope of robots.txt and of a probe budget.
#[must_use]
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_wall_in_place_of_an_article_is_a_paywall_and_a_short_not_found_page_is_missing() {
        let article =
            "The council approved the budget for the new bridge after a long debate. ".repeat(20);
        let wall = "Talks resume\nThe minister said on Tuesday that talks would resume.\nSubscribe to continue reading. Already a subscriber? Log in.";
        assert_eq!(
            paywall(&article, wall).as_deref(),
            Some("subscribe to continue")
        );
        assert_eq!(transition(&article, wall), None);
        let gone = "Example News\nSorry, we couldn't find that page.\nTry the search.";
        assert_eq!(
            transition(&article, gone).map(|e| e.rule),
            Some("transition")
        );
        assert_eq!(paywall(&article, gone), None);
        // A long page that mentions subscribing is an article, not a wall; a short reference
        // proves nothing.
        let long = format!("{article} Subscribe to continue reading our newsletter.");
        assert_eq!(paywall(&article, &long), None);
        assert_eq!(paywall("A short note.", wall), None);
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn deep_links_redirected_to_the_root_or_an_error_path() {
        assert_eq!(
            url_rule(&u("https://a.test/2024/story"), &u("https://a.test/"))
                .unwrap()
                .rule,
            "redirect-to-root"
        );
        assert_eq!(
            url_rule(&u("https://a.test/story"), &u("https://a.test/errors/404"))
                .unwrap()
                .rule,
            "redirect-to-error-path"
        );
        assert_eq!(
            url_rule(
                &u("https://a.test/story"),
                &u("https://a.test/page-not-found?x=1")
            )
            .unwrap()
            .rule,
            "redirect-to-error-path"
        );
        // Not soft-404s: the root itself, an index page, a move to another article.
        assert_eq!(
            url_rule(&u("https://a.test/"), &u("https://www.a.test/")),
            None
        );
        assert_eq!(
            url_rule(&u("https://a.test/index.html"), &u("https://a.test/")),
            None
        );
        assert_eq!(
            url_rule(
                &u("https://a.test/old-story"),
                &u("https://a.test/new-story")
            ),
            None
        );
        assert_eq!(
            url_rule(&u("https://a.test/story"), &u("https://a.test/story")),
            None
        );
    }

    #[test]
    fn cues_come_from_title_then_heading_then_og_title() {
        assert_eq!(
            page_cue(Some("Page not found"), None, None).unwrap().rule,
            "title"
        );
        assert_eq!(
            page_cue(Some("Example News"), Some("Seite nicht gefunden"), None)
                .unwrap()
                .rule,
            "heading"
        );
        assert_eq!(
            page_cue(
                Some("Example News"),
                Some("Example News"),
                Some("Page not found")
            )
            .unwrap()
            .rule,
            "og-title"
        );
        assert_eq!(
            page_cue(
                Some("How a 404 error page is built"),
                Some("Talks resume"),
                None
            ),
            None
        );
    }

    #[test]
    fn og_title_is_read_from_its_meta_tag() {
        let html = "<head><meta charset=utf-8><meta property=\"og:title\" content=\"Page not found &#8211; Example\" />\
                    <title>Example</title></head>";
        assert_eq!(
            crate::content::cues::og_title(html).as_deref(),
            Some("Page not found - Example")
        );
        let twitter = "<meta content='Talks resume' name=\"twitter:title\">";
        assert_eq!(
            crate::content::cues::og_title(twitter).as_deref(),
            Some("Talks resume")
        );
        assert_eq!(crate::content::cues::og_title("<p>og:title</p>"), None);
        // 1 KiB back from the property can fall inside a character (a panic the trafilatura
        // corpus found): the look-back starts at a boundary.
        let german = format!(
            "<title>{}</title><meta content=\"Buchpreis\" property=\"og:title\">",
            "ä".repeat(700)
        );
        assert_eq!(
            crate::content::cues::og_title(&german).as_deref(),
            Some("Buchpreis")
        );
    }
}
