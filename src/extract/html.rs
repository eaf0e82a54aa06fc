//! HTML articles (via scraper): `a[href]`, `blockquote[cite]` and `q[cite]`, resolved against the
//! document's `<base href>` (itself resolved against `--base-url`) or else `--base-url`.
//!
//! A link belongs to the provenance section when it follows a heading (`h1`–`h6`) that mentions
//! "provenance", until a heading of the same or a higher level, or when an enclosing element's
//! `id` or `class` mentions it.
//!
//! The HTML parser keeps no source positions, so each link's line and column are found by
//! looking for its attribute value in the source, in document order, from where the previous
//! link was found; a value the source spells differently (with character references) falls back
//! to the previous link's position.

use super::quotes::Quotes;
use super::{Found, Sink};
use crate::citation::Section;
use crate::htmlscan::{self, Limits};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html};
use url::Url;

/// Articles beyond these bounds are not parsed into a tree (see [`htmlscan`]).
const ARTICLE: Limits = Limits {
    bytes: 16 << 20,
    ..Limits::PAGE
};

pub(super) fn extract(text: &str, sink: &mut Sink<'_>) {
    let shape = htmlscan::shape(text);
    if !shape.within(text.len(), ARTICLE) {
        sink.diagnostic(
            0,
            format!(
                "HTML too large or nested too deep to parse ({} bytes, {} tags, {} levels): \
                 URLs found in the source as bare URLs, without anchors or sections",
                text.len(),
                shape.tags,
                shape.depth
            ),
        );
        sink.bare_urls(text, 0, Section::Body);
        return;
    }
    let document = Html::parse_document(text);
    if let Some(base) = document_base(&document, sink.base.as_ref()) {
        sink.base = Some(base);
    }
    let mut positions = Positions {
        tags: htmlscan::link_tags(text),
        next: 0,
        last: None,
    };
    let mut provenance_level: Option<u8> = None;
    // Open elements whose id or class mentions provenance, counted on the way down and up: no
    // walk over ancestors per link (quadratic in the nesting depth).
    let mut provenance_containers = 0usize;
    let mut quotes = HtmlQuotes::default();
    for edge in document.root_element().traverse() {
        let node = match edge {
            Edge::Open(node) => node,
            Edge::Close(node) => {
                if let Some(element) = ElementRef::wrap(node) {
                    if is_provenance_container(element, sink) {
                        provenance_containers -= 1;
                    }
                    quotes.close(element.value().name(), &mut sink.out.citations);
                }
                continue;
            }
        };
        let Some(element) = ElementRef::wrap(node) else {
            if let Some(text) = node.value().as_text() {
                quotes.text(text);
            }
            continue;
        };
        if is_provenance_container(element, sink) {
            provenance_containers += 1;
        }
        let name = element.value().name();
        quotes.open(name, &mut sink.out.citations);
        if let Some(level) = heading_level(name) {
            let title: String = element.text().collect();
            if sink.starts_sources(&title) {
                provenance_level = Some(level);
            } else if provenance_level.is_some_and(|p| level <= p) {
                provenance_level = None;
            }
            continue;
        }
        let provenance = provenance_level.is_some() || provenance_containers > 0;
        let cited = cite(element, name, &mut positions, provenance, sink);
        quotes.cited(name, cited);
    }
    quotes.quotes.finish(&mut sink.out.citations);
}

/// Quotations in an HTML article: the paragraphs and blockquotes (see [`super::quotes`]), and
/// how deep inside text that is never prose (scripts) or a blockquote's attribution (footer,
/// cite) the walk is.
#[derive(Default)]
struct HtmlQuotes {
    quotes: Quotes,
    hidden: usize,
    attribution: usize,
}

impl HtmlQuotes {
    fn text(&mut self, text: &str) {
        if self.hidden == 0 {
            self.quotes.text(text, self.attribution == 0);
        }
    }

    fn open(&mut self, name: &str, citations: &mut [crate::citation::Citation]) {
        match name {
            "script" | "style" | "template" | "noscript" => self.hidden += 1,
            "footer" | "cite" | "figcaption" if self.quotes.in_blockquote() => {
                self.attribution += 1;
            }
            "br" => {
                self.quotes.text(" ", false);
                self.quotes.line_break();
            }
            _ => {}
        }
        if is_block(name) {
            self.quotes.block(citations);
        }
    }

    fn close(&mut self, name: &str, citations: &mut [crate::citation::Citation]) {
        match name {
            "script" | "style" | "template" | "noscript" => {
                self.hidden = self.hidden.saturating_sub(1);
            }
            "footer" | "cite" | "figcaption" if self.quotes.in_blockquote() => {
                self.attribution = self.attribution.saturating_sub(1);
            }
            "q" => self.quotes.text("\u{201d}", false),
            "blockquote" => self.quotes.close_blockquote(citations),
            _ => {}
        }
        if is_block(name) {
            self.quotes.block(citations);
        }
    }

