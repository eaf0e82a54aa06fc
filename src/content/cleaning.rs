//! What is cleared from a page before Readability looks for its article: banners (cookie,
//! consent, newsletter and subscription prompts), what surrounds an article without being it
//! (captions, credits, bylines, author boxes, share bars, related-story lists and their
//! headings), and ruby readings. Always by size as well as by name, so that the article's own
//! container is never taken. The tests are `content::text`'s, through `main_text`.

/// Banners Readability keeps on short pages (cookie, consent, newsletter and subscription
/// prompts), and what is around an article but not the article (photo captions, legends and
/// credits, bylines and author boxes, share bars, related-article lists, copyright lines,
/// disclaimers and advertising disclosures, breadcrumbs, rating widgets) are removed before it looks, by
/// element, class or id and by size: a match is removed only
/// when it is small next to the page (at most a fifth of the body's text, at most 2,000
/// characters) and holds no article (it is not `html`, `body`, `main` or `article`, and has none
/// of them, nor `[role=main]` or `[itemprop=articleBody]`, inside). A word in a class name alone
/// never removes the article: real sites put `subType-unsubscribed` on `<body>` and `paywall`
/// on the article's container. At most 200 matches are looked at.
pub(super) fn remove_banners(document: &dom_query::Document) {
    // Ruby annotations (furigana: the reading of each kanji, `<rt>`, and its fallback
    // parentheses, `<rp>`) are not words of the text: 子<rt>こ</rt>ども reads 子ども.
    document.select("rt, rp").remove();
    let body_text = document.body().map_or(0, |b| b.text().chars().count());
    remove_related_sections(document, body_text);
    let candidates: Vec<_> = document
        .select(BANNER_SELECTOR)
        .nodes()
        .iter()
        .take(200)
        .copied()
        .collect();
    for node in candidates {
        if node
            .node_name()
            .is_some_and(|n| matches!(&*n, "html" | "body" | "main" | "article"))
        {
            continue;
        }
        let text = node.text().chars().count();
        if text > 2000 || text * 5 > body_text {
            continue;
        }
        let holds_article = dom_query::Selection::from(node)
            .select("article, main, [role=main], [itemprop=articleBody]")
            .exists();
        if !holds_article {
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
            let links: usize = dom_query::Selection::from(parent)
                .select("a")
                .nodes()
                .iter()
                .map(|a| a.text().chars().count())
                .sum();
            if whole <= 3000 && whole * 5 <= body_text.max(1) * 2 && links * 2 >= whole {
                parent.remove_from_parent();
                continue;
            }
        }
        let mut next = heading.next_element_sibling();
        heading.remove_from_parent();
        while let Some(sibling) = next {
            let whole = sibling.text().chars().count();
            let links: usize = dom_query::Selection::from(sibling)
                .select("a")
                .nodes()
                .iter()
                .map(|a| a.text().chars().count())
                .sum();
            if whole == 0 || whole > 3000 || links * 2 < whole {
                break;
            }
            next = sibling.next_element_sibling();
            sibling.remove_from_parent();
        }
    }
}

/// Cookie, consent and subscription banners; captions, legends, credits, bylines, author boxes,
/// share bars, related-article lists, copyright lines, disclaimers and disclosures, breadcrumbs
/// and ratings; by element, class or id.
const BANNER_SELECTOR: &str = "[class*=cookie i], [id*=cookie i], [class*=consent], [id*=consent], \
    [class*=gdpr], [id*=gdpr], [class*=newsletter], [id*=newsletter], [class*=paywall], \
    [class*=subscribe], [id*=subscribe], dialog, noscript, figcaption, [class*=caption], \
    [class*=credit], [class*=related], [id*=related], [class*=share], [class*=social], \
    [class*=author], [class*=byline], [class*=copyright], [class*=disclaimer], \
    [class*=disclosure], [class*=legend], [class*=breadcrumb], [class*=rating], [class*=metadata], [class~=toc], [class*=-toc], [class*=toc-], [id=toc]";
