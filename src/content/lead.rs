//! The article's standfirst (lead, dek, subtitle, *bajada*, *chapô*): the paragraph under the
//! headline that sums the story up. Sites put it in the article's header, beside the headline,
//! where Readability, which looks for the body, leaves it out; but it is what the source said, and
//! an edit of it is an edit a desk must see.

use super::cleaning::link_chars;
use super::text::normalize;
use std::collections::HashMap;

/// Class fragments of a standfirst, in the languages of the cue lists.
const LEAD_MARKS: &[&str] = &[
    "lead",
    "standfirst",
    "subtitle",
    "subheadline",
    "sub-headline",
    "subhead",
    "excerpt",
    "intro",
    "dek",
    "summary",
    "abstract",
    "bajada",
    "entradilla",
    "sapo",
    "chapo",
    "chapeau",
    "sommario",
    "catenaccio",
    "linha-fina",
    "linhafina",
    "leader",
];

/// Class fragments of what sits under a headline without being its standfirst: disclosures,
/// sponsorship notes, the date and byline block, tags.
const NOT_LEAD_MARKS: &[&str] = &[
    "disclosure",
    "disclaimer",
    "sponsor",
    "advert",
    "promo",
    "meta",
    "date",
    "time",
    "tags",
];

/// At most this many paragraphs, and characters in all, are taken as the standfirst.
const MAX_PARAGRAPHS: usize = 3;
const MAX_CHARS: usize = 1500;

/// The standfirst of the page's headline, normalized, if it has one: the paragraphs after the
/// headline in its article header (see [`article_header`]), at most three and 1,500
/// characters. The first 200 elements of the header are looked at.
pub(super) fn lead(document: &dom_query::Document) -> Option<String> {
    let (headline, scope, by_class) = article_header(document)?;
    let nodes: Vec<_> = dom_query::Selection::from(scope)
        .select("h1, p, div, h2")
        .nodes()
        .iter()
        .take(200)
        .copied()
        .collect();
    // A teaser list's excerpts share one class: how many of the header's elements have each.
    let mut classes: HashMap<(String, String), usize> = HashMap::new();
    for node in &nodes {
        if let (Some(name), Some(class)) = (node.node_name(), node.attr("class")) {
            *classes
                .entry((name.to_string(), class.to_string()))
                .or_default() += 1;
        }
    }
    let mut seen_headline = false;
    let mut taken: Vec<dom_query::NodeRef<'_>> = Vec::new();
    let mut out = String::new();
    for node in &nodes {
        if node.id == headline.id {
            seen_headline = true;
            continue;
        }
        let inside = |n: &dom_query::NodeRef<'_>| node.ancestors_it(None).any(|a| a.id == n.id);
        if !seen_headline || inside(&headline) || taken.iter().any(inside) {
            continue;
        }
        if by_class
            && let (Some(name), Some(class)) = (node.node_name(), node.attr("class"))
            && classes
                .get(&(name.to_string(), class.to_string()))
                .is_some_and(|n| *n >= 3)
        {
            continue;
        }
        let Some(text) = paragraph(node, scope, by_class) else {
            continue;
        };
        if out.len() + text.len() > MAX_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
        taken.push(*node);
        if taken.len() == MAX_PARAGRAPHS {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The headline, the article header around it, and whether a paragraph of that header needs a
/// standfirst's class to count. The headline is the first `<h1>` or `<h2>` (of the first 50)
/// not in a `nav` or a list (a breadcrumb's last item) whose text is in the page's `og:title`
/// or `<title>` ("Headline | Site") or holds it (a kicker before the headline), else the first
/// such `<h1>` of two words or more.
/// The header is the `<header>` around it (within four levels; one whose `nav`s hold five links
/// or more is the site's, not the article's), where every paragraph after the headline counts;
/// else the headline's grandparent (not `body`), where a paragraph counts when it or one of its
/// two parents has a standfirst's class.
fn article_header(
    document: &dom_query::Document,
) -> Option<(dom_query::NodeRef<'_>, dom_query::NodeRef<'_>, bool)> {
    let headline = headline(document)?;
    let header = headline
        .ancestors_it(Some(4))
        .find(|a| a.node_name().is_some_and(|n| &*n == "header"))
        .filter(|h| dom_query::Selection::from(*h).select("nav a").length() < 5);
    let (scope, by_class) = match header {
        Some(h) => (h, false),
        None => (headline.parent()?.parent()?, true),
    };
    if scope
        .node_name()
        .is_some_and(|n| matches!(&*n, "body" | "html"))
    {
        return None;
    }
    Some((headline, scope, by_class))
}

/// The page's headline element (see [`article_header`]).
fn headline(document: &dom_query::Document) -> Option<dom_query::NodeRef<'_>> {
    let squash = |t: &str| normalize(t).to_lowercase();
    let title = document
        .select("meta[property='og:title']")
        .attr("content")
        .map(|t| squash(&t))
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let t = squash(&document.select("head title").text());
            (!t.is_empty()).then_some(t)
        });
    // A heading in a `nav` or a list is a breadcrumb's or a menu's, not the story's.
    let headings: Vec<_> = document
        .select("body h1, body h2")
        .nodes()
        .iter()
        .take(50)
        .filter(|h| {
            !h.ancestors_it(None)
                .any(|a| a.node_name().is_some_and(|n| matches!(&*n, "nav" | "li")))
        })
        .copied()
        .collect();
    if let Some(title) = title
        && let Some(h) = headings.iter().find(|h| {
            let text = squash(&h.text());
            text.split_whitespace().count() >= 2
                && text.len() >= 10
                && (title.contains(&text) || (title.len() >= 20 && text.contains(&title)))
        })
    {
        return Some(*h);
    }
    headings
        .iter()
        .find(|h| {
            h.node_name().is_some_and(|n| &*n == "h1") && h.text().split_whitespace().count() >= 2
        })
        .copied()
}

