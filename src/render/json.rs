//! Machine output. The schema is versioned by `schema_version` and documented in the README;
//! fields are only ever added within a version.

use crate::check::{CheckReport, CheckedCitation};
use crate::citation::Citation;
use crate::extract::Diagnostic;
use crate::outcome::{Hop, OutcomeKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct CheckJson<'a> {
    schema_version: u32,
    summary: Summary,
    citations: Rows<'a>,
    diagnostics: Vec<&'a Diagnostic>,
}

/// The citations, serialized one at a time as they are written: the rows of a 10,000-URL report
/// are never all in memory at once.
struct Rows<'a>(&'a CheckReport);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.articles.iter().flat_map(|a| {
            let source = a.source.display().to_string();
            a.citations
                .iter()
                .map(move |c| citation_json(c, source.clone()))
        }))
    }
}

#[derive(Serialize)]
struct Summary {
    articles: usize,
    citations: usize,
    unique_urls: usize,
    problems: usize,
    passed: bool,
    by_outcome: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct CitationJson<'a> {
    article: &'a str,
    source: String,
    url: Option<&'a str>,
    url_as_written: &'a str,
    line: u32,
    column: u32,
    section: &'static str,
    anchor: Option<&'a str>,
    outcome: OutcomeKind,
    http_status: Option<u16>,
    final_url: Option<&'a str>,
    permanent: Option<bool>,
    chain: &'a [Hop],
    detail: Option<&'a str>,
    attempts: u32,
    retry_after_ms: Option<u64>,
    elapsed_ms: u64,
    capture: Option<CaptureJson<'a>>,
    /// Against the citation's reference: null for a first capture.
    change: Option<&'static str>,
    similarity: Option<f64>,
    change_vs_previous: Option<&'static str>,
    similarity_previous: Option<f64>,
    reference_captured_at: Option<&'a str>,
    /// "digest" when the payloads are binary and only digests were compared, else "text".
    compared_by: Option<&'static str>,
    /// The reference's headline and today's, when it was rewritten.
    headline: Option<HeadlineJson<'a>>,
    /// A correction, clarification or editor's note the source added since the reference.
    correction: Option<&'a str>,
    /// What to cite instead (see the report command's `suggestions`).
    suggestions: &'a [crate::suggestion::Suggestion],
    /// The passages the article quotes from the source, and how each reads there now.
    quotes: &'a [crate::quote::QuoteResult],
}

#[derive(Serialize)]
struct HeadlineJson<'a> {
    before: &'a str,
    after: &'a str,
}

#[derive(Serialize)]
struct CaptureJson<'a> {
    payload_sha256: &'a str,
    warc_file: &'a str,
    offset: u64,
    record_type: &'a str,
}

