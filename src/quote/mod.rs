//! Quoted passages: finding them in an article's prose, and checking them against what the
//! source says.
//!
//! A quotation is a passage between quotation marks of any common style (`"…"`, `“…”`, `«…»`,
//! `„…“`, `‚…‘`, `‘…’`) of at least [`MIN_WORDS`] words, or a blockquote. It is matched against
//! the source's main text word by word, so case, whitespace, punctuation, quotation marks,
//! dashes and ellipses never matter; an elision (`...`, `…`, `[…]`, `[...]`) splits it into parts
//! found in order with anything between them; a bracketed insertion (`[the minister]`) stands
//! for up to [`INSERTION_WORDS`] words of the source, and `[sic]` for none.
//!
//! The verdict: `found` (every part, in order), `close` (a few words differ: the differences are
//! shown) or `not-found`. A difference in a number or a negation is never `close`: "would" for
//! "would not", "40" for "14" are misquotes, not house style.

mod matching;

pub use matching::check;
use serde::Serialize;
use std::ops::Range;

/// Quotations shorter than this are not checked (scare quotes, a title, a single term).
pub const MIN_WORDS: usize = 4;
/// Words a bracketed editorial insertion may stand for.
pub const INSERTION_WORDS: usize = 8;
/// At most this many words of a quotation are compared (a longer one is cut).
pub const MAX_WORDS: usize = 400;
/// At most this many quotations per citation.
pub const MAX_QUOTES: usize = 20;

/// Opening and closing marks of the quotation styles read.
const PAIRS: &[(char, &[char])] = &[
    ('"', &['"']),
    ('\u{201c}', &['\u{201d}', '\u{201c}']), // “…” (and “…“ as typed)
    ('\u{201e}', &['\u{201c}', '\u{201d}']), // „…“ (German), „…” (Polish)
    ('\u{00ab}', &['\u{00bb}']),             // «…»
    ('\u{00bb}', &['\u{00ab}']),             // »…« (German)
    ('\u{201a}', &['\u{2018}', '\u{2019}']), // ‚…‘
    ('\u{2018}', &['\u{2019}']),             // ‘…’
];

/// The quoted passages of a paragraph, with their byte ranges (inside the marks), of at least
/// [`MIN_WORDS`] words. One left-to-right pass; an opening mark without its closing mark in the
/// paragraph quotes nothing.
#[must_use]
pub fn find_quotes(paragraph: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    // Styles whose closing mark is nowhere after an opening one: later openings of that style
    // are not looked at again (so a paragraph of a million `«` is read once, not squared).
    let mut exhausted: Vec<char> = Vec::new();
    while at < paragraph.len() && out.len() < MAX_QUOTES {
        let Some((start, open)) = paragraph[at..]
            .char_indices()
            .map(|(i, c)| (i + at, c))
            .find(|(i, c)| {
                PAIRS.iter().any(|(o, _)| o == c)
                    && !exhausted.contains(c)
                    && opens(paragraph, *i, *c)
            })
        else {
            break;
        };
        let closes = PAIRS
            .iter()
            .find(|(o, _)| *o == open)
            .map_or(&[][..], |(_, c)| *c);
        let inner = start + open.len_utf8();
        let end = paragraph[inner..]
            .char_indices()
            .map(|(i, c)| (i + inner, c))
            .find(|(i, c)| closes.contains(c) && closes_here(paragraph, *i, *c));
        let Some((end, close)) = end else {
            exhausted.push(open);
            at = inner;
            continue;
        };
        let passage = paragraph[inner..end].trim();
        if matching::words(passage).len() >= MIN_WORDS {
            out.push((inner..end, passage.to_owned()));
        }
        at = end + close.len_utf8();
    }
    out
}

/// Whether a mark at `i` opens a quotation: `‘` and `'`-like marks only at a word's start
/// (`’` inside a word is an apostrophe).
fn opens(text: &str, i: usize, c: char) -> bool {
    if c == '\u{2018}' {
        return text[..i]
            .chars()
            .next_back()
            .is_none_or(|p| !p.is_alphanumeric());
    }
    true
}

/// Whether a closing `’` at `i` ends the quotation rather than being an apostrophe (`don’t`).
fn closes_here(text: &str, i: usize, c: char) -> bool {
    if c == '\u{2019}' {
        let after = text[i + c.len_utf8()..].chars().next();
        return after.is_none_or(|n| !n.is_alphanumeric());
    }
    true
}

/// How a quotation reads against the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuoteStatus {
    Found,
    Close,
    NotFound,
}

impl QuoteStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::Close => "close",
            Self::NotFound => "not-found",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "found" => Some(Self::Found),
            "close" => Some(Self::Close),
            "not-found" => Some(Self::NotFound),
            _ => None,
        }
    }
}

/// A quotation checked against a source's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteCheck {
    pub status: QuoteStatus,
    /// The passage as the source has it (the nearest one, when not found exactly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
    /// Words that differ: the quotation's and the source's (`close`, and `not-found` when a
    /// near passage exists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// The paragraph of the source the passage is in (found verbatim only).
    #[serde(skip)]
    pub paragraph: Option<String>,
}

/// A quotation of a citation, checked against one capture of its source.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct QuoteResult {
    pub quote: String,
    pub status: QuoteStatus,
    /// The passage as the source has it (nearest, when not found exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// How it read in the citation's reference (what the source said when cited), when this
    /// capture is not the reference and the quotation is not found here verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reference: Option<QuoteStatus>,
}

/// Each quotation checked against a text.
#[must_use]
pub fn check_all(quotes: &[String], text: &str) -> Vec<QuoteResult> {
    quotes
        .iter()
        .take(MAX_QUOTES)
        .map(|quote| {
            let QuoteCheck {
                status,
                passage,
                differences,
                ..
            } = check(quote, text);
            QuoteResult {
                quote: quote.clone(),
                status,
                passage,
                differences,
                in_reference: None,
            }
        })
        .collect()
}

/// One difference between a quotation and the source: what the article has, what the source has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Difference {
    pub quoted: String,
    pub source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotations_of_every_style_are_found_in_a_paragraph() {
        let p = "She said \u{201c}we will not sign a deal\u{201d} and \u{201e}talks would resume after the summit\u{201c}; \
                 «any agreement would depend» and 'not this' and \"too short\" and \u{2018}the farmers\u{2019} \
                 union\u{2019}s view\u{2019}.";
        let found: Vec<String> = find_quotes(p).into_iter().map(|(_, q)| q).collect();
        assert_eq!(
            found,
            [
                "we will not sign a deal",
                "talks would resume after the summit",
                "any agreement would depend"
            ]
        );
        let apostrophes = "It\u{2019}s the minister\u{2019}s view: \u{2018}we won\u{2019}t sign it today\u{2019}.";
        assert_eq!(
            find_quotes(apostrophes)
                .into_iter()
                .map(|(_, q)| q)
                .collect::<Vec<_>>(),
            ["we won\u{2019}t sign it today"]
        );
        assert!(find_quotes("an \u{201c}unclosed quotation of many words").is_empty());
    }
}
