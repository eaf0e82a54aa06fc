//! What is cleared from a page before Readability looks for its article: banners (cookie,
//! consent, newsletter and subscription prompts), what surrounds an article without being it
//! (captions, credits, bylines, author boxes, share bars, related-story lists and their
//! headings, teasers of other stories, navigation inside the article), comment threads and
//! forms, and ruby readings. By size as well as by name (comments aside: a thread can be longer
//! than the story), and never an element that holds the article, so that the article's own
//! container is never taken. The tests are here and `content::text`'s, through `main_text`.

/// Banners Readability keeps on short pages (cookie, consent, newsletter and subscription
/// prompts), and what is around an article but not the article (photo captions, legends and
/// credits, bylines and author boxes, share bars, related-article lists, copyright lines,
/// disclaimers and advertising disclosures, breadcrumbs, rating widgets, navigation, teasers of
/// other stories that link to them) are removed before it looks, by element, class or id and by
/// size: a match is removed only when it is small next to the page (at most a fifth of the
/// body's text, at most 2,000 characters) and holds no article (it is not `html`, `body`, `main`
/// or `article`, and has none of them, nor `[role=main]` or `[itemprop=articleBody]`, inside). A
/// word in a class name alone never removes the article: real sites put `subType-unsubscribed`
/// on `<body>` and `paywall` on the article's container. Comment threads and comment forms go
/// whatever their size, unless they hold the article. At most 200 matches of each kind are
/// looked at.
pub(super) fn remove_banners(document: &dom_query::Document) {
    // Ruby annotations (furigana: the reading of each kanji, `<rt>`, and its fallback
    // parentheses, `<rp>`) are not words of the text: 子<rt>こ</rt>ども reads 子ども.
    document.select("rt, rp").remove();
    let body_text = document.body().map_or(0, |b| b.text().chars().count());
    remove_related_sections(document, body_text);
    for node in matches(document, BANNER_SELECTOR) {
        if small(&node, body_text) && !holds_article(&node) {
            node.remove_from_parent();
        }
    }
    remove_linked_teasers(document, body_text);
    // Comments and the form to write one are never the article, however long the thread.
    for node in matches(document, COMMENTS) {
        if !holds_article(&node) {
            node.remove_from_parent();
        }
    }
}

/// The first 200 elements `selector` matches.
fn matches<'a>(document: &'a dom_query::Document, selector: &str) -> Vec<dom_query::NodeRef<'a>> {
    document
        .select(selector)
        .nodes()
        .iter()
        .take(200)
        .copied()
        .collect()
}

/// Characters of text in the links (`selector`) inside an element.
pub(super) fn link_chars(node: &dom_query::NodeRef<'_>, selector: &str) -> usize {
    dom_query::Selection::from(*node)
        .select(selector)
        .nodes()
        .iter()
        .map(|a| a.text().chars().count())
        .sum()
}

/// Whether an element is small next to the page: at most 2,000 characters of text and a fifth
/// of the body's.
fn small(node: &dom_query::NodeRef<'_>, body_text: usize) -> bool {
    let text = node.text().chars().count();
    text <= 2000 && text * 5 <= body_text
}

/// Whether an element is, or holds, the page's article: `html`, `body`, `main` or `article`
/// itself, or one of them, `[role=main]` or `[itemprop=articleBody]` inside.
fn holds_article(node: &dom_query::NodeRef<'_>) -> bool {
    node.node_name()
        .is_some_and(|n| matches!(&*n, "html" | "body" | "main" | "article"))
        || dom_query::Selection::from(*node)
            .select("article, main, [role=main], [itemprop=articleBody]")
            .exists()
}

/// Comment threads and comment forms (WordPress's names, which most themes keep).
const COMMENTS: &str = "#comments, #respond, .comments-area, .comment-list, .commentlist, \
    .comment-respond, .comment-form, .nocomments";

/// A headline that links to a story.
const LINKED_HEADLINE: &str = "h2 a[href], h3 a[href], h4 a[href], h5 a[href], h6 a[href], \
    a[href] h2, a[href] h3, a[href] h4, a[href] h5, a[href] h6";

/// Teasers of other stories: an element whose class names a teaser and that links to a story (it
/// is a link or inside one, holds a linked headline, or a fifth of its text is in links); a
/// standfirst a CMS calls its "teaser" does none of that (a link in a sentence of it aside) and
/// stays.
fn remove_linked_teasers(document: &dom_query::Document, body_text: usize) {
    for node in matches(document, "[class*=teaser i]") {
        if !small(&node, body_text) || holds_article(&node) {
            continue;
        }
        let linked = link_chars(&node, "a[href]") * 5 >= node.text().chars().count()
            || dom_query::Selection::from(node)
                .select(LINKED_HEADLINE)
                .exists()
            || node.is("a[href]")
            || node.ancestors_it(Some(6)).any(|a| a.is("a[href]"));
        if linked {
            node.remove_from_parent();
        }
    }
}