fn citation_json(checked: &CheckedCitation, source: String) -> CitationJson<'_> {
    let citation: &Citation = &checked.citation;
    let outcome = &*checked.outcome;
    let judgement = checked.judgement.as_deref();
    CitationJson {
        article: citation.article.as_str(),
        source,
        url: citation.target.url().map(url::Url::as_str),
        url_as_written: &citation.url_as_written,
        line: citation.line,
        column: citation.column,
        section: citation.section.as_str(),
        anchor: citation.anchor.as_deref(),
        outcome: outcome.kind,
        http_status: outcome.http_status,
        final_url: outcome.final_url().map(url::Url::as_str),
        permanent: outcome.permanent,
        chain: &outcome.chain,
        detail: outcome.detail.as_deref(),
        attempts: outcome.attempts,
        retry_after_ms: outcome.retry_after.map(json_millis),
        elapsed_ms: json_millis(outcome.elapsed),
        capture: checked.capture.as_ref().map(|c| CaptureJson {
            payload_sha256: &c.payload_sha256,
            warc_file: &c.warc_file,
            offset: c.offset,
            record_type: c.record_type,
        }),
        change: judgement
            .and_then(|j| j.change_vs_reference)
            .map(crate::content::similarity::Change::as_str),
        similarity: judgement.and_then(|j| j.similarity_reference).map(round3),
        change_vs_previous: judgement
            .and_then(|j| j.change_vs_previous)
            .map(crate::content::similarity::Change::as_str),
        similarity_previous: judgement.and_then(|j| j.similarity_previous).map(round3),
        reference_captured_at: judgement.and_then(|j| j.reference_at.as_deref()),
        compared_by: judgement
            .filter(|j| j.change_vs_reference.is_some() || j.change_vs_previous.is_some())
            .map(|j| if j.digest_only { "digest" } else { "text" }),
        headline: judgement
            .and_then(|j| j.headline_vs_reference.as_ref())
            .map(|h| HeadlineJson {
                before: &h.before,
                after: &h.after,
            }),
        correction: judgement.and_then(|j| j.correction_vs_reference.as_deref()),
        suggestions: &checked.suggestions,
        quotes: &checked.quotes,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(super) fn render(report: &CheckReport, out: &mut dyn io::Write) -> io::Result<()> {
    let mut by_outcome = BTreeMap::new();
    for c in report.citations() {
        *by_outcome.entry(c.outcome.kind.as_str()).or_insert(0) += 1;
    }
    let doc = CheckJson {
        schema_version: JSON_SCHEMA_VERSION,
        summary: Summary {
            articles: report.articles.len(),
            citations: report.citations().count(),
            unique_urls: report.fetched_urls,
            problems: report
                .articles
                .iter()
                .map(crate::check::CheckedArticle::problems)
                .sum(),
            passed: report.all_fine(),
            by_outcome,
        },
        citations: Rows(report),
        diagnostics: report
            .articles
            .iter()
            .flat_map(|a| &a.diagnostics)
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[derive(Serialize)]
struct ExtractJson<'a> {
    schema_version: u32,
    citations: Vec<ExtractCitation<'a>>,
    diagnostics: Vec<&'a Diagnostic>,
}

#[derive(Serialize)]
struct ExtractCitation<'a> {
    article: &'a str,
    source: String,
    url: Option<&'a str>,
    url_as_written: &'a str,
    line: u32,
    column: u32,
    section: &'static str,
    anchor: Option<&'a str>,
    /// `null` for a fetchable URL, else `unsupported-scheme` or `invalid-url`.
    problem: Option<&'static str>,
    detail: Option<String>,
    /// The passages the article quotes from this source.
    quotes: &'a [String],
}

/// Writes the citations of `extract` (no fetching) as JSON.
pub fn render_extract_json(
    articles: &[(&crate::input::Article, crate::extract::Extraction)],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let citations = articles
        .iter()
        .flat_map(|(article, extraction)| {
            extraction.citations.iter().map(move |c| {
                let (problem, detail) = match &c.target {
                    crate::citation::Target::Fetchable(_) => (None, None),
                    crate::citation::Target::UnsupportedScheme { scheme } => (
                        Some("unsupported-scheme"),
                        Some(format!("{scheme}: URLs are not fetched")),
                    ),
                    crate::citation::Target::Invalid { reason } => {
                        (Some("invalid-url"), Some(reason.clone()))
                    }
                };
                ExtractCitation {
                    article: c.article.as_str(),
                    source: article.source.display().to_string(),
                    url: c.target.url().map(url::Url::as_str),
                    url_as_written: &c.url_as_written,
                    line: c.line,
                    column: c.column,
                    section: c.section.as_str(),
                    anchor: c.anchor.as_deref(),
                    problem,
                    detail,
                    quotes: &c.quotes,
                }
            })
        })
        .collect();
    let doc = ExtractJson {
        schema_version: JSON_SCHEMA_VERSION,
        citations,
        diagnostics: articles.iter().flat_map(|(_, e)| &e.diagnostics).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
/// The largest integer every JSON reader holds exactly (2^53 - 1, JavaScript's safe integer).
const JSON_SAFE_MAX: u64 = (1 << 53) - 1;

/// A duration in milliseconds for JSON, clamped so that a server's `Retry-After: 2^64-1` does
/// not print a number strict readers reject.
fn json_millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).map_or(JSON_SAFE_MAX, |ms| ms.min(JSON_SAFE_MAX))
}
