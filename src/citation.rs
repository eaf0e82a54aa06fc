//! The values that flow out of extraction: who cited what, where.
//!
//! A [`Citation`] is one URL as it appears in one article. Its [`Target`] says whether it can be
//! fetched at all; a URL that cannot (a `mailto:`, a malformed URL) is still a citation, so that it
//! shows up in every report instead of silently disappearing.

use serde::Serialize;
use std::fmt;
use url::Url;

/// The identity of an article: its file stem (`000_b40f413830291c23` for
/// `000_b40f413830291c23.txt`), or `stdin`. Shared, not copied, by each of the article's
/// citations (an article may cite 10,000 URLs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArticleId(std::sync::Arc<str>);

impl Serialize for ArticleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl ArticleId {
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into().into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where in the article a citation sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Under a heading that mentions "provenance": the sources the article was built from.
    Provenance,
    /// Anywhere else in the article.
    Body,
}

impl Section {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Provenance => "provenance",
            Section::Body => "body",
        }
    }
}

/// What a citation points at, once the URL as written has been read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// An `http` or `https` URL, normalized (see [`crate::normalize`]). Only these are fetched.
    Fetchable(Url),
    /// A well-formed URL whose scheme provcheck does not fetch (`mailto:`, `ftp:`, `data:`...).
    UnsupportedScheme { scheme: String },
    /// Text that does not parse as a URL, with the reason.
    Invalid { reason: String },
}

impl Target {
    /// The normalized URL, for a fetchable target.
    #[must_use]
    pub fn url(&self) -> Option<&Url> {
        match self {
            Target::Fetchable(url) => Some(url),
            _ => None,
        }
    }
}

/// One URL cited by one article, with where it was cited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub article: ArticleId,
    /// 1-based line of the citation in the article file.
    pub line: u32,
    /// 1-based column, counted in characters (Unicode scalar values), not bytes.
    pub column: u32,
    pub section: Section,
    /// The link text, for links that have one (Markdown and HTML).
    pub anchor: Option<String>,
    /// The URL exactly as it appears in the article.
    pub url_as_written: String,
    pub target: Target,
    /// The passages the article quotes from this source (see [`crate::quote`]): quotations
    /// in the link's paragraph nearest to it, a blockquote it is the `cite` or the link of.
    pub quotes: Vec<String>,
}

impl Citation {
    /// The text used to identify the target in reports: the normalized URL when there is one,
    /// else the URL as written.
    #[must_use]
    pub fn display_url(&self) -> &str {
        match &self.target {
            Target::Fetchable(url) => url.as_str(),
            _ => &self.url_as_written,
        }
    }
}
