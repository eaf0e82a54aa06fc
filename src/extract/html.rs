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
use scraper::{ElementRef, Html, Node};
use url::Url;

pub(super) fn extract(text: &str, sink: &mut Sink<'_>) {
    let document = Html::parse_document(text);
    if let Some(base) = document_base(&document, sink.base.as_ref()) {
        sink.base = Some(base);
    }
    let mut cursor = 0;
    let mut provenance_level: Option<u8> = None;
    for node in document.root_element().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
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
        let section = if provenance_level.is_some() || in_provenance_container(element) {
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

fn in_provenance_container(element: ElementRef<'_>) -> bool {
    element.ancestors().any(|node| match node.value() {
        Node::Element(e) => {
            e.id().is_some_and(mentions_provenance) || e.classes().any(mentions_provenance)
        }
        _ => false,
    })
}

/// The byte offset of `value` in the source at or after `cursor`, advancing the cursor past it.
fn locate(text: &str, value: &str, cursor: &mut usize) -> usize {
    let rest = &text[*cursor..];
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
