//! Renderers: a [`CheckReport`] in, text out, to any `io::Write`. Pure and deterministic: they
//! print only what the report holds, in a fixed order.

mod json;
mod junit;
mod terminal;

use crate::check::{CheckReport, CheckedCitation};
use std::io;

pub use json::{JSON_SCHEMA_VERSION, render_extract_json};
pub use terminal::{DEFAULT_WIDTH, TerminalStyle, render_extract_text};

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Human-readable, grouped by article, problems first.
    Text,
    /// One object with `schema_version` and `citations` (see the README for the schema).
    Json,
    /// JUnit XML: one test case per citation, a failure for each problem.
    Junit,
}

/// Writes `report` in `format`; text is laid out for `width` columns.
pub fn render_check(
    report: &CheckReport,
    format: CheckFormat,
    style: TerminalStyle,
    width: usize,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        CheckFormat::Text => terminal::render(report, style, width, out),
        CheckFormat::Json => json::render(report, out),
        CheckFormat::Junit => junit::render(report, out),
    }
}

/// Citations of one article, problems first (in the order they appear), then redirects, then
/// the rest.
fn problems_first(citations: &[CheckedCitation]) -> Vec<&CheckedCitation> {
    let mut sorted: Vec<&CheckedCitation> = citations.iter().collect();
    sorted.sort_by_key(|c| {
        let rank = match c.outcome.kind {
            k if !k.is_fine() || c.misquoted() => 0,
            crate::outcome::OutcomeKind::Redirected => 1,
            _ => 2,
        };
        (rank, c.citation.line, c.citation.column)
    });
    sorted
}
