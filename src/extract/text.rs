//! Plain-text articles, in the customer's format: prose, headings as short lines of their own,
//! and a section under a heading that mentions "provenance" listing the sources as list items
//! (`- https://...`). A file of one URL per line is plain text too.

use super::Sink;
use crate::citation::Section;

pub(super) fn extract(text: &str, sink: &mut Sink<'_>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut section = Section::Body;
    let mut offset = 0;
    for (i, raw_line) in lines.iter().enumerate() {
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if is_heading(line, sink) {
            if sink.starts_sources(line) {
                section = Section::Provenance;
            } else if section == Section::Provenance && labels_sources(&lines[i + 1..]) {
                // A label inside the sources ("Reuters", "Agency reports") above the sources
                // it names: the section goes on.
            } else {
                section = Section::Body;
            }
        } else if line.contains(':') {
            // A line is a paragraph: its quotations go to its nearest URL.
            let cited = sink.bare_urls(line, offset, section);
            if !cited.is_empty() {
                let mut paragraph = super::quotes::Paragraph::default();
                paragraph.text(line);
                for (citation, at) in cited {
                    paragraph.link_at(citation, at);
                }
                paragraph.end(&mut sink.out.citations);
            }
        }
        offset += raw_line.len();
    }
}

/// Whether the next line that is not blank lists a source (a list item, or a line that is a
/// URL): what follows a label inside the sources section, never a new section's prose.
fn labels_sources(rest: &[&str]) -> bool {
    rest.iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .is_some_and(|next| {
            is_list_item(next)
                || ((next.starts_with("http://") || next.starts_with("https://"))
                    && !next.contains(char::is_whitespace))
        })
}

/// A heading is a short line of its own that is not a list item, holds no URL and does not end
/// like a sentence: "Wire provenance", "What the choreography hides", "Sources and provenance:".
fn is_heading(line: &str, sink: &Sink<'_>) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > 80
        || trimmed.split_whitespace().count() > 12
        || trimmed.contains("://")
        || is_list_item(trimmed)
    {
        return false;
    }
    let ends_sentence = trimmed.ends_with(['.', ',', ';', '!', '?', '"', '”', ')']);
    let ends_with_colon = trimmed.ends_with(':');
    !ends_sentence && (!ends_with_colon || sink.starts_sources(trimmed))
}

fn is_list_item(trimmed: &str) -> bool {
    if trimmed.starts_with(['-', '*', '•', '–', '—', '+']) {
        return true;
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && trimmed[digits..].starts_with(['.', ')'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_line_inside_the_sources_keeps_the_section() {
        let text = "Story text https://a.test/body\nWire provenance\nReuters\n- https://b.test/1\n\
                    AP\nhttps://c.test/2\nWhat comes next\nMore prose, citing https://d.test/3 here.\n";
        let out = super::super::extract(
            &crate::citation::ArticleId::new("s"),
            super::super::ArticleFormat::Text,
            text,
            None,
        );
        let sections: Vec<(&str, &str)> = out
            .citations
            .iter()
            .map(|c| (c.url_as_written.as_str(), c.section.as_str()))
            .collect();
        assert_eq!(
            sections,
            [
                ("https://a.test/body", "body"),
                ("https://b.test/1", "provenance"),
                ("https://c.test/2", "provenance"),
                ("https://d.test/3", "body"),
            ]
        );
    }

    #[test]
    fn headings_are_short_unpunctuated_lines() {
        let id = crate::citation::ArticleId::new("t");
        let sink = Sink {
            id: &id,
            lines: super::super::position::LineIndex::new(""),
            base: None,
            headings: &[],
            sections: &[],
            out: super::super::Extraction::default(),
        };
        let is_heading = |line: &str| is_heading(line, &sink);
        assert!(is_heading("Wire provenance"));
        assert!(is_heading("What the choreography hides"));
        assert!(is_heading("Sources and provenance:"));
        // A sources heading may end with a colon; another label line may not.
        assert!(is_heading("Notes:"));
        assert!(!is_heading("Reporting by:"));
        assert!(!is_heading("- https://example.com/"));
        assert!(!is_heading("1. First source"));
        assert!(!is_heading("It ends like a sentence."));
        assert!(!is_heading("https://example.com/"));
        assert!(!is_heading(""));
    }
}