/// The normalized text of `node` if it reads as a standfirst's paragraph: a `p` (or a `div` or
/// `h2` with a standfirst's class; in a header found by class, one with the class or under it),
/// not in a disclosure, date or byline block, small (50 elements at most), prose (eight words
/// or more, 40 to 1,000 characters, not cut short with an ellipsis) and not mostly a link.
fn paragraph(
    node: &dom_query::NodeRef<'_>,
    scope: dom_query::NodeRef<'_>,
    by_class: bool,
) -> Option<String> {
    let has = |n: &dom_query::NodeRef<'_>, marks: &[&str]| {
        let class = n.attr("class").unwrap_or_default().to_lowercase();
        marks.iter().any(|m| class.contains(m))
    };
    let is_p = node.node_name().is_some_and(|n| &*n == "p");
    // A subtitle heading in the headline's `<hgroup>` is its standfirst by the markup's own word.
    let subtitle = node.node_name().is_some_and(|n| &*n == "h2")
        && node
            .parent()
            .is_some_and(|p| p.node_name().is_some_and(|n| &*n == "hgroup"));
    let counts = subtitle
        || if by_class {
            has(node, LEAD_MARKS)
                || (is_p && node.ancestors_it(Some(2)).any(|a| has(&a, LEAD_MARKS)))
        } else {
            is_p || has(node, LEAD_MARKS)
        };
    let unwanted = has(node, NOT_LEAD_MARKS)
        || node
            .ancestors_it(None)
            .take_while(|a| a.id != scope.id)
            .any(|a| has(&a, NOT_LEAD_MARKS));
    if !counts || unwanted || node.descendants_it().take(51).count() > 50 {
        return None;
    }
    let text = normalize(&node.text());
    let chars = text.chars().count();
    if text.split_whitespace().count() < 8 || !(40..=1000).contains(&chars) || text.ends_with("...")
    {
        return None;
    }
    (link_chars(node, "a") * 2 <= chars).then_some(text)
}

#[cfg(test)]
mod tests {
    use crate::content::text::main_text;
    use std::fmt::Write as _;

    /// Six paragraphs of an article body.
    fn body() -> String {
        let mut paragraphs = String::new();
        for i in 0..6 {
            let _ = write!(
                paragraphs,
                "<p>Paragraph {i}: the port authority said the new ferry terminal would open in \
                 June, after inspectors approved the ramps and the city agreed the budget.</p>"
            );
        }
        paragraphs
    }

    const LEAD: &str =
        "The city's new ferry terminal opens in June, two years late and a third over budget.";

    #[test]
    fn the_standfirst_in_the_articles_header_is_part_of_the_text_once() {
        let page = format!(
            "<html><body><nav><a href=\"/\">Home</a></nav><article><header>\
             <h1>Ferry terminal to open in June</h1>\
             <div class=\"entry-meta\"><p>Published on Monday by the harbour desk, with \
             reporting from the quays and the council chamber</p></div>\
             <p>{LEAD}</p></header><div class=\"body\">{}</div></article></body></html>",
            body()
        );
        let text = main_text(&page, Some("https://news.example/ferry"));
        assert!(text.starts_with(LEAD), "{text}");
        assert_eq!(text.matches("third over budget").count(), 1, "{text}");
        assert!(text.contains("Paragraph 5"), "{text}");
        assert!(
            !text.contains("Published on Monday"),
            "the meta block is no standfirst: {text}"
        );
        assert!(
            !text.contains("Ferry terminal to open"),
            "the headline is compared on its own"
        );
    }