/// Headings that open a list of other stories, in the languages of the cue lists: compared
/// whole (case, a trailing colon and spaces aside), never as a part of a longer heading.
const RELATED_HEADINGS: &[&str] = &[
    "related",
    "related articles",
    "related stories",
    "related posts",
    "related coverage",
    "related content",
    "related news",
    "read more",
    "read next",
    "more on this",
    "more on this story",
    "more stories",
    "more from",
    "you may also like",
    "you might also like",
    "recommended",
    "recommended for you",
    "see also",
    "also read",
    "most read",
    "most popular",
    "trending",
    "about the author",
    "mehr zum thema",
    "lesen sie auch",
    "auch lesen",
    "weiterführende links",
    "weiterführender link",
    "meistgelesene artikel",
    "meistdiskutierte artikel",
    "über den autor",
    "über die autorin",
    "zur person",
    "verwandte artikel",
    "verwandte beiträge",
    "verwandte themen",
    "ähnliche artikel",
    "ähnliche beiträge",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "das könnte sie interessieren",
    "auch interessant",
    "weitere artikel",
    "weitere beiträge",
    "weitere beiträge zum thema",
    "zum weiterlesen",
    "weiterlesen",
    "meistgelesen",
    "empfehlungen",
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "sur le même sujet",
    "voir aussi",
    "articles similaires",
    "les plus lus",
    "à propos de l'auteur",
    "sobre el autor",
    "lee también",
    "te puede interesar",
    "noticias relacionadas",
    "artículos relacionados",
    "lo más leído",
    "leggi anche",
    "potrebbe interessarti",
    "articoli correlati",
    "i più letti",
    "leia também",
    "veja também",
    "notícias relacionadas",
    "mais lidas",
    "lees ook",
    "gerelateerde artikelen",
    "meest gelezen",
    "czytaj także",
    "czytaj też",
    "zobacz też",
    "zobacz także",
    "polecane",
    "najczęściej czytane",
];

/// A heading that opens a list of other stories is removed, with what follows it in its
/// container when that is mostly links (the list itself), and the container too when nothing
/// but the heading and links is in it. Headings are `h2`-`h6`, and `p`, `strong`, `b`, `span` or
/// `div` elements of a few nodes at most (sites style their own); the first 5,000 are looked at,
/// and the first 20 that match are acted on.
fn remove_related_sections(document: &dom_query::Document, body_text: usize) {
    let headings: Vec<_> = document
        .select("h2, h3, h4, h5, h6, p, strong, b, span, div")
        .nodes()
        .iter()
        .take(5000)
        .copied()
        .collect();
    let mut matched = 0;
    for heading in headings {
        // A heading is short: an element holding more than a few others is no heading, and
        // is passed over without reading its text (which would make the scan quadratic).
        if heading.descendants_it().take(5).count() > 4 {
            continue;
        }
        let text = heading.text();
        if text.len() > 80 {
            continue;
        }
        let key = text
            .trim()
            .trim_end_matches([':', '.', '…', '!'])
            .trim()
            .to_lowercase();
        if !RELATED_HEADINGS.contains(&key.as_str()) {
            continue;
        }
        // Each match reads its container's text: a page of thousands of such headings must not
        // make that quadratic.
        matched += 1;
        if matched > 20 {
            break;
        }
        if let Some(parent) = heading.parent()
            && parent
                .node_name()
                .is_some_and(|n| !matches!(&*n, "body" | "main" | "article"))
        {
            let whole = parent.text().chars().count();
            let links = link_chars(&parent, "a");
            if whole <= 3000 && whole * 5 <= body_text.max(1) * 2 && links * 2 >= whole {
                parent.remove_from_parent();
                continue;
            }
        }
        let mut next = heading.next_element_sibling();
        heading.remove_from_parent();
        while let Some(sibling) = next {
            let whole = sibling.text().chars().count();
            let links = link_chars(&sibling, "a");
            if whole == 0 || whole > 3000 || links * 2 < whole {
                break;
            }
            next = sibling.next_element_sibling();
            sibling.remove_from_parent();
        }
    }
}

