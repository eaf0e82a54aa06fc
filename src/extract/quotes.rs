//! Pairing quotations with citations: each format reader feeds the text of a paragraph and
//! marks where its links are; when the paragraph ends, every quotation in it (see
//! [`crate::quote::find_quotes`]) goes to the nearest link of the paragraph (a paragraph that
//! quotes two sources next to their two links gives each its own). A blockquote is a quotation
//! of the link or `cite` it holds.

use crate::citation::Citation;
use crate::quote::{self, MAX_QUOTES, MIN_WORDS};

/// The paragraph being read and its links.
#[derive(Debug, Default)]
pub(super) struct Paragraph {
    text: String,
    /// (citation index, byte offset in `text`)
    links: Vec<(usize, usize)>,
}

impl Paragraph {
    pub(super) fn text(&mut self, text: &str) {
        // Bounded: a paragraph longer than this is read up to here.
        if self.text.len() < 1 << 20 {
            self.text.push_str(text);
        }
    }

    /// Bytes of text read so far.
    pub(super) fn len(&self) -> usize {
        self.text.len()
    }

    /// A citation whose link is at byte `at` of the text read so far.
    pub(super) fn link_at(&mut self, citation: usize, at: usize) {
        if self.links.len() < 10_000 {
            self.links.push((citation, at.min(self.text.len())));
        }
    }

    /// Ends the paragraph: its quotations go to their nearest link.
    pub(super) fn end(&mut self, citations: &mut [Citation]) {
        if !self.links.is_empty() {
            for (range, passage) in quote::find_quotes(&self.text) {
                let nearest = self.links.iter().min_by_key(|(_, at)| {
                    if range.contains(at) {
                        0
                    } else {
                        at.abs_diff(range.start).min(at.abs_diff(range.end))
                    }
                });
                if let Some(&(citation, _)) = nearest {
                    add(citations, citation, &passage);
                }
            }
        }
        self.text.clear();
        self.links.clear();
    }
}

/// Adds a quotation to a citation (once, at most [`MAX_QUOTES`]).
pub(super) fn add(citations: &mut [Citation], citation: usize, passage: &str) {
    let marks: &[char] = &[
        '"', '\u{201c}', '\u{201d}', '\u{201e}', '\u{00ab}', '\u{00bb}', '\u{2018}', '\u{2019}',
        '\u{201a}',
    ];
    let passage = passage
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(marks)
        .trim()
        .to_owned();
    if passage.split_whitespace().count() < MIN_WORDS {
        return;
    }
    if let Some(c) = citations.get_mut(citation)
        && c.quotes.len() < MAX_QUOTES
        && !c.quotes.contains(&passage)
    {
        c.quotes.push(passage);
    }
}

/// A blockquote being read: its text (by lines), the links inside it and its `cite`.
#[derive(Debug, Default)]
pub(super) struct Blockquote {
    text: String,
    links: Vec<usize>,
    cite: Option<usize>,
}

impl Blockquote {
    pub(super) fn with_cite(cite: Option<usize>) -> Self {
        Self {
            cite,
            ..Self::default()
        }
    }

    pub(super) fn text(&mut self, text: &str) {
        if self.text.len() < 1 << 20 {
            self.text.push_str(text);
        }
    }

    /// A line or paragraph break.
    pub(super) fn line_break(&mut self) {
        self.text.push('\n');
    }

    pub(super) fn link(&mut self, citation: usize) {
        if self.links.len() < 100 {
            self.links.push(citation);
        }
    }

    /// Ends the blockquote: its text, without the attribution lines (`— Reuters`, `Source:
    /// …`), is a quotation of its `cite`, else of the links inside it.
    pub(super) fn end(self, citations: &mut [Citation]) {
        let quoted: Vec<&str> = self
            .text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.starts_with(['—', '–', '―', '-', '~'])
                    && !l.to_lowercase().starts_with("source:")
            })
            .collect();
        let passage = quoted.join(" ");
        let targets = match self.cite {
            Some(cite) => vec![cite],
            None => self.links,
        };
        for citation in targets {
            add(citations, citation, &passage);
        }
    }
}

/// The quotation state of a format reader: the paragraph being read and the open blockquotes.
#[derive(Debug, Default)]
pub(super) struct Quotes {
    paragraph: Paragraph,
    blockquotes: Vec<Blockquote>,
    /// Blockquotes opened past the 100 kept (hostile nesting): closed without a frame.
    untracked: usize,
}

impl Quotes {
    /// Text of the article; `quoted`: also of the open blockquotes (not an attribution's, not
    /// a link's anchor in Markdown).
    pub(super) fn text(&mut self, text: &str, quoted: bool) {
        self.paragraph.text(text);
        if quoted {
            for quote in &mut self.blockquotes {
                quote.text(text);
            }
        }
    }

    /// A block starts or ends: the paragraph ends.
    pub(super) fn block(&mut self, citations: &mut [Citation]) {
        self.paragraph.end(citations);
        self.line_break();
    }

    /// A line break inside a paragraph.
    pub(super) fn line_break(&mut self) {
        if let Some(quote) = self.blockquotes.last_mut() {
            quote.line_break();
        }
    }

    /// Bytes of the paragraph read so far.
    pub(super) fn len(&self) -> usize {
        self.paragraph.len()
    }

    /// A citation whose link is at byte `at` of the paragraph.
    pub(super) fn link_at(&mut self, citation: usize, at: usize) {
        self.paragraph.link_at(citation, at);
        if let Some(quote) = self.blockquotes.last_mut() {
            quote.link(citation);
        }
    }

    /// A citation whose link is here.
    pub(super) fn link(&mut self, citation: usize) {
        self.link_at(citation, self.paragraph.len());
    }

    pub(super) fn open_blockquote(&mut self, cite: Option<usize>) {
        if self.blockquotes.len() < 100 {
            self.blockquotes.push(Blockquote::with_cite(cite));
        } else {
            self.untracked += 1;
        }
    }

    pub(super) fn in_blockquote(&self) -> bool {
        !self.blockquotes.is_empty()
    }

    pub(super) fn close_blockquote(&mut self, citations: &mut [Citation]) {
        self.paragraph.end(citations);
        if self.untracked > 0 {
            // The closing of one opened past the cap, not of the innermost one kept.
            self.untracked -= 1;
            return;
        }
        if let Some(quote) = self.blockquotes.pop() {
            quote.end(citations);
        }
    }

    /// The article ends.
    pub(super) fn finish(&mut self, citations: &mut [Citation]) {
        self.paragraph.end(citations);
        while let Some(quote) = self.blockquotes.pop() {
            quote.end(citations);
        }
    }
}
