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
    let mut cursor = 0;
    let mut provenance_level: Option<u8> = None;
    // Open elements whose id or class mentions provenance, counted on the way down and up: no
    // walk over ancestors per link (quadratic in the nesting depth).
    let mut provenance_containers = 0usize;
    for edge in document.root_element().traverse() {
        let node = match edge {
            Edge::Open(node) => node,
            Edge::Close(node) => {
                if ElementRef::wrap(node).is_some_and(|e| is_provenance_container(e, sink)) {
                    provenance_containers -= 1;
                }
                continue;
            }
        };
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        if is_provenance_container(element, sink) {
            provenance_containers += 1;
        }
        let name = element.value().name();
        if let Some(level) = heading_level(name) {
            let title: String = element.text().collect();
            if sink.starts_sources(&title) {
                provenance_level = Some(level);
            } else if provenance_level.is_some_and(|p| level <= p) {
                provenance_level = None;
            }
            continue;
        }
        let attribute = match name {
            "a" | "area" => "href",
            "blockquote" | "q" => "cite",
            _ => continue,
        };
        let Some(value) = element.value().attr(attribute) else {
            continue;
        };
        let offset = locate(text, name, attribute, value, &mut cursor);
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

/// Attribute occurrences looked at past the cursor for one whose value is the link's.
const LOCATE_TRIES: usize = 64;

/// The byte offset of the link's `attribute` value in the source at or after `cursor`,
/// advancing the cursor past it. The parser keeps no positions, so the source is scanned for
/// the next `attribute=` (not inside another name, as `data-href`): the first occurrence whose
/// value starts as the link's (literally, or with `&` written `&amp;`) within a few tries, else
/// the nearest one (a value spelled with other character references). Each call scans forward
/// at most `LOCATE_TRIES` occurrences, so an article of many links costs a bounded number of
/// passes, however its values are spelled.
fn locate(text: &str, element: &str, attribute: &str, value: &str, cursor: &mut usize) -> usize {
    let escaped = value.replace('&', "&amp;");
    let mut at = *cursor;
    let mut nearest = None;
    for _ in 0..LOCATE_TRIES {
        let Some(start) = next_attribute_value(text, at, attribute) else {
            break;
        };
        at = start;
        if !in_element(text, start, element) {
            // `<link href>`, `<area href>`: not a link we extract.
            continue;
        }
        nearest.get_or_insert(start);
        let rest = &text[start..];
        if !value.is_empty() && (rest.starts_with(value) || rest.starts_with(&escaped)) {
            nearest = Some(start);
            break;
        }
    }
    match nearest {
        Some(start) => {
            *cursor = start;
            start
        }
        None => *cursor,
    }
}

/// Whether the attribute whose value starts at `at` sits in a start tag of `element`: the
/// nearest `<` before it (looked for at most 4 KiB back) opens that element.
fn in_element(text: &str, at: usize, element: &str) -> bool {
    let bytes = text.as_bytes();
    let floor = at.saturating_sub(4096);
    let Some(open) = bytes[floor..at]
        .iter()
        .rposition(|&b| b == b'<')
        .map(|p| floor + p)
    else {
        return false;
    };
    let name = &bytes[open + 1..];
    name.len() > element.len()
        && name[..element.len()].eq_ignore_ascii_case(element.as_bytes())
        && name[element.len()].is_ascii_whitespace()
}

/// Where the value of the next `name=` at or after `from` starts (after its quote, if any).
fn next_attribute_value(text: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        let rel = bytes
            .get(at..)?
            .windows(name.len())
            .position(|w| w.eq_ignore_ascii_case(name.as_bytes()))?;
        let start = at + rel;
        let before_ok = start == 0
            || matches!(
                bytes[start - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'"' | b'\'' | b'/'
            );
        let mut i = start + name.len();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if before_ok && bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if matches!(bytes.get(i), Some(b'"' | b'\'')) {
                i += 1;
            }
            if text.is_char_boundary(i) && i > from {
                return Some(i);
            }
        }
        at = start + 1;
    }
}
