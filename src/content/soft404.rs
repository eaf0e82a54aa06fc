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

/// The most words a page's main text may have for its first lines alone to make it a not-found
/// page ([`page_evidence`]): a not-found body is a sentence or two and a search box.
const NOT_FOUND_PAGE_WORDS: usize = 80;

/// Everything one page says about itself: the [`page_cue`]s, then a short main text (at most
/// [`NOT_FOUND_PAGE_WORDS`] words) whose first lines say it is missing (rule `text`): a site's
/// chrome around a not-found body, with a title and heading that say nothing. `text` is the
/// page's main text, computed by the caller when it needs it (`None`: only the cues are read).
#[must_use]
pub fn page_evidence(html: &str, text: impl FnOnce() -> Option<String>) -> Option<Evidence> {
    let (title, heading) = super::cues::title_and_heading(html);
    let og_title = super::cues::og_title(html);
    if let Some(evidence) = page_cue(title.as_deref(), heading.as_deref(), og_title.as_deref()) {
        return Some(evidence);
    }
    for h in super::cues::main_headings(html).iter().skip(1) {
        if let Some(phrase) = super::cues::missing_cue(h) {
            return Some(Evidence {
                rule: "heading",
                detail: format!("a main heading {h:?} says the page is missing ({phrase:?})"),
            });
        }
    }
    // Most pages say nothing of a missing page anywhere: their main text is not extracted.
    let plain = crate::htmlscan::plain_text(html);
    if !super::cues::mentions_missing(&plain) {
        return None;
    }
    let text = text()?;
    let words = text.split_whitespace().count();
    if words <= NOT_FOUND_PAGE_WORDS
        && let Some((line, phrase)) = first_line_cue(&text)
    {
        return Some(Evidence {
            rule: "text",
            detail: format!("the page's main text is short and says {line:?} ({phrase:?})"),
        });
    }
    // The extractor may pick a sidebar or a teaser list over a one-sentence not-found block.
    // A page that is no article (at most CHROME_PAGE_WORDS of main text) with a short statement
    // anywhere that says it is missing; on a longer page, a short line outside the main text
    // that names the missing page in so many words ("Page not found" above a list of teasers).
    let article = words > CHROME_PAGE_WORDS;
    let (line, phrase) = plain
        .lines()
        .flat_map(sentences)
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.split_whitespace().count() <= 30)
        .find_map(|l| {
            if article {
                let near_top = text.lines().take(FIRST_LINES).any(|t| t.trim() == l);
                return (l.split_whitespace().count() <= 12 && (near_top || !text.contains(l)))
                    .then(|| super::cues::specific_phrase(l))
                    .flatten()
                    .map(|p| (l, p.to_owned()));
            }
            // Elsewhere on a page, a generic phrase counts in a short statement only: "Haben
            // Sie das Gesuchte nicht gefunden?" is a search box's question, on every page.
            let statement = super::cues::is_short(l, 5) && !l.ends_with('?');
            super::cues::specific_phrase(l)
                .map(str::to_owned)
                .or_else(|| statement.then(|| super::cues::missing_cue(l)).flatten())
                .map(|p| (l, p))
        })?;
    Some(Evidence {
        rule: "text",
        detail: format!("the page is no article and says {line:?} ({phrase:?})"),
    })
}

/// The sentences of a line: "Página no encontrada. Verifica la URL." has two.
fn sentences(line: &str) -> impl Iterator<Item = &str> {
    line.split_inclusive(". ")
        .chain(std::iter::once(""))
        .filter(|s| !s.is_empty())
}

/// The most words of main text a page may have for a line elsewhere on it to make it a
/// not-found page ([`page_evidence`]).
const CHROME_PAGE_WORDS: usize = 300;

