//! Judging what a page says: its main text, whether it reads like a "not found" page, and how
//! much it changed. All pure: bytes and values in, values out.
//!
//! - [`decode`]: content-encoding (bounded) and charset;
//! - [`text`]: main-text extraction (Readability, via dom_smoothie, with a fallback of our own)
//!   and normalization;
//! - [`cues`]: the title and first heading, and whether they say the page is missing;
//! - [`similarity`]: word-shingle similarity and the change grades.

mod cleaning;
mod container;
pub mod correction;
pub mod cues;
pub mod dateline;
pub mod decode;
pub mod diff;
mod furniture;
pub mod judge;
mod lead;
pub mod probe;
pub mod similarity;
pub mod soft404;
pub mod text;

use serde::Serialize;

/// The version of text extraction: bumped whenever the text extracted from the same payload
/// changes (the cached texts of another version are extracted again, so that an upgrade is
/// never read as an edit of every page). 1: datelines dropped, banners removed by size. 2:
/// captions, credits, bylines, author boxes, share bars and related lists out; the prose check.
/// 3: the charset is read from `<meta>` tags only (a `<script charset>` before them misled it).
/// 4: ruby readings (`<rt>`, `<rp>`) and "related stories" headings with their lists out.
/// 5: the CMS's article container over a Readability pick outside it; Blogger's `<noscript>`.
/// 6: the standfirst under the headline, which Readability leaves in the article's header;
/// copyright, disclaimers, legends, post metadata, tables of contents out; page-builder blocks.
/// 7: linked teasers of other stories, comment threads and comment forms out; a thread's posts;
/// text in Unicode NFC; advertisement, share-button, comment-prompt and navigation label lines
/// and newsletter promotions out; navigation inside the article out.
pub const EXTRACTOR_VERSION: i64 = 7;

/// Decoded bodies larger than this are cut before extraction.
pub const DECODE_LIMIT: u64 = 32 * 1024 * 1024;

/// How a payload is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentKind {
    /// Main text extracted from HTML.
    Html,
    /// `text/*` (other than HTML) and JSON: compared as normalized text.
    Text,
    /// PDFs, images and the rest: only payload digests are compared.
    Binary,
}

impl ContentKind {
    /// From the `Content-Type`, or a sniff of the first bytes when it is missing.
    #[must_use]
    pub fn of(content_type: Option<&str>, body: &[u8]) -> Self {
        let mime = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match mime.as_str() {
            "text/html" | "application/xhtml+xml" => Self::Html,
            m if m.starts_with("text/") || m == "application/json" || m.ends_with("+json") => {
                Self::Text
            }
            "" => {
                let head =
                    String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
                if head.contains("<html") || head.contains("<!doctype html") {
                    Self::Html
                } else if std::str::from_utf8(&body[..body.len().min(512)]).is_ok()
                    && !body.contains(&0)
                {
                    Self::Text
                } else {
                    Self::Binary
                }
            }
            _ => Self::Binary,
        }
    }
}

/// What a payload says, for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub kind: ContentKind,
    /// The normalized main text (None for binary payloads).
    pub text: Option<String>,
    pub title: Option<String>,
    pub heading: Option<String>,
}

/// Decodes and extracts a payload. `url` helps Readability resolve the page.
pub fn extract(
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    payload: &[u8],
    url: Option<&str>,
) -> Result<Extracted, decode::DecodeError> {
    let (bytes, _) = decode::decode_content(content_encoding, payload, DECODE_LIMIT)?;
    let kind = ContentKind::of(content_type, &bytes);
    Ok(match kind {
        ContentKind::Binary => Extracted {
            kind,
            text: None,
            title: None,
            heading: None,
        },
        ContentKind::Text => Extracted {
            kind,
            text: Some(text::normalize(&decode::to_text(&bytes, content_type))),
            title: None,
            heading: None,
        },
        ContentKind::Html => {
            let html = decode::to_text(&bytes, content_type);
            let (title, heading) = cues::title_and_heading(&html);
            Extracted {
                kind,
                text: Some(text::main_text(&html, url)),
                title,
                heading,
            }
        }
    })
}
