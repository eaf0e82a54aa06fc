//! The report an editor reads: grouped by article, articles with problems first, and inside each
//! article problems first, one line per citation with its line number, outcome and, when it
//! moved, where to.

use super::problems_first;
use crate::check::CheckReport;
use crate::outcome::OutcomeKind;
use crate::printable::escape_controls as clean;
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

pub(super) fn render(
    report: &CheckReport,
    style: TerminalStyle,
    out: &mut dyn io::Write,
) -> io::Result<()> {
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
            let c = &checked.citation;
            let o = &checked.outcome;
            let status = o
                .http_status
                .map_or_else(|| "---".to_owned(), |s| s.to_string());
            let kind = style.paint(o.kind, &format!("{:<18}", o.kind.as_str()));
            let mut line = format!(
                "  {:>6}  {:<10} {kind} {status:>3}  {}",
                format!("L{}:{}", c.line, c.column),
                c.section.as_str(),
                clean(c.display_url()),
            );
            if let Some(final_url) = o.final_url().filter(|_| o.chain.len() > 1) {
                let how = match o.permanent {
                    Some(true) => "permanently ",
                    _ => "",
                };
                let _ = write!(line, "\n{:>38}moved {how}to {final_url}", "");
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
                let _ = write!(line, "\n{:>38}{}{similarity}{since}", "", change.as_str());
                if let Some(h) = &j.headline_vs_reference {
                    let _ = write!(
                        line,
                        "\n{:>38}headline: \"{}\" -> \"{}\"",
                        "",
                        clean(&h.before),
                        clean(&h.after)
                    );
                }
            }
            if let Some(correction) = checked
                .judgement
                .as_ref()
                .and_then(|j| j.correction_vs_reference.as_deref())
            {
                let _ = write!(
                    line,
                    "\n{:>38}the source published a correction: {}",
                    "",
                    clean(correction)
                );
            }
            if !o.kind.is_fine()
                && let Some(detail) = &o.detail
            {
                let _ = write!(line, "\n{:>38}{}", "", clean(detail));
            }
            // A failed Wayback lookup is said once on stderr, not under every citation.
            for suggestion in checked
                .suggestions
                .iter()
                .filter(|s| !matches!(s, crate::suggestion::Suggestion::WaybackFailed { .. }))
            {
                let text = crate::suggestion::suggestion_text(suggestion);
                let _ = write!(line, "\n{:>38}instead: {}", "", clean(&text));
            }
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    summary(report, out)
}

fn summary(report: &CheckReport, out: &mut dyn io::Write) -> io::Result<()> {
    let mut counts: BTreeMap<OutcomeKind, usize> = BTreeMap::new();
    for c in report.citations() {
        *counts.entry(c.outcome.kind).or_insert(0) += 1;
    }
    let total: usize = counts.values().sum();
    let breakdown: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let verdict = if report.all_fine() { "PASS" } else { "FAIL" };
    writeln!(
        out,
        "{verdict}: {} article{}, {total} citation{}, {} distinct URL{} fetched{}{}",
        report.articles.len(),
        plural(report.articles.len()),
        plural(total),
        report.fetched_urls,
        plural(report.fetched_urls),
        if breakdown.is_empty() { "" } else { ": " },
        breakdown.join(", "),
    )
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