/// The first of the first lines of `text` (each at most 30 words) that says the page is missing.
fn first_line_cue(text: &str) -> Option<(&str, String)> {
    text.lines()
        .take(FIRST_LINES)
        .filter(|l| l.split_whitespace().count() <= 30)
        .find_map(|l| super::cues::missing_phrase(l).map(|p| (l, p)))
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
    let (line, phrase) = first_line_cue(now)?;
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
/// words or more), the page is now at most half of it, and it asks to subscribe or log in in
/// words the reference did not have. The caller has graded the two texts `replaced` or
/// `edited` (a wall that keeps the first paragraphs); this makes them `paywalled` (the source
/// is there, behind a wall), with the phrase as evidence.
#[must_use]
pub fn paywall(reference: &str, now: &str) -> Option<String> {
    let words = |t: &str| t.split_whitespace().count();
    let (before, after) = (words(reference), words(now));
    if before < ARTICLE_WORDS || after * 2 > before {
        return None;
    }
    let (text, was) = (now.to_lowercase(), reference.to_lowercase());
    PAYWALL
        .iter()
        .find(|p| text.contains(*p) && !was.contains(*p))
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

    fn judge_page(html: &str) -> Option<&'static str> {
        page_evidence(html, || Some(crate::content::text::main_text(html, None))).map(|e| e.rule)
    }

    /// A site's chrome: a menu, a teaser list and a footer around `main`.
    fn chrome(title: &str, main: &str) -> String {
        let teasers = (0..8).fold(String::new(), |mut out, i| {
            use std::fmt::Write as _;
            let _ = write!(
                out,
                "<li><a href=\"/s/{i}\">Council approves budget for bridge number {i}</a></li>"
            );
            out
        });
        format!(
            "<html><head><title>{title}</title></head><body><header><h1>Example Times</h1>\
             <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav></header>\
             <div id=\"content\">{main}</div><aside><h3>Most read</h3><ul>{teasers}</ul></aside>\
             <footer><p>Haben Sie das Gesuchte nicht gefunden? Try the search.</p>\
             <p>© Example Times</p></footer></body></html>"
        )
    }

    #[test]
    fn a_not_found_body_in_a_sites_chrome_is_found_without_a_title_or_heading_cue() {
        // A second <h1> after the logo's.
        let html = chrome(
            "Example Times",
            "<h1>Nicht gefunden</h1><p>Bitte nutzen Sie die Suche.</p>",
        );
        assert_eq!(judge_page(&html), Some("heading"));
        // No heading at all: the short main text's first lines.
        let html = chrome(
            "Example Times",
            "<h2>Oops</h2><p>We couldn't find the page you asked for. It may have moved.</p>",
        );
        assert_eq!(judge_page(&html), Some("text"));
        // Starlight's text, two sentences on one line.
        let html = chrome(
            "Example Times",
            "<h2>404</h2><p>Página no encontrada. Verifica la URL o intenta usar la barra de búsqueda.</p>",
        );
        assert_eq!(judge_page(&html), Some("text"));
    }

    #[test]
    fn an_article_in_the_same_chrome_is_not_a_not_found_page() {
        let paragraph = |p: &str| format!("<p>{}</p>", p.repeat(4));
        let article = [
            "The council approved the budget for the new bridge after a long debate on Tuesday.",
            "The search for the missing sailor was called off; he was not found after three days.",
            "Officials said the page of the report that described the costs does not exist in print.",
        ]
        .iter()
        .map(|p| paragraph(p))
        .collect::<String>();
        let html = chrome(
            "Budget approved | Example Times",
            &format!("<article><h1>Budget approved</h1>{article}</article>"),
        );
        // The footer's search question says "nicht gefunden" on every page of the site.
        assert_eq!(judge_page(&html), None);
        // A headline that mentions a generic phrase in a long part is a headline.
        assert_eq!(
            crate::content::cues::missing_cue(
                "Missing sailor not found after three days of searching"
            ),
            None
        );
        assert!(crate::content::cues::missing_cue("Nicht gefunden | Example").is_some());
        // A long line of Chinese is long, spaces or not.
        let line = "噢對！還有怎麼睡車上呢？露營車嗎？偶們去年元旦去國境之南找不到旅館也是當了車床族～睡車上．．．好累！";
        assert!(!crate::content::cues::is_short(line, 5));
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
