//! The report an editor reads: grouped by article, articles with problems first, and inside each
//! article problems first. Laid out for the terminal's width (80 columns unless told): one line
//! per citation with its location, outcome, status and URL (a long one elided in the middle), and
//! under a problem or a change its section, detail, what changed and what to cite instead,
//! wrapped; a fine citation with nothing more to say takes its one line.

use super::problems_first;
use crate::check::CheckReport;
use crate::outcome::OutcomeKind;
use crate::printable::{elide_middle, escape_controls as clean, wrap};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

/// How the text is dressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminalStyle {
    /// No escape codes: files, pipes, logs.
    #[default]
    Plain,
    /// ANSI colours, for a terminal.
    Colour,
}

impl TerminalStyle {
    fn paint(self, kind: OutcomeKind, text: &str) -> String {
        if self == TerminalStyle::Plain {
            return text.to_owned();
        }
        let code = match kind {
            OutcomeKind::Ok => "32",
            k if k.is_fine() => "33",
            _ => "1;31",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// The width the text is laid out for when the terminal's is not known.
pub const DEFAULT_WIDTH: usize = 80;

/// Columns before a citation's URL: two of indent, the location, the outcome and status.
const LOCATION: usize = 8;
const LABEL: usize = 17;
/// Continuation lines (details, suggestions) start under the outcome.
const INDENT: usize = 2 + LOCATION;

pub(super) fn render(
    report: &CheckReport,
    style: TerminalStyle,
    width: usize,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let width = width.max(40);
    let mut articles: Vec<_> = report.articles.iter().collect();
    articles.sort_by_key(|a| (a.problems() == 0, a.id.clone()));
    for article in articles {
        let problems = article.problems();
        writeln!(
            out,
            "{} ({}): {} citation{}, {} problem{}",
            clean(article.id.as_str()),
            clean(&article.source.display().to_string()),
            article.citations.len(),
            plural(article.citations.len()),
            problems,
            plural(problems),
        )?;
        if article.citations.is_empty() {
            writeln!(out, "  no URLs found in this article")?;
        }
        for checked in problems_first(&article.citations) {
            writeln!(out, "{}", citation(checked, style, width))?;
        }
        writeln!(out)?;
    }
    summary(report, width, out)
}

/// A quotation and how it reads in the source: `quote found: "…"`, `quote close: "…" (the
/// source has "…"; "allies" for "partners")`, `quote not found: "…"`.
fn quote_line(q: &crate::quote::QuoteResult) -> String {
    use crate::quote::QuoteStatus;
    use std::fmt::Write as _;
    let mut line = format!(
        "quote {}: \"{}\"",
        q.status.as_str().replace('-', " "),
        clean(&q.quote)
    );
    if q.status != QuoteStatus::Found {
        if let Some(passage) = &q.passage {
            let _ = write!(line, "; the source has \"{}\"", clean(passage));
        }
        let words: Vec<String> = q
            .differences
            .iter()
            .map(|d| format!("\"{}\" for \"{}\"", clean(&d.quoted), clean(&d.source)))
            .collect();
        if !words.is_empty() {
            let _ = write!(line, " ({})", words.join(", "));
        }
        if q.in_reference == Some(QuoteStatus::Found) {
            line.push_str("; it did when cited");
        }
    }
    line
}

/// One citation: a line with its location, outcome, status and URL (elided in the middle to fit
/// the width), then, for a problem or a change, its section, detail, what changed and what to
/// cite instead, wrapped under it. A fine citation with nothing more to say is that one line.
fn citation(checked: &crate::check::CheckedCitation, style: TerminalStyle, width: usize) -> String {
    let c = &checked.citation;
    let o = &checked.outcome;
    let location = format!("L{}:{}", c.line, c.column);
    let label = match o.http_status {
        // Live, but quoted as saying what it does not: a problem of its own.
        _ if o.kind.is_fine() && checked.misquoted() => "quote-not-found".to_owned(),
        Some(status) => format!("{} {status}", o.kind.as_str()),
        None => o.kind.as_str().to_owned(),
    };
    let paint_as = if o.kind.is_fine() && checked.misquoted() {
        crate::outcome::OutcomeKind::NotFound
    } else {
        o.kind
    };
    let location_width = LOCATION.max(location.chars().count() + 1);
    let label_width = LABEL.max(label.chars().count() + 1);
    let room = width
        .saturating_sub(2 + location_width + label_width)
        .max(20);
    let mut text = format!(
        "  {location:<location_width$}{}{}{}",
        style.paint(paint_as, &label),
        " ".repeat(label_width - label.chars().count()),
        elide_middle(&clean(c.display_url()), room),
    );
    let mut more: Vec<String> = Vec::new();
    if !o.kind.is_fine() {
        // Where it is cited, when that is the sources section, and why it failed, when known.
        let section =
            (c.section == crate::citation::Section::Provenance).then_some("in the sources");
        let detail = o.detail.as_deref().map(clean);
        let said: Vec<&str> = section.into_iter().chain(detail.as_deref()).collect();
        if !said.is_empty() {
            more.push(said.join(": "));
        }
    }
    if let Some(final_url) = o.final_url().filter(|_| o.chain.len() > 1) {
        let how = match o.permanent {
            Some(true) => "permanently ",
            _ => "",
        };
        more.push(format!("moved {how}to {}", clean(final_url.as_str())));
    }
    if let Some(j) = &checked.judgement
        && let Some(change) = j.change_vs_reference
        && change != crate::content::similarity::Change::Unchanged
    {
        let similarity = j
            .similarity_reference
            .map(|s| format!(", similarity {s:.2}"))
            .unwrap_or_default();
        let since = j
            .reference_at
            .as_deref()
            .map(|t| format!(" since the reference of {}", &t[..t.len().min(10)]))
            .unwrap_or_default();
        more.push(format!("{}{similarity}{since}", change.as_str()));
        if let Some(h) = &j.headline_vs_reference {
            more.push(format!(
                "headline: \"{}\" -> \"{}\"",
                clean(&h.before),
                clean(&h.after)
            ));
        }
    }
    if let Some(correction) = checked
        .judgement
        .as_ref()
        .and_then(|j| j.correction_vs_reference.as_deref())
    {
        more.push(format!(
            "the source published a correction: {}",
            clean(correction)
        ));
    }
    for q in &checked.quotes {
        more.push(quote_line(q));
    }
    // A failed Wayback lookup is said once on stderr, not under every citation.
    for suggestion in checked
        .suggestions
        .iter()
        .filter(|s| !matches!(s, crate::suggestion::Suggestion::WaybackFailed { .. }))
    {
        let said = crate::suggestion::suggestion_text(suggestion);
        more.push(format!("instead: {}", clean(&said)));
    }
    for line in more {
        for wrapped in wrap(&line, width.saturating_sub(INDENT).max(20)) {
            let _ = write!(text, "\n{:INDENT$}{wrapped}", "");
        }
    }
    text
}

fn summary(report: &CheckReport, width: usize, out: &mut dyn io::Write) -> io::Result<()> {
    let mut counts: BTreeMap<OutcomeKind, usize> = BTreeMap::new();
    for c in report.citations() {
        *counts.entry(c.outcome.kind).or_insert(0) += 1;
    }
    let total: usize = counts.values().sum();
    let breakdown: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let verdict = if report.all_fine() { "PASS" } else { "FAIL" };
    let line = format!(
        "{verdict}: {} article{}, {total} citation{}, {} distinct URL{} fetched{}{}",
        report.articles.len(),
        plural(report.articles.len()),
        plural(total),
        report.fetched_urls,
        plural(report.fetched_urls),
        if breakdown.is_empty() { "" } else { ": " },
        breakdown.join(", "),
    );
    for (i, wrapped) in wrap(&line, width.saturating_sub(2)).iter().enumerate() {
        writeln!(out, "{}{wrapped}", if i == 0 { "" } else { "  " })?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Writes the citations of `extract` (no fetching) as text: one line per citation.
pub fn render_extract_text(
    articles: &[(&crate::input::Article, crate::extract::Extraction)],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    for (article, extraction) in articles {
        writeln!(
            out,
            "{} ({}): {} citation{}",
            clean(article.id.as_str()),
            clean(&article.source.display().to_string()),
            extraction.citations.len(),
            plural(extraction.citations.len()),
        )?;
        for c in &extraction.citations {
            let note = match &c.target {
                crate::citation::Target::Fetchable(_) => String::new(),
                crate::citation::Target::UnsupportedScheme { scheme } => {
                    format!("  [unsupported-scheme: {scheme}]")
                }
                crate::citation::Target::Invalid { reason } => format!("  [invalid-url: {reason}]"),
            };
            let anchor = c
                .anchor
                .as_deref()
                .map(|a| format!("  \"{}\"", clean(a)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:>8}  {:<10} {}{anchor}{note}",
                format!("L{}:{}", c.line, c.column),
                c.section.as_str(),
                clean(c.display_url()),
            )?;
            for quote in &c.quotes {
                writeln!(out, "            quotes \u{201c}{}\u{201d}", clean(quote))?;
            }
        }
        for d in &extraction.diagnostics {
            writeln!(
                out,
                "  {:>8}  note: {}",
                format!("L{}:{}", d.line, d.column),
                clean(&d.message)
            )?;
        }
    }
    Ok(())
}
