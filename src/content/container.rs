//! The page's own article container, beside Readability's pick: CMSs put an article's body
//! in a container they name (`.entry-content`, `[itemprop=articleBody]`, …). When Readability
//! picks a block outside it (an author box, a newsletter form, a list of teasers) that is not
//! far longer, the container's text is the article; when it picks a form to fill in (labels and
//! messages of a sign-up form), the container's text, however short, else our fallback's. An
//! article cut into a page builder's text blocks, and a thread's posts (a forum's, a question
//! and its answers), are read whole. And Blogger's `<noscript>` copy of an article shipped as a
//! script template. Tested through `main_text`, here and in `content::text`.

use super::cleaning::link_chars;
use super::text::{MIN_READABLE, collect, normalize, prose};
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

/// The text blocks of page builders (WPBakery, Elementor; the text fields of Drupal's
/// Paragraphs) and the posts of a thread (XenForo, Stack Exchange, Discourse, phpBB, vBulletin):
/// one article, or one discussion, in many blocks.
const BLOCKS: &str = ".wpb_text_column, .elementor-widget-text-editor, .message-body .bbWrapper, \
    .js-post-body, .post-text, .cooked, .postbody > .content, .postcontent, \
    .field--type-entity-reference-revisions .field--type-text-long";

/// The text blocks of a page builder (WPBakery, Elementor), all of them in the page's order:
/// an article cut into blocks, of which Readability takes one.
pub(super) fn builder_blocks(document: &dom_query::Document) -> Option<String> {
    let all = document.select(BLOCKS);
    (all.length() >= 2).then(|| {
        all.nodes()
            .iter()
            .take(100)
            .filter(|block| link_chars(block, "a") * 2 < block.text().chars().count())
            .map(|block| dom_query::Selection::from(*block).html().to_string())
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

/// The text of the page's forms that a reader fills in (with a visible field), none holding the
/// article; none when there is none. The first 50 are read.
pub(super) fn form_text(document: &dom_query::Document) -> Option<String> {
    let mut out = String::new();
    for node in document.select("form").nodes().iter().take(50) {
        let form = dom_query::Selection::from(*node);
        let fields = form
            .select("input:not([type=hidden]):not([type=submit]), select, textarea")
            .length();
        let text = normalize(&node.text());
        // A form of fields and their labels (a country list's options aside), not an article
        // or a product page inside a form.
        let options: usize = form.select("option").iter().map(|o| o.text().len()).sum();
        if fields > 0
            && text.len().saturating_sub(options) <= 300 * fields
            && !form
                .select("article, main, [role=main], [itemprop=articleBody]")
                .exists()
        {
            out.push_str(&text);
            out.push('\n');
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Readability's `text` weighed against the page's own article container and its page-builder
/// blocks or thread posts (HTML, taken before Readability ran).
pub(super) fn against_containers(text: String, own: Option<&str>, blocks: Option<&str>) -> String {
    match own.and_then(container_text) {
        // Readability chose a block outside the page's own article container (an author box, a
        // newsletter form, a list of teasers): the container's text is the article.
        Some(own) if own.len() * 2 > text.len() && outside(&text, &own) => own,
        // Readability took a part of the container (a section of a split article, the stretch
        // between two embeds): the container is the article when it holds far more prose (a
        // third more, and 200 bytes), but not so much more that what it adds is more than the
        // article (a gallery of other stories, a player's labels).
        Some(own)
            if !outside(&text, &own)
                && prose(&own) > prose(&text) * 13 / 10 + 200
                && prose(&own) <= prose(&text) * 4 =>
        {
            own
        }
        // Readability took one of the text blocks a page builder cut the article into
        // (WPBakery, Elementor, Drupal's Paragraphs), or one post of a thread: all of them, in
        // order, are it.
        _ => match blocks.and_then(container_text) {
            Some(all) if all.len() > text.len() && !outside(&text, &all) => all,
            _ => text,
        },
    }
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

#[cfg(test)]
mod tests {
    use crate::content::text::main_text;

    #[test]
    fn an_article_cut_into_page_builder_blocks_is_read_whole() {
        use std::fmt::Write as _;
        // WPBakery and Elementor put each stretch of an article in a text block of its own, in
        // rows of their own, between image and button rows: Readability takes the longest
        // block and its neighbours only.
        let mut page = String::from("<html><body><div class=\"site\"><div class=\"content\">");
        for (b, n) in [(0, 2), (1, 8), (2, 2)] {
            let _ = write!(
                page,
                "<div class=\"vc_row\"><div class=\"vc_column\"><div class=\"wpb_text_column\">\
                 <div class=\"wpb_wrapper\">"
            );
            for i in 0..n {
                let _ = write!(
                    page,
                    "<p>Block {b} paragraph {i}: the lessor may end the contract early, and the \
                     company pays the difference, as the court ruled in a case about fleet cars.</p>"
                );
            }
            let _ = write!(
                page,
                "</div></div></div></div><div class=\"vc_row\"><div class=\"vc_column\">\
                 <div class=\"vc_single_image\"><img src=\"{b}.jpg\"></div>\
                 <div class=\"vc_btn\"><a href=\"/offer\">Get an offer</a></div></div></div>"
            );
        }
        let _ = write!(
            page,
            "<div class=\"vc_row\"><div class=\"wpb_text_column\"><ul>\
             <li><a href=\"/a\">Leasing or buying: what pays off for a small firm</a></li>\
             <li><a href=\"/b\">Company cars and the one per cent rule explained</a></li></ul>\
             </div></div></div></div></body></html>"
        );
        let text = main_text(&page, None);
        for b in 0..3 {
            assert!(text.contains(&format!("Block {b} paragraph 1:")), "{text}");
        }
        assert!(
            !text.contains("one per cent rule"),
            "a block of links is no part of it"
        );
    }

    #[test]
    fn the_cms_container_wins_over_a_part_of_it_readability_took() {
        use std::fmt::Write as _;
        // drk.de, hoy.com: the article's container holds several stretches of text between
        // embeds and link lists; Readability took one stretch.
        let mut page =
            String::from("<html><body><div class=\"entry-content\"><div class=\"intro\">");
        for i in 0..8 {
            let _ = write!(
                page,
                "<p>Part one, paragraph {i}: the relief agency sent two more teams to the coast, \
                 where the storm destroyed roads, wells and the clinic, the agency said.</p>"
            );
        }
        page.push_str("</div><div class=\"media\"><ul>");
        for i in 0..30 {
            let _ = write!(page, "<li><a href=\"/t/{i}\">Topic {i}</a></li>");
        }
        page.push_str("</ul><div class=\"media__body\">");
        for i in 0..4 {
            let _ = write!(
                page,
                "<p>Part two, paragraph {i}: volunteers rebuilt the clinic's roof within a week, \
                 and the first patients were seen there again on Friday morning.</p>"
            );
        }
        page.push_str(
            "</div></div></div><aside><p>Other news of the day.</p></aside></body></html>",
        );
        let text = main_text(&page, None);
        assert!(text.contains("Part one, paragraph 7"), "{text}");
        assert!(text.contains("Part two, paragraph 3"), "{text}");
    }

    #[test]
    fn the_posts_of_a_thread_are_read_together() {
        use std::fmt::Write as _;
        // Stack Exchange: the question and each answer are posts of their own, between vote
        // counters, user cards and comment links; Readability takes the answers, longer than
        // the question, without it.
        let post = |page: &mut String, class: &str, p: usize, n: usize| {
            let _ = write!(
                page,
                "<div class=\"{class}\"><div class=\"post-layout\"><div class=\"votecell\">\
                 <button>Up vote</button><span>{p}</span><button>Down vote</button></div>\
                 <div class=\"postcell\"><div class=\"s-prose js-post-body\">"
            );
            for i in 0..n {
                let _ = write!(
                    page,
                    "<p>Post {p} paragraph {i}: in German the passive is formed with werden and \
                     the past participle, so the sentence reads as an ongoing event.</p>"
                );
            }
            let _ = write!(
                page,
                "</div><div class=\"user-info\"><a href=\"/users/{p}\">user{p}</a>\
                 <span>1,20{p}</span></div><a href=\"/c/{p}\">Add a comment</a></div></div></div>"
            );
        };
        let mut page = String::from(
            "<html><body><div id=\"content\"><h1>Ich wurde ausgeraubt</h1>\
             <div id=\"question-header\"><a href=\"/ask\">Ask Question</a></div>",
        );
        post(&mut page, "question", 0, 1);
        page.push_str("<div id=\"answers\"><h2>3 Answers</h2>");
        for p in 1..4 {
            post(&mut page, "answer", p, 10);
        }
        page.push_str("</div></div></body></html>");
        let text = main_text(&page, None);
        for p in 0..4 {
            assert!(text.contains(&format!("Post {p} paragraph 0:")), "{text}");
        }
    }

    #[test]
    fn the_text_paragraphs_of_a_drupal_article_are_read_together() {
        use std::fmt::Write as _;
        // fdpbt.de: Drupal's Paragraphs cut the story into text items between embedded posts
        // and images; Readability takes the longest item.
        let mut page = String::from(
            "<html><body><div class=\"node\"><h1>Emergency powers end</h1>\
             <div class=\"field field--name-field-inhalt field--type-entity-reference-revisions\">",
        );
        for (b, n) in [(0, 2), (1, 6), (2, 2)] {
            let _ = write!(
                page,
                "<div class=\"field__item\"><div class=\"paragraph paragraph--type--text\">\
                 <div class=\"field field--name-field-text field--type-text-long\">"
            );
            for i in 0..n {
                let _ = write!(
                    page,
                    "<p>Item {b} paragraph {i}: the three parties presented a paper on ending the \
                     emergency powers, which the parliament will vote on next week.</p>"
                );
            }
            let _ = write!(
                page,
                "</div></div></div><div class=\"field__item\"><div class=\"paragraph embed\">\
                 <blockquote class=\"twitter-tweet\"><a href=\"/t/{b}\">A post</a> \
                 <a href=\"/u/{b}\">@someone</a> <a href=\"/d/{b}\">October 27</a>\
                 </blockquote></div></div>"
            );
        }
        page.push_str("</div></div></body></html>");
        let text = main_text(&page, None);
        for b in 0..3 {
            assert!(text.contains(&format!("Item {b} paragraph 1:")), "{text}");
        }
    }

    #[test]
    fn a_sign_up_form_readability_takes_gives_way_to_the_short_article() {
        use std::fmt::Write as _;
        // france.attc.org: a two-sentence article (an interview to listen to) and, beside it, a
        // sign-up form whose labels and explanations are longer; Readability takes the form.
        let mut form = String::from("<form method=\"post\" action=\"/subscribe\">");
        for (i, label) in ["Email address", "First name", "Last name", "Postcode"]
            .iter()
            .enumerate()
        {
            let _ = write!(
                form,
                "<div class=\"field\"><label for=\"f{i}\">{label} (required)</label>\
                 <input id=\"f{i}\" type=\"text\"></div>"
            );
        }
        for topic in [
            "the newsletter",
            "local events",
            "our campaigns",
            "the annual report",
        ] {
            let _ = write!(
                form,
                "<p><label><input type=\"checkbox\"> Receive news about {topic}, with the calls \
                 to action of the month and the dates of the next meetings near you.</label></p>"
            );
        }
        form.push_str("<button>Sign up</button></form>");
        let page = format!(
            "<html><body><div class=\"content\"><article><h1>Airport sale</h1><div class=\"main\">\
             <p>Our spokeswoman was interviewed on the radio this morning about the launch of the \
             referendum process to stop the sale of the Paris airports.</p><p>To listen to the \
             interview again, click on the icon below.</p></div></article></div>\
             <div class=\"sidebar\">{form}</div></body></html>"
        );
        let text = main_text(&page, None);
        assert!(text.contains("Our spokeswoman was interviewed"), "{text}");
        assert!(!text.contains("Receive news about"), "{text}");
    }
}
