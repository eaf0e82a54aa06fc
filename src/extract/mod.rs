//! Citation extraction: a pure function from an article's text to the URLs it cites.
//!
//! Extraction never fails. Whatever it cannot make sense of (a link it skips, a relative URL it
//! cannot resolve) becomes a [`Diagnostic`] or a citation whose [`Target`] says why it cannot be
//! fetched. Three formats are read:
//!
//! - plain text ([`text`]): bare URLs; a heading line mentioning "provenance" starts the
//!   provenance section;
//! - Markdown ([`markdown`]): inline, reference-style and autolinks, plus bare URLs in prose,
//!   never inside code;
//! - HTML ([`html`]): `a[href]`, `blockquote[cite]`, `q[cite]`, resolved against `<base href>`.

mod html;
mod markdown;
mod position;
mod quotes;
mod text;

use crate::citation::{ArticleId, Citation, Section};
use crate::normalize::normalize;
use position::LineIndex;
use serde::Serialize;
use url::Url;

/// How to read an article's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArticleFormat {
    Text,
    Markdown,
    Html,
}

impl ArticleFormat {
    /// The format implied by a file extension, for the extensions a directory walk picks up.
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(Self::Text),
            "md" | "markdown" => Some(Self::Markdown),
            "html" | "htm" => Some(Self::Html),
            _ => None,
        }
    }

    /// A guess from the content, for standard input: markup that opens with `<` is HTML.
    #[must_use]
    pub fn sniff(text: &str) -> Self {
        let head = text
            .trim_start()
            .get(..15)
            .unwrap_or("")
            .to_ascii_lowercase();
        if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with('<')
        {
            Self::Html
        } else {
            Self::Text
        }
    }
}

/// Something extraction noticed and skipped, with where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub article: ArticleId,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// What extraction found in one article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub citations: Vec<Citation>,
    pub diagnostics: Vec<Diagnostic>,
}

/// How a desk's articles are read, beyond what they say themselves (config `base_urls`,
/// `sources_headings`, `sources_sections`; flag `--base-url`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleSettings {
    /// The base of every article's relative links (`--base-url`): wins over `base_urls`.
    pub base_url: Option<Url>,
    /// Directories and the base URL of the articles under them; the deepest match wins.
    pub base_urls: Vec<(std::path::PathBuf, Url)>,
    /// Headings that start the sources section besides the built-in ones, lower-cased.
    pub headings: Vec<String>,
    /// Ids or classes of an HTML sources section besides the built-in ones, lower-cased.
    pub sections: Vec<String>,
}

impl ArticleSettings {
    /// The base URL for an article read from `source`: `--base-url`, else the base of the
    /// deepest configured directory holding it. (An HTML article's `<base href>` wins over
    /// either, and its canonical link or `og:url` is used without one.)
    #[must_use]
    pub fn base_for(&self, source: &std::path::Path) -> Option<Url> {
        if let Some(base) = &self.base_url {
            return Some(base.clone());
        }
        if self.base_urls.is_empty() {
            return None;
        }
        let absolute = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        self.base_urls
            .iter()
            .filter(|(dir, _)| absolute.starts_with(dir) || source.starts_with(dir))
            .max_by_key(|(dir, _)| dir.components().count())
            .map(|(_, base)| base.clone())
    }
}

/// Extracts every citation of `text`, in the order they appear.
///
/// `base` resolves relative links (HTML and Markdown); a `<base href>` in an HTML article wins
/// over it, as in a browser.
#[must_use]
pub fn extract(
    id: &ArticleId,
    format: ArticleFormat,
    text: &str,
    base: Option<&Url>,
) -> Extraction {
    extract_with(id, format, text, base, &ArticleSettings::default())
}

/// [`extract`], with the desk's own sources headings and sections of `settings`.
#[must_use]
pub fn extract_with(
    id: &ArticleId,
    format: ArticleFormat,
    text: &str,
    base: Option<&Url>,
    settings: &ArticleSettings,
) -> Extraction {
    let mut sink = Sink {
        id,
        lines: LineIndex::new(text),
        base: base.cloned(),
        headings: &settings.headings,
        sections: &settings.sections,
        out: Extraction::default(),
    };
    match format {
        ArticleFormat::Text => text::extract(text, &mut sink),
        ArticleFormat::Markdown => markdown::extract(text, &mut sink),
        ArticleFormat::Html => html::extract(text, &mut sink),
    }
    // Kept for the whole run: no spare capacity (up to half the list after doubling).
    sink.out.citations.shrink_to_fit();
    sink.out
}

/// Collects citations and diagnostics, turning byte offsets into lines and columns.
struct Sink<'a> {
    id: &'a ArticleId,
    lines: LineIndex<'a>,
    base: Option<Url>,
    /// The desk's own sources headings and section names, lower-cased.
    headings: &'a [String],
    sections: &'a [String],
    out: Extraction,
}

/// One link found by a format reader, before normalization.
struct Found<'t> {
    offset: usize,
    raw: &'t str,
    section: Section,
    anchor: Option<String>,
}

