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

use super::{Found, Sink, mentions_provenance};
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

/// How far past the previous link a link's attribute value is looked for in the source.
const LOCATE_WINDOW: usize = 256 << 10;

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
    let mut cursor = 0;
    let mut provenance_level: Option<u8> = None;
    // Open elements whose id or class mentions provenance, counted on the way down and up: no
    // walk over ancestors per link (quadratic in the nesting depth).
    let mut provenance_containers = 0usize;
    for edge in document.root_element().traverse() {
        let node = match edge {
            Edge::Open(node) => node,
            Edge::Close(node) => {
                if ElementRef::wrap(node).is_some_and(is_provenance_container) {
                    provenance_containers -= 1;
                }
                continue;
            }
        };
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        if is_provenance_container(element) {
            provenance_containers += 1;
        }
        let name = element.value().name();
        if let Some(level) = heading_level(name) {
            let title: String = element.text().collect();
            if mentions_provenance(&title) {
                provenance_level = Some(level);
            } else if provenance_level.is_some_and(|p| level <= p) {
                provenance_level = None;
            }
            continue;
        }
        let attribute = match name {
            "a" => "href",
            "blockquote" | "q" => "cite",
            _ => continue,
        };
        let Some(value) = element.value().attr(attribute) else {
            continue;
        };
        let offset = locate(text, value, &mut cursor);
        if value.trim().is_empty() || value.trim_start().starts_with('#') {
            sink.diagnostic(offset, format!("skipped in-page link {value:?}"));
            continue;
        }
        let section = if provenance_level.is_some() || provenance_containers > 0 {
            Section::Provenance
        } else {
            Section::Body
        };
        let anchor = (name == "a").then(|| element.text().collect::<String>());
        sink.citation(Found {
            offset,
            raw: value,
            section,
            anchor,
        });
    }
}

fn document_base(document: &Html, given: Option<&Url>) -> Option<Url> {
    let selector = scraper::Selector::parse("base[href]").expect("static selector");
    let href = document.select(&selector).next()?.value().attr("href")?;
    match given {
        Some(given) => given.join(href).ok(),
        None => Url::parse(href).ok(),
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

fn is_provenance_container(element: ElementRef<'_>) -> bool {
    let e = element.value();
    e.id().is_some_and(mentions_provenance) || e.classes().any(mentions_provenance)
}

/// The byte offset of `value` in the source at or after `cursor`, advancing the cursor past it.
fn locate(text: &str, value: &str, cursor: &mut usize) -> usize {
    let mut window = (*cursor + LOCATE_WINDOW).min(text.len());
    while !text.is_char_boundary(window) {
        window -= 1;
    }
    // A value the source does not spell literally is looked for only this far, so that links
    // whose values are never found cost a window each, not the rest of the article each.
    let rest = &text[*cursor..window];
    let escaped = value.replace('&', "&amp;");
    let found = if value.is_empty() {
        None
    } else {
        rest.find(value)
            .map(|i| (i, value.len()))
            .or_else(|| rest.find(&escaped).map(|i| (i, escaped.len())))
    };
    match found {
        Some((i, len)) => {
            let start = *cursor + i;
            *cursor = start + len;
            start
        }
        None => *cursor,
    }
}
