//! Markdown articles (CommonMark, via pulldown-cmark): inline links, reference-style links,
//! autolinks, and bare URLs in prose. Nothing inside code spans or code blocks is a citation.
//! Links under a heading that mentions "provenance" belong to the provenance section, until a
//! heading of the same or a higher level.

use super::quotes::Quotes;
use super::{Found, Sink};
use crate::citation::Section;
use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// A link whose end tag has not been seen yet.
struct OpenLink {
    offset: usize,
    dest: String,
    anchor: String,
    /// Where it starts in the paragraph's text.
    in_paragraph: usize,
}

pub(super) fn extract(text: &str, sink: &mut Sink<'_>) {
    let mut provenance_level: Option<HeadingLevel> = None;
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut link: Option<OpenLink> = None;
    let mut code_block = false;
    // Consecutive text events (pulldown-cmark splits prose at `_`, `[` and the like) are joined
    // before looking for bare URLs, so that `Mercury_(planet)` stays one URL.
    let mut prose: Option<Range<usize>> = None;
    let mut section = Section::Body;
    let mut quotes = Quotes::default();

    for (event, range) in Parser::new_ext(text, Options::empty()).into_offset_iter() {
        section = if provenance_level.is_some() {
            Section::Provenance
        } else {
            Section::Body
        };
        if !matches!(event, Event::Text(_)) || link.is_some() || code_block {
            for (citation, back) in flush_prose(text, &mut prose, sink, section) {
                quotes.link_at(citation, quotes.len().saturating_sub(back));
            }
        }
        quote_event(&event, &mut quotes, link.is_some(), code_block, sink);
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title)) = heading.take() {
                    if sink.starts_sources(&title) {
                        provenance_level = Some(level);
                    } else if provenance_level.is_some_and(|p| level <= p) {
                        provenance_level = None;
                    }
                }
            }
            Event::Start(Tag::CodeBlock(_)) => code_block = true,
            Event::End(TagEnd::CodeBlock) => code_block = false,
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let dest = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.into_string()
                };
                link = Some(OpenLink {
                    offset: range.start,
                    dest,
                    anchor: String::new(),
                    in_paragraph: quotes.len(),
                });
            }
            Event::End(TagEnd::Link) => {
                if let Some(open) = link.take()
                    && let Some(citation) = cite_link(&open, sink, section)
                {
                    quotes.link_at(citation, open.in_paragraph);
                }
            }
            Event::Text(t) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
                if let Some(open) = link.as_mut() {
                    open.anchor.push_str(&t);
                } else if !code_block {
                    prose = Some(match prose.take() {
                        Some(p) if p.end <= range.start => p.start..range.end,
                        _ => range,
                    });
                }
            }
            // Raw HTML in Markdown (a README's `<a href>`, an image map's `<area href>`).
            Event::Html(html) | Event::InlineHtml(html) if !code_block => {
                for citation in html_links(&html, range.start, sink, section) {
                    quotes.link(citation);
                }
            }
            // Code spans are never scanned for bare URLs, but they can be part of a title.
            Event::Code(t) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
                if let Some(open) = link.as_mut() {
                    open.anchor.push_str(&t);
                }
            }
            _ => {}
        }
    }
    for (citation, back) in flush_prose(text, &mut prose, sink, section) {
        quotes.link_at(citation, quotes.len().saturating_sub(back));
    }
    quotes.finish(&mut sink.out.citations);
}

/// What an event means for quotations: paragraph and blockquote edges, line breaks, text.
fn quote_event(
    event: &Event<'_>,
    quotes: &mut Quotes,
    in_link: bool,
    code_block: bool,
    sink: &mut Sink<'_>,
) {
    let citations = &mut sink.out.citations;
    match event {
        Event::Start(Tag::BlockQuote(_)) => {
            quotes.block(citations);
            quotes.open_blockquote(None);
        }
        Event::End(TagEnd::BlockQuote(_)) => quotes.close_blockquote(citations),
        Event::Start(Tag::Paragraph | Tag::Item | Tag::Heading { .. } | Tag::TableCell)
        | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableCell) => {
            quotes.block(citations);
        }
        Event::SoftBreak | Event::HardBreak => {
            quotes.text(" ", false);
            quotes.line_break();
        }
        Event::Text(t) | Event::Code(t) if !code_block => quotes.text(t, !in_link),
        _ => {}
    }
}

/// `<a href>` and `<area href>` in a fragment of raw HTML starting at byte `start`: the
/// citations' indexes.
fn html_links(html: &str, start: usize, sink: &mut Sink<'_>, section: Section) -> Vec<usize> {
    static HREF: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?is)<(?:a|area)\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"#,
        )
        .expect("a valid pattern")
    });
    let mut cited = Vec::new();
    for captures in HREF.captures_iter(html) {
        let Some(value) = captures
            .get(1)
            .or_else(|| captures.get(2))
            .or_else(|| captures.get(3))
        else {
            continue;
        };
        let href = crate::htmlscan::decode_references(value.as_str());
        let offset = start + captures.get(0).map_or(0, |m| m.start());
        if href.trim().is_empty() || href.trim_start().starts_with('#') {
            sink.diagnostic(offset, format!("skipped in-page link {href:?}"));
            continue;
        }
        cited.push(sink.citation(Found {
            offset,
            raw: href.trim(),
            section,
            anchor: None,
        }));
    }
    cited
}

/// Cites the bare URLs of the prose read since the last flush: each citation's index and how
/// far before the end of that prose its URL starts.
fn flush_prose(
    text: &str,
    prose: &mut Option<Range<usize>>,
    sink: &mut Sink<'_>,
    section: Section,
) -> Vec<(usize, usize)> {
    let mut cited = Vec::new();
    if let Some(range) = prose.take() {
        // The joined range may span markup between text events (emphasis markers); linkify
        // treats those as ordinary characters, and a URL is never split by them in practice.
        // URLs are found in the source (for their positions) and read as the reader sees them:
        // `\_` is `_`, `&amp;` is `&`.
        let source = &text[range.clone()];
        for link in super::bare_url_finder().links(source) {
            let rendered = rendered_url(link.as_str());
            let citation = sink.citation(Found {
                offset: range.start + link.start(),
                raw: &rendered,
                section,
                anchor: None,
            });
            cited.push((citation, source.len() - link.start()));
        }
    }
    cited
}

/// A bare URL of Markdown source as rendered: backslash escapes of ASCII punctuation removed
/// (CommonMark 2.4) and entity and numeric character references decoded (2.5).
fn rendered_url(source: &str) -> String {
    let mut unescaped = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next.is_ascii_punctuation() => {
                unescaped.push(next);
                chars.next();
            }
            _ => unescaped.push(c),
        }
    }
    crate::htmlscan::decode_references(&unescaped)
}

/// Cites a link at the position of its opening bracket (or `<` for an autolink): its index.
fn cite_link(open: &OpenLink, sink: &mut Sink<'_>, section: Section) -> Option<usize> {
    if open.dest.starts_with('#') || open.dest.is_empty() {
        sink.diagnostic(open.offset, format!("skipped in-page link {:?}", open.dest));
        return None;
    }
    let anchor = Some(open.anchor.clone()).filter(|a| a.trim() != open.dest.trim());
    Some(sink.citation(Found {
        offset: open.offset,
        raw: &open.dest,
        section,
        anchor,
    }))
}