/// Cookie, consent and subscription banners; captions, legends, credits, bylines, author boxes,
/// share bars, related-article lists, copyright lines, disclaimers and disclosures, breadcrumbs,
/// ratings and navigation; by element, class or id.
const BANNER_SELECTOR: &str = "[class*=cookie i], [id*=cookie i], [class*=consent], [id*=consent], \
    [class*=gdpr], [id*=gdpr], [class*=newsletter], [id*=newsletter], [class*=paywall], \
    [class*=subscribe], [id*=subscribe], dialog, noscript, figcaption, [class*=caption], \
    [class*=credit], [class*=related], [id*=related], [class*=share], [class*=social], \
    [class*=author], [class*=byline], [class*=copyright], [class*=disclaimer], \
    [class*=disclosure], [class*=legend], [class*=breadcrumb], [class*=rating], [class*=metadata], [class~=toc], [class*=-toc], [class*=toc-], [id=toc], nav";

#[cfg(test)]
mod tests {
    use crate::content::text::main_text;
    use std::fmt::Write as _;

    fn paragraphs(what: &str, n: usize) -> String {
        (0..n).fold(String::new(), |mut out, i| {
            let _ = write!(
                out,
                "<p>{what} paragraph {i}: the council voted to close the bridge for repairs in \
                 spring, and the ferry will run every twenty minutes until it reopens.</p>"
            );
            out
        })
    }

    #[test]
    fn teasers_of_other_stories_go_and_a_standfirst_called_teaser_stays() {
        let cards = (0..4).fold(String::new(), |mut out, i| {
            let _ = write!(
                out,
                "<div class=\"teaser\"><h3><a href=\"/story/{i}\">Other story {i}</a></h3>\
                 <p class=\"teaser__text\">Card excerpt {i}: the new harbour opens in May, with \
                 berths for two hundred boats and a fish market on the old quay.</p></div>\
                 <a class=\"teaser-link\" href=\"/more/{i}\"><div class=\"teaser-box\">\
                 Linked card {i}: the town's library moves to the old post office, which was \
                 rebuilt for the purpose over two years.</div></a>"
            );
            out
        });
        let page = format!(
            "<html><body><article><h1>Bridge to close</h1>\
             <div class=\"article-teaser\"><p>Standfirst: the bridge closes in March, \
             <a href=\"/council\">the council</a> said on Monday after a long debate.</p></div>\
             {}<div class=\"box\">{cards}</div>{}</article></body></html>",
            paragraphs("First", 4),
            paragraphs("Second", 3)
        );
        let text = main_text(&page, None);
        assert!(text.contains("Standfirst: the bridge closes"), "{text}");
        assert!(text.contains("Second paragraph 2"), "{text}");
        for noise in ["Card excerpt", "Linked card", "Other story"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn a_comment_form_and_the_comments_are_not_the_article() {
        let comments = (0..3).fold(String::new(), |mut out, i| {
            let _ = write!(
                out,
                "<li class=\"comment\"><p>Reader comment {i}: I drive over that bridge every \
                 day and the ferry is always late, somebody should do something.</p></li>"
            );
            out
        });
        let page = format!(
            "<html><body><div class=\"post\"><h1>Bridge to close</h1>{}\
             <div id=\"comments\" class=\"comments-area\"><ol class=\"comment-list\">{comments}\
             </ol><div id=\"respond\" class=\"comment-respond\"><h3>Leave a Reply</h3>\
             <form class=\"comment-form\"><p class=\"comment-notes\">Your email address will \
             not be published. Required fields are marked.</p><textarea></textarea></form>\
             </div></div></div></body></html>",
            paragraphs("Article", 3)
        );
        let text = main_text(&page, None);
        assert!(text.contains("Article paragraph 2"), "{text}");
        for noise in ["Reader comment", "Leave a Reply", "email address"] {
            assert!(!text.contains(noise), "{noise} in {text}");
        }
    }

    #[test]
    fn a_navigation_inside_the_article_is_not_the_article() {
        let page = format!(
            "<html><body><article><h1>Bridge to close</h1><div class=\"entry-content\">\
             <nav class=\"tabs\"><ul><li><a href=\"/guide\">Ratgeber</a></li>\
             <li><a href=\"/firms\">Firmen</a></li><li><a href=\"/news\">News</a></li>\
             <li><a href=\"/forum\">Forum</a></li></ul></nav>{}</div></article></body></html>",
            paragraphs("Article", 4)
        );
        let text = main_text(&page, None);
        assert!(text.contains("Article paragraph 3"), "{text}");
        assert!(!text.contains("Ratgeber"), "{text}");
    }
}