    /// An element was read, and made a citation or not.
    fn cited(&mut self, name: &str, cited: Option<usize>) {
        match name {
            "blockquote" => self.quotes.open_blockquote(cited),
            "q" => {
                self.quotes.text("\u{201c}", false);
                if let Some(citation) = cited {
                    self.quotes.link(citation);
                }
            }
            _ => {
                if let Some(citation) = cited {
                    self.quotes.link(citation);
                }
            }
        }
    }
}

/// Elements that end a paragraph.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dd"
            | "dt"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "section"
            | "article"
            | "aside"
            | "header"
            | "footer"
            | "main"
            | "nav"
            | "figure"
            | "figcaption"
            | "pre"
            | "hr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "body"
    )
}

/// The citation an element makes (`a`/`area` by `href`, `blockquote`/`q` by `cite`), if any.
fn cite(
    element: ElementRef<'_>,
    name: &str,
    positions: &mut Positions,
    provenance: bool,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let attribute = match name {
        "a" | "area" => "href",
        "blockquote" | "q" => "cite",
        _ => return None,
    };
    let value = element.value().attr(attribute)?;
    // No tag of its own in the source: a copy the parser made of the link before it (an
    // unclosed `<a>` reopened in the next block), already cited there.
    let offset = positions.locate(name, value)?;
    if value.trim().is_empty() || value.trim_start().starts_with('#') {
        sink.diagnostic(offset, format!("skipped in-page link {value:?}"));
        return None;
    }
    let section = if provenance {
        Section::Provenance
    } else {
        Section::Body
    };
    let anchor = (name == "a").then(|| element.text().collect::<String>());
    Some(sink.citation(Found {
        offset,
        raw: value,
        section,
        anchor,
    }))
}

/// The base relative links resolve against: the document's `<base href>` (itself resolved
/// against `given`), else `given` (`--base-url`), else the URL the article says it is published
/// at: its canonical link, else its `og:url` (absolute http(s) URLs only).
fn document_base(document: &Html, given: Option<&Url>) -> Option<Url> {
    let first = |selector: &str, attr: &str| {
        let selector = scraper::Selector::parse(selector).expect("static selector");
        document
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr(attr))
            .map(str::trim)
            .map(str::to_owned)
    };
    if let Some(href) = first("base[href]", "href") {
        return match given {
            Some(given) => given.join(&href).ok(),
            None => Url::parse(&href).ok(),
        };
    }
    if given.is_some() {
        return None;
    }
    [
        first("link[rel~=canonical][href]", "href"),
        first("meta[property=\"og:url\"][content]", "content"),
    ]
    .into_iter()
    .flatten()
    .filter_map(|u| Url::parse(&u).ok())
    .find(|u| matches!(u.scheme(), "http" | "https"))
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

fn is_provenance_container(element: ElementRef<'_>, sink: &Sink<'_>) -> bool {
    let e = element.value();
    e.id().is_some_and(|n| sink.names_sources(n)) || e.classes().any(|n| sink.names_sources(n))
}

/// Tags looked at past the cursor for the one of a link.
const LOCATE_TRIES: usize = 64;

/// Where each link of the tree is in the source. The parser keeps no positions, so the links'
/// start tags are found by a scan of the source ([`htmlscan::link_tags`]: tags inside
/// comments, `<title>` or scripts are not tags; values are compared decoded) and the tree's
/// links, in document order, are matched to them in order.
struct Positions {
    tags: Vec<htmlscan::LinkTag>,
    /// The first tag not matched yet.
    next: usize,
    /// The tag matched last.
    last: Option<usize>,
}

impl Positions {
    /// The offset of the value of the next `element` tag whose value is `value`, within a few
    /// tags of the cursor; `None` for a link that is a copy of the one just matched (the parser
    /// reopens an unclosed `<a>` in the next block: one link in the source, two in the tree).
    /// A link whose value the scan decodes differently takes the next tag of its element.
    fn locate(&mut self, element: &str, value: &str) -> Option<usize> {
        let window = self.next..self.tags.len().min(self.next + LOCATE_TRIES);
        let same = |t: &htmlscan::LinkTag| t.element == element && t.value == value;
        if let Some(k) = window.clone().find(|&k| same(&self.tags[k])) {
            return Some(self.take(k));
        }
        if self.last.is_some_and(|k| same(&self.tags[k])) {
            return None;
        }
        match window.clone().find(|&k| self.tags[k].element == element) {
            Some(k) => Some(self.take(k)),
            None => Some(self.last.map_or(0, |k| self.tags[k].offset)),
        }
    }

    fn take(&mut self, k: usize) -> usize {
        self.next = k + 1;
        self.last = Some(k);
        self.tags[k].offset
    }
}
