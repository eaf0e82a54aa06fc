//! The page's own article container, beside Readability's pick: CMSs put an article's body
//! in a container they name (`.entry-content`, `[itemprop=articleBody]`, …). When Readability
//! picks a block outside it (an author box, a newsletter form, a list of teasers) that is not
//! far longer, the container's text is the article. An article cut into a page builder's text
//! blocks is read whole. And Blogger's `<noscript>` copy of an article shipped as a script
//! template. The tests are `content::text`'s, through `main_text`.

use super::text::{MIN_READABLE, collect, normalize};
use scraper::Html;

/// Selectors of the containers CMSs put an article's body in (WordPress, schema.org
/// microdata, common themes and newspaper platforms).
const CONTAINERS: &str = "[itemprop=articleBody], .entry-content, .post-content, .article-body, \
    .article__body, .articleBody, .article-content, .story-body, .post-body, .td-post-content, \
    .single-content, .post-entry, #article-body, #articleBody";

/// The HTML of the page's article container: the one element the selectors name, else the
/// page's only `<article>`; none when there are several (a container per teaser, per comment,
/// per part of a split article).
pub(super) fn container_html(document: &dom_query::Document) -> Option<String> {
    let only = |selector: &str| {
        let all = document.select(selector);
        (all.length() == 1).then(|| all.html().to_string())
    };
    only(CONTAINERS).or_else(|| only("article"))
}

/// The text blocks of a page builder (WPBakery, Elementor), all of them in the page's order:
/// an article cut into blocks, of which Readability takes one.
pub(super) fn builder_blocks(document: &dom_query::Document) -> Option<String> {
    let all = document.select(".wpb_text_column, .elementor-widget-text-editor");
    (all.length() >= 2).then(|| {
        all.nodes()
            .iter()
            .take(100)
            .map(|n| dom_query::Selection::from(*n))
            .filter(|block| {
                let links: usize = block
                    .select("a")
                    .iter()
                    .map(|a| a.text().chars().count())
                    .sum();
                links * 2 < block.text().chars().count()
            })
            .map(|block| block.html().to_string())
            .collect::<String>()
    })
}

/// A container's text, cleaned as the fallback cleans; none below Readability's own minimum.
pub(super) fn container_text(html: &str) -> Option<String> {
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    collect(fragment.root_element(), &mut out);
    let text = normalize(&out);
    (text.len() >= MIN_READABLE).then_some(text)
}

/// Blogger (Google's own blogs among them) ships the article as a script template, with a
/// copy in `<noscript>`, which Readability drops: such a copy (three paragraphs or more, 500
/// characters of text or more) is made a `<div>` of the page.
pub(super) fn unwrap_noscript_articles(document: &dom_query::Document) {
    for node in document.select("noscript").nodes().iter().take(20) {
        let copy = dom_query::Selection::from(*node);
        if copy.select("p").length() >= 3 && node.text().trim().chars().count() >= 500 {
            node.rename("div");
        }
    }
}

/// Whether less than half of `text`'s three-word shingles are found in `own`.
pub(super) fn outside(text: &str, own: &str) -> bool {
    let shingles = |t: &str| -> Vec<u64> {
        let words: Vec<&str> = t.split_whitespace().collect();
        words
            .windows(3)
            .map(|w| {
                use std::hash::{Hash as _, Hasher as _};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                w.hash(&mut h);
                h.finish()
            })
            .collect()
    };
    let own: std::collections::HashSet<u64> = shingles(own).into_iter().collect();
    let ours = shingles(text);
    let inside = ours.iter().filter(|s| own.contains(s)).count();
    inside * 2 < ours.len()
}
