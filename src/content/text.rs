//! Main text: what a reader would call the article, without navigation, headers, footers,
//! asides, forms, cookie and subscription banners.
//!
//! Readability (dom_smoothie, a port of Mozilla's Readability.js on the same HTML parser as
//! scraper) finds the main content. When it finds none (short pages, odd markup), a heuristic of
//! our own takes `main`, `article`, `[role=main]` or Wikipedia's content area, else the body,
//! and drops boilerplate elements; it also decides when Readability's pick is mostly not prose
//! (a list of labels or signatories) and the fallback's text holds far more prose. The result is
//! normalized: NFC, whitespace collapsed, typographic quotes, dashes and ellipses made plain.

use super::cleaning::remove_banners;
use super::container::{
    against_containers, builder_blocks, container_html, container_text, form_text, outside,
    unwrap_noscript_articles,
};
use super::dateline::drop_datelines;
use super::lead::lead;
use crate::htmlscan::{self, Limits};
use scraper::{ElementRef, Html, Node, Selector};
use std::borrow::Cow;

/// Readability gives up below this many characters of text, and the fallback is used.
pub(super) const MIN_READABLE: usize = 200;

/// The normalized main text of an HTML page, without its datelines and timestamps (see
/// [`super::dateline`]). A page beyond [`Limits::PAGE`] (too large, too
/// many tags, nested too deep for a tree to be built and walked safely) is read as plain text
/// instead; NUL bytes are dropped first (the parser makes a replacement character of each).
#[must_use]
pub fn main_text(html: &str, url: Option<&str>) -> String {
    let html = without_nul(html);
    if !htmlscan::shape(&html).within(html.len(), Limits::PAGE) {
        return drop_datelines(&normalize(&htmlscan::plain_text(&html)));
    }
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    let document = dom_query::Document::from(&*html);
    unwrap_noscript_articles(&document);
    remove_banners(&document);
    let own = container_html(&document);
    let blocks = builder_blocks(&document);
    let forms = form_text(&document);
    let standfirst = lead(&document);
    let readable = dom_smoothie::Readability::with_document(
        document,
        url.filter(|u| u.starts_with("http")),
        Some(config),
    )
    .ok()
    .and_then(|mut r| r.parse().ok())
    .map(|article| normalize(&article.text_content))
    .filter(|t| t.chars().count() >= MIN_READABLE);
    let text = match readable {
        // Readability took a form (a sign-up form's labels and messages): not the article.
        Some(text) if forms.as_deref().is_some_and(|f| !outside(&text, f)) => own
            .as_deref()
            .and_then(container_text)
            .unwrap_or_else(|| fallback(&html)),
        // Readability sometimes picks a list (of labels, of signatories, of teasers, of a
        // form's fields) over the article: little of its text is prose. The fallback's view of
        // the page decides, else the page's own containers, as for any pick.
        Some(text) if prose(&text) * 2 < text.len() => {
            let other = fallback(&html);
            if prose(&other) > 2 * prose(&text) + 200 {
                other
            } else {
                against_containers(text, own.as_deref(), blocks.as_deref())
            }
        }
        Some(text) => against_containers(text, own.as_deref(), blocks.as_deref()),
        None => fallback(&html),
    };
    // The standfirst Readability left in the article's header comes first.
    let missing: Vec<&str> = standfirst
        .as_deref()
        .map(|s| s.lines().filter(|l| !text.contains(l)).collect())
        .unwrap_or_default();
    let text = if missing.is_empty() {
        text
    } else {
        format!("{}\n{text}", missing.join("\n"))
    };
    // Datelines and timestamps are refreshed on every visit, and the page's furniture (picture
    // credits, labels, promotions) is not the article's words: never part of what is compared.
    drop_datelines(&text)
}

/// Bytes of `text` in lines that read as prose: ten words or more, or 80 characters or more
/// (scripts written without spaces).
pub(super) fn prose(text: &str) -> usize {
    text.lines()
        .filter(|l| l.split_whitespace().count() >= 10 || l.chars().count() >= 80)
        .map(str::len)
        .sum()
}