    #[test]
    fn the_subtitle_heading_of_the_headlines_hgroup_is_the_standfirst() {
        // die-tagespost.de: `<hgroup><h1>Headline</h1><h2>Standfirst</h2></hgroup>`.
        let page = format!(
            "<html><body><article><header><hgroup><h1>Ferry terminal to open in June</h1>\
             <h2>{LEAD}</h2></hgroup></header><div class=\"body\">{}</div></article>\
             </body></html>",
            body()
        );
        let text = main_text(&page, Some("https://news.example/ferry"));
        assert!(text.starts_with(LEAD), "{text}");
        assert!(text.contains("Paragraph 5"), "{text}");
    }

    #[test]
    fn a_standfirst_by_class_beside_the_headline_is_read_and_teasers_are_not() {
        let mut teasers = String::new();
        for i in 0..3 {
            let _ = write!(
                teasers,
                "<p class=\"excerpt\">Teaser {i} about another story entirely, which goes on \
                 for a while about something else.</p>"
            );
        }
        teasers.push_str(
            "<p class=\"summary\">One more summary of another story, which goes on for a \
             while before it is cut short...</p>",
        );
        let page = format!(
            "<html><body><div class=\"page\"><div class=\"head\">\
             <h1>Ferry terminal to open in June</h1>\
             <div class=\"article-intro\"><p>{LEAD}</p></div></div>\
             <div class=\"content\">{}</div><div class=\"more\">{teasers}</div></div>\
             </body></html>",
            body()
        );
        let text = main_text(&page, Some("https://news.example/ferry"));
        assert!(text.starts_with(LEAD), "{text}");
        // A teaser list's excerpts (three of one class) and a summary cut short are no standfirst.
        let document = dom_query::Document::from(page.as_str());
        assert_eq!(super::lead(&document).as_deref(), Some(LEAD));
    }

    #[test]
    fn the_headline_is_found_by_the_pages_title_and_a_breadcrumb_leaves_the_header_the_articles() {
        // The page's only <h1> is a breadcrumb's last item; the headline is the <h2> that is
        // the og:title, in a <header> whose nav is a two-link breadcrumb.
        let page = format!(
            "<html><head><meta property=\"og:title\" content=\"Ferry terminal to open in June\">\
             </head><body><ul class=\"crumbs\"><li><a href=\"/\">Home</a></li>\
             <li><h1>Ferry terminal to open in June</h1></li></ul>\
             <article><header><nav><a href=\"/\">News</a> <a href=\"/city\">City</a></nav>\
             <div><h2>Ferry terminal to open in June</h2></div><p>{LEAD}</p></header>\
             <div class=\"body\">{}</div></article></body></html>",
            body()
        );
        let document = dom_query::Document::from(page.as_str());
        assert_eq!(super::lead(&document).as_deref(), Some(LEAD));
        let text = main_text(&page, Some("https://news.example/ferry"));
        assert!(text.starts_with(LEAD), "{text}");
    }

    #[test]
    fn a_headline_after_its_kicker_is_still_the_headline() {
        // stern.de: <h2>Kicker: Headline</h2>, og:title the headline alone.
        let page = format!(
            "<html><head><meta property=\"og:title\" content=\"Ferry terminal to open in June \
             after all\"></head><body><article><div class=\"o-article-header\">\
             <h2 class=\"a-h1-title\">Harbour: Ferry terminal to open in June after all</h2>\
             <div class=\"article-intro\"><p>{LEAD}</p></div></div><div class=\"body\">{}</div>\
             </article></body></html>",
            body()
        );
        let document = dom_query::Document::from(page.as_str());
        assert_eq!(super::lead(&document).as_deref(), Some(LEAD));
    }

    #[test]
    fn a_page_without_a_headline_or_a_standfirst_is_read_as_before() {
        let page = format!(
            "<html><body><article><p>{LEAD}</p>{}</article></body></html>",
            body()
        );
        let text = main_text(&page, Some("https://news.example/ferry"));
        assert_eq!(text.matches("third over budget").count(), 1, "{text}");
        let page = format!(
            "<html><body><article><h1>Ferry terminal to open in June</h1>{}</article></body></html>",
            body()
        );
        assert!(main_text(&page, None).starts_with("Paragraph 0"));
    }
}