impl Sink<'_> {
    /// Whether a heading starts the sources section: a built-in name, or one the desk set.
    fn starts_sources(&self, heading: &str) -> bool {
        mentions_provenance(heading) || {
            let key = heading
                .trim()
                .trim_start_matches('#')
                .trim()
                .trim_end_matches(':')
                .trim()
                .to_lowercase();
            self.headings.contains(&key)
        }
    }

    /// Whether an id or class names a sources section: a built-in name, or one the desk set.
    fn names_sources(&self, name: &str) -> bool {
        names_sources(name) || self.sections.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    /// Adds a citation; its index in the extraction's list.
    fn citation(&mut self, found: Found<'_>) -> usize {
        let (line, column) = self.lines.position(found.offset);
        let target = normalize(found.raw, self.base.as_ref());
        let anchor = found
            .anchor
            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|a| !a.is_empty());
        self.out.citations.push(Citation {
            article: self.id.clone(),
            line,
            column,
            section: found.section,
            anchor,
            url_as_written: found.raw.trim().to_owned(),
            target,
            quotes: Vec::new(),
        });
        self.out.citations.len() - 1
    }

    fn diagnostic(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = self.lines.position(offset);
        self.out.diagnostics.push(Diagnostic {
            article: self.id.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    /// Finds bare URLs in a stretch of prose that starts at byte `offset` of the article:
    /// each citation's index and where its URL starts in `prose`.
    fn bare_urls(&mut self, prose: &str, offset: usize, section: Section) -> Vec<(usize, usize)> {
        bare_url_finder()
            .links(prose)
            .map(|link| {
                let index = self.citation(Found {
                    offset: offset + link.start(),
                    raw: link.as_str(),
                    section,
                    anchor: None,
                });
                (index, link.start())
            })
            .collect()
    }
}

/// Bare URLs in prose. `linkify` keeps balanced parentheses inside a URL (Wikipedia's
/// `Mercury_(planet)`) and leaves out trailing punctuation that ends a sentence or closes a
/// parenthesis around the URL, as a reader would.
fn bare_url_finder() -> linkify::LinkFinder {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder
}

/// Words that name a sources section, in the eight languages of the cues: sources,
/// references, notes, bibliography, provenance.
const SECTION_NAMES: &[&str] = &[
    // English
    "provenance",
    "sources",
    "source",
    "references",
    "notes",
    "bibliography",
    "citations",
    "methodology",
    // Spanish
    "fuentes",
    "fuente",
    "referencias",
    "notas",
    "bibliografía",
    "procedencia",
    // French
    "références",
    "bibliographie",
    // German
    "quellen",
    "quelle",
    "quellenangaben",
    "literatur",
    "anmerkungen",
    "einzelnachweise",
    "nachweise",
    "herkunft",
    // Portuguese
    "fontes",
    "fonte",
    "referências",
    "bibliografia",
    "procedência",
    // Italian
    "fonti",
    "riferimenti",
    "note",
    "provenienza",
    // Dutch
    "bronnen",
    "bron",
    "referenties",
    "noten",
    "literatuur",
    "herkomst",
    // Polish
    "źródła",
    "źródło",
    "przypisy",
    "literatura",
    "pochodzenie",
];

/// Phrases that head a further-reading section.
const SECTION_PHRASES: &[&str] = &[
    "further reading",
    "lecturas adicionales",
    "pour aller plus loin",
    "weiterführende literatur",
    "leitura adicional",
    "per approfondire",
    "verder lezen",
    "dalsza lektura",
];

/// Words that join section names ("Sources and notes", "Quellen und Anmerkungen").
const JOINERS: &[&str] = &["and", "&", "und", "et", "y", "e", "en", "i", "/", "+"];

/// Whether a heading's text announces the sources section: it mentions provenance, starts with
/// a further-reading phrase, or every one of its (at most five) words names a sources section
/// or joins such names — "Sources", "Notes", "Quellen und Anmerkungen" — so that "Notes from
/// Kyiv" stays a body heading.
fn mentions_provenance(heading: &str) -> bool {
    let lower = heading.to_lowercase();
    if lower.contains("provenance") {
        return true;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '&' || c == '/' || c == '+'))
        .filter(|w| !w.is_empty())
        .collect();
    let phrase = words.join(" ");
    if SECTION_PHRASES.iter().any(|p| phrase.starts_with(p)) && words.len() <= 5 {
        return true;
    }
    words.len() <= 5
        && words.iter().any(|w| SECTION_NAMES.contains(w))
        && words
            .iter()
            .all(|w| SECTION_NAMES.contains(w) || JOINERS.contains(w))
}

/// Names of a sources section that an element's id or class may carry (not "notes" or
/// "source": footnotes and source code are everywhere).
const CONTAINER_NAMES: &[&str] = &[
    "provenance",
    "sources",
    "references",
    "bibliography",
    "citations",
    "fuentes",
    "referencias",
    "bibliografia",
    "bibliografía",
    "références",
    "bibliographie",
    "quellen",
    "quellenangaben",
    "einzelnachweise",
    "fontes",
    "referências",
    "fonti",
    "riferimenti",
    "bronnen",
    "referenties",
    "przypisy",
    "źródła",
];

/// Whether an element's id or class names a sources section: a token of it (split at `-` and
/// `_`) does ("sources", "article-references", "quellen").
fn names_sources(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.contains("provenance")
        || lower
            .split(['-', '_'])
            .any(|t| CONTAINER_NAMES.contains(&t))
}

#[cfg(test)]
mod tests;