/// The HTML of the article a page holds (its links made absolute against `url`), without the
/// navigation, footers and sidebars around it: what a published story cites. `None` for a page
/// past the shape bounds or with no article.
#[must_use]
pub fn main_html(html: &str, url: &str) -> Option<String> {
    let html = without_nul(html);
    if !htmlscan::shape(&html).within(html.len(), Limits::PAGE) {
        return None;
    }
    let document = dom_query::Document::from(&*html);
    remove_banners(&document);
    let mut readability =
        dom_smoothie::Readability::with_document(document, Some(url), None).ok()?;
    let article = readability.parse().ok()?;
    Some(article.content.to_string())
}

/// The text without its NUL bytes.
#[must_use]
pub fn without_nul(html: &str) -> Cow<'_, str> {
    if html.contains('\0') {
        Cow::Owned(html.replace('\0', ""))
    } else {
        Cow::Borrowed(html)
    }
}

/// Elements that are never main text.
const BOILERPLATE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "dialog", "rt", "rp",
];

/// Class or id fragments of banners and widgets.
const BOILERPLATE_MARKS: &[&str] = &[
    "cookie",
    "consent",
    "gdpr",
    "subscribe",
    "newsletter",
    "paywall",
    "banner",
    "advert",
    "ad-",
    "promo",
    "share",
    "social",
    "related",
    "comment",
    "sidebar",
    "breadcrumb",
    "navbox",
    "menu",
];

/// The heuristic used when Readability finds nothing. Private: only `main_text` calls it,
/// after the page passed `htmlscan`'s bounds (a tree is built and walked recursively here).
#[must_use]
fn fallback(html: &str) -> String {
    let document = Html::parse_document(html);
    let selector = Selector::parse(
        "main, article, [role=main], #mw-content-text, .mw-parser-output, #content, .content",
    )
    .expect("static selector");
    let root = document
        .select(&selector)
        .max_by_key(|e| e.text().map(str::len).sum::<usize>())
        .or_else(|| {
            document
                .select(&Selector::parse("body").expect("static"))
                .next()
        })
        .unwrap_or_else(|| document.root_element());
    let mut out = String::new();
    collect(root, &mut out);
    normalize(&out)
}

fn is_boilerplate(element: &ElementRef<'_>) -> bool {
    let e = element.value();
    if BOILERPLATE_TAGS.contains(&e.name())
        || e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
    {
        return true;
    }
    let marks = |s: &str| {
        let s = s.to_ascii_lowercase();
        BOILERPLATE_MARKS.iter().any(|m| s.contains(m))
    };
    // A class or id word marks a widget only when the element is small: the article's own
    // container may say `paywall` or `subscriber-content`.
    (e.id().is_some_and(marks) || e.classes().any(marks))
        && !matches!(e.name(), "body" | "main" | "article")
        && element.text().map(str::len).sum::<usize>() <= 2000
}

pub(super) fn collect(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(t) => {
                out.push_str(t);
            }
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if is_boilerplate(&child) {
                    continue;
                }
                let block = matches!(
                    e.name(),
                    "p" | "div"
                        | "br"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "tr"
                        | "section"
                        | "blockquote"
                        | "pre"
                        | "table"
                );
                if block {
                    out.push('\n');
                }
                collect(child, out);
                if block {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

/// Unicode NFC, whitespace collapsed (paragraph breaks kept as single newlines), typographic
/// quotes, dashes, ellipses and non-breaking spaces made plain.
#[must_use]
pub fn normalize(text: &str) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};
    // One text, two encodings (a precomposed letter or a letter and its combining mark): NFC
    // makes them one, so that a CMS re-saving a page in another form is no edit.
    let composed: Cow<'_, str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    };
    let mut lines: Vec<String> = Vec::new();
    for line in composed.lines() {
        let plain: String = line
            .chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => '\'',
                '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '\u{00ab}'
                | '\u{00bb}' => '"',
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                '\u{00a0}' | '\u{2007}' | '\u{202f}' | '\u{2009}' | '\u{200a}' => ' ',
                '\u{200b}' | '\u{feff}' | '\u{00ad}' => '\u{0}',
                c => c,
            })
            .filter(|c| *c != '\u{0}')
            .collect::<String>()
            .replace('\u{2026}', "...");
        let words: Vec<&str> = plain.split_whitespace().collect();
        if !words.is_empty() {
            lines.push(words.join(" "));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title>Talks resume</title></head><body>
        <header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
        <div class="cookie-banner">We use cookies. <button>Accept</button></div>
        <main><article><h1>Talks resume after summit</h1>
        <p>The minister said on Tuesday that talks with regional partners would resume after the summit, officials confirmed.</p>
        <p>A delegation arrived in the capital, where negotiations over trade, tariffs and energy supplies continued late into the night.</p>
        <p>Analysts cautioned that any agreement would depend on parliament approving the budget.</p>
        </article></main>
        <aside class="related">Related: other stories</aside>
        <footer>© Example News · <a href="/subscribe">Subscribe</a></footer>
        <script>var tracking = 1;</script></body></html>"#;

    #[test]
    fn main_text_drops_boilerplate() {
        let text = main_text(PAGE, Some("https://news.example/talks"));
        assert!(text.contains("The minister said on Tuesday"), "{text}");
        assert!(text.contains("approving the budget"));
        for noise in ["cookies", "Home", "Related", "Subscribe", "tracking"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn a_class_word_never_removes_the_article() {
        use std::fmt::Write as _;
        // Issue 14: real sites put `paywall` or `subType-unsubscribed` on <body> and on the
        // article's container; the banner cleaning removed the whole article.
        let mut paragraphs = String::new();
        for i in 0..6 {
            let _ = write!(
                paragraphs,
                "<p>Paragraph {i} of the report says the council approved the budget for the \
                 new bridge after a long debate about costs, tolls and the river crossing.</p>"
            );
        }
        let page = format!(
            "<html><body class=\"story paywall subType-unsubscribed\">\
             <div class=\"cookie-banner\">We use cookies. Accept all cookies?</div>\
             <div class=\"article-body subscriber-content\"><h1>Bridge approved</h1>{paragraphs}</div>\
             <div class=\"newsletter-signup\">Subscribe to our newsletter</div></body></html>"
        );
        let text = main_text(&page, Some("https://news.example/bridge"));
        for i in 0..6 {
            assert!(
                text.contains(&format!("Paragraph {i} of the report")),
                "{text}"
            );
        }
        for noise in ["cookies", "newsletter"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn captions_credits_bylines_author_boxes_disclaimers_and_copyright_stay_out_of_the_compared_text()
     {
        use std::fmt::Write as _;
        let mut paragraphs = String::new();
        for i in 0..6 {
            let _ = write!(
                paragraphs,
                "<p>Paragraph {i}: the harbour authority said the new quay would open in spring, \
                 after divers found the old foundations sound and the council agreed the cost.</p>"
            );
        }
        // The article's own container says `author` too: big next to the page, it stays.
        let page = format!(
            "<html><body><div class=\"post author-content\"><h1>Quay to open</h1>\
             <p class=\"byline\">By Ana Lima, harbour correspondent</p>\
             <figure><img src=\"q.jpg\"><figcaption>The old quay at dawn. Photo: Port archive\
             </figcaption></figure>{paragraphs}\
             <span class=\"image-credit\">Picture credit: Port of Example</span>\
             <div class=\"author-box\">Ana Lima covers shipping and the harbour.</div>\
             <div class=\"image-legend\">Divers at work on the foundations in March.</div>\
             <p class=\"editorial-disclaimer\">The views expressed are the author's own.</p>\
             <div class=\"post-ratings\">(No ratings yet)</div>\
             <div class=\"copyright\">© 2026 Example Harbour News</div>\
             <p class=\"postmetadata\">Filed under Harbour on Monday.</p>\
             <div class=\"BorlabsCookie\">Click below to load the map.</div>\
             <ul class=\"article-toc\"><li>Divers</li><li>Costs</li></ul></div>\
             <div class=\"related-posts\"><h3>More on this</h3><a href=\"/a\">Ferry fares rise</a></div>\
             </body></html>"
        );
        let text = main_text(&page, Some("https://news.example/quay"));
        for i in 0..6 {
            assert!(
                text.contains(&format!("Paragraph {i}: the harbour")),
                "{text}"
            );
        }
        for noise in [
            "Ana Lima",
            "old quay at dawn",
            "Picture credit",
            "Ferry fares",
            "Divers at work",
            "views expressed",
            "No ratings",
            "Example Harbour News",
            "Filed under",
            "load the map",
            "Divers\nCosts",
        ] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn a_list_readability_prefers_gives_way_to_the_prose_around_it() {
        use std::fmt::Write as _;
        // A long list of names in its own container (Readability's pick: many commas) beside
        // the letter's paragraphs: the text that is prose wins.
        let mut names = String::new();
        for i in 0..120 {
            let _ = write!(names, "<p>Signatory {i}, University of Example</p>");
        }
        let mut letter = String::new();
        for i in 0..4 {
            let _ = write!(
                letter,
                "<p>Letter paragraph {i} argues that the free exchange of information and ideas, \
                 the lifeblood of a liberal society, is daily becoming more constricted.</p>"
            );
        }
        let page = format!(
            "<html><body><h1>A letter</h1><div class=\"letter\">{letter}</div>\
             <div class=\"signatories\">{names}</div></body></html>"
        );
        let text = main_text(&page, None);
        assert!(
            text.contains("Letter paragraph 0 argues"),
            "{}",
            &text[..text.len().min(400)]
        );
    }

    #[test]
    fn a_related_stories_list_goes_with_its_heading() {
        use std::fmt::Write as _;
        let mut paragraphs = String::new();
        for i in 0..6 {
            let _ = write!(
                paragraphs,
                "<p>Paragraph {i}: the museum will reopen its east wing in May, the director said, \
                 after two years of repairs to the roof and the heating.</p>"
            );
        }
        let page = format!(
            "<html><body><article><h1>Museum reopens</h1>{paragraphs}\
             <div class=\"box\"><span>Mehr zum Thema:</span><ul><li><a href=\"/a\">Zoo extends hours</a>\
             </li><li><a href=\"/b\">Library closes early</a></li></ul></div>\
             <h3>Read more</h3><ul><li><a href=\"/c\">Opera tickets go on sale</a></li></ul>\
             <h2>Read more about the roof</h2><p>The roof, built in 1890, needed new slate.</p>\
             <h3>Das könnte Sie auch interessieren!</h3><ul><li><a href=\"/d\">Zoo feeds</a></li></ul>\
             </article></body></html>"
        );
        let text = main_text(&page, None);
        assert!(text.contains("Paragraph 5: the museum"), "{text}");
        for noise in [
            "Mehr zum Thema",
            "Zoo extends",
            "Library closes",
            "Opera tickets",
            "auch interessieren",
            "Zoo feeds",
        ] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
        // A heading that only starts like one is the article's.
        assert!(text.contains("The roof, built in 1890"), "{text}");
    }

    #[test]
    fn ruby_readings_are_not_words_of_the_text() {
        let page = "<html><body><article><p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもへの\
                    <ruby>虐待<rt>ぎゃくたい</rt></ruby>をなくすための<ruby>法律<rt>ほうりつ</rt></ruby>\
                    ができました。</p></article></body></html>";
        assert_eq!(
            main_text(page, None),
            "子どもへの虐待をなくすための法律ができました。"
        );
        assert_eq!(
            fallback(page),
            "子どもへの虐待をなくすための法律ができました。"
        );
    }

    #[test]
    fn a_blogger_article_in_noscript_is_read() {
        use std::fmt::Write as _;
        // Blogger (security.googleblog.com) ships the post as a script template and a
        // <noscript> copy; the sidebar's archive list was taken for the article.
        let mut archive = String::new();
        for year in 2007..2021 {
            let _ = write!(archive, "<li><a href=\"/{year}\">{year}</a><ul>");
            for month in ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul"] {
                let _ = write!(archive, "<li><a href=\"/{year}/{month}\">{month}</a></li>");
            }
            archive.push_str("</ul></li>");
        }
        let post = "<p>Over the past few years we have seen threats on the web becoming \
            increasingly sophisticated, and phishing sites rotate domains very quickly.</p>\
            <p>Turning on the enhanced mode will substantially increase protection from \
            dangerous websites and downloads, by sharing real-time data.</p>\
            <p>Over the next year, we will be adding even more protections to this mode, \
            including tailored warnings for phishing sites and file downloads.</p>\
            <p>You can opt in to this mode in the privacy and security settings; it will be \
            rolled out gradually over the coming weeks.</p>";
        let page = format!(
            "<html><body><div class=\"post-body\"><script type=\"text/template\">{post}</script>\
             <noscript>{post}</noscript></div><div class=\"sidebar\"><h2>Archive</h2><ul>{archive}</ul></div></body></html>"
        );
        let text = main_text(&page, Some("https://blog.example/2020/05/post.html"));
        assert!(text.contains("threats on the web becoming"), "{text}");
        assert!(text.contains("tailored warnings"), "{text}");
    }

    #[test]
    fn the_cms_article_container_wins_over_an_author_box_outside_it() {
        // knowledge-on-air.de: a short post in WordPress's .entry-content, and a longer author
        // box after it that Readability preferred.
        let page = r#"<html><body><article><h1>Live from the camp</h1>
            <div class="entry-content"><p>Also at this year's camp we recorded a live episode, in which visitors tell what they learned in the sessions of the two days.</p>
            <p>Three guests talk about their impressions, the sessions they liked and what they take home with them.</p></div>
            </article>
            <div class="about"><h3>About the host</h3><p>Head of the academy, trained as an engineer, with a focus on digital communication, learning organisations, knowledge management, new work, lifelong learning, communities, podcasts, and many more things, as a member of several networks, boards, and associations, in several countries.</p></div>
            </body></html>"#;
        let text = main_text(page, Some("https://podcast.example/2019/12/live/"));
        assert!(text.contains("recorded a live episode"), "{text}");
        assert!(text.contains("what they take home"), "{text}");
        assert!(!text.contains("Head of the academy"), "{text}");
    }

    #[test]
    fn picture_credit_lines_are_not_compared() {
        let page = format!(
            "<html><body><article><h1>Quay to open</h1><p>Titelbild: Port of Example</p>{}\
             <p>Photo: Ana Lima for the harbour desk</p><p>Image: a quay, the ships and the \
             harbour master, who said in an interview that more ships would come in the spring.</p>\
             </article></body></html>",
            "<p>The harbour authority said the new quay would open in spring, after divers found \
             the old foundations sound and the council agreed the cost of the works.</p>"
                .repeat(4)
        );
        let text = main_text(&page, None);
        assert!(text.contains("The harbour authority said"), "{text}");
        assert!(
            !text.contains("Port of Example") && !text.contains("Ana Lima"),
            "{text}"
        );
        // A long line is prose, whatever its first word.
        assert!(text.contains("Image: a quay"), "{text}");
    }

    #[test]
    fn the_fallback_also_drops_boilerplate() {
        let text = fallback(PAGE);
        assert!(text.contains("The minister said"));
        assert!(
            !text.contains("cookies") && !text.contains("Related") && !text.contains("tracking")
        );
    }

    #[test]
    fn normalization_makes_typography_plain() {
        assert_eq!(
            normalize(
                "  \u{201c}Yes\u{201d}\u{2014}it\u{2019}s\u{00a0}done\u{2026}\n\n\tnext  line "
            ),
            "\"Yes\"-it's done...\nnext line"
        );
        // A letter and its combining mark, and the precomposed letter, are one text (NFC):
        // "café" both ways; Bengali য় (U+09DF, which NFC writes as য and its nukta).
        assert_eq!(normalize("cafe\u{301}"), normalize("caf\u{e9}"));
        assert_eq!(normalize("\u{9df}"), normalize("\u{9af}\u{9bc}"));
    }
}
