//! JUnit XML, for CMS pipelines and CI systems: one test suite per article, one test case per
//! citation, a `<failure>` for every citation that does not pass the gate.

use crate::check::CheckReport;
use std::io;

pub(super) fn render(report: &CheckReport, out: &mut dyn io::Write) -> io::Result<()> {
    let total: usize = report.articles.iter().map(|a| a.citations.len()).sum();
    let failures: usize = report
        .articles
        .iter()
        .map(crate::check::CheckedArticle::problems)
        .sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="provcheck" tests="{total}" failures="{failures}">"#
    )?;
    for article in &report.articles {
        let seconds: f64 = article
            .citations
            .iter()
            .map(|c| c.outcome.elapsed.as_secs_f64())
            .sum();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" time="{seconds:.3}">"#,
            escape(article.id.as_str()),
            article.citations.len(),
            article.problems(),
        )?;
        for checked in &article.citations {
            let c = &checked.citation;
            let o = &checked.outcome;
            write!(
                out,
                r#"    <testcase classname="{}" name="{}" file="{}" line="{}" time="{:.3}""#,
                escape(article.id.as_str()),
                escape(&format!("line {}: {}", c.line, c.display_url())),
                escape(&article.source.display().to_string()),
                c.line,
                o.elapsed.as_secs_f64(),
            )?;
            let misquoted = article.quotes_gate && checked.misquoted();
            if o.kind.is_fine() && !misquoted {
                writeln!(out, "/>")?;
                continue;
            }
            if o.kind.is_fine() {
                let quotes: Vec<String> = checked
                    .quotes
                    .iter()
                    .filter(|q| q.status == crate::quote::QuoteStatus::NotFound)
                    .map(|q| format!("\u{201c}{}\u{201d}", q.quote))
                    .collect();
                writeln!(out, ">")?;
                writeln!(
                    out,
                    r#"      <failure type="quote-not-found" message="quote-not-found">{}</failure>"#,
                    escape(&quotes.join("; ")),
                )?;
                writeln!(out, "    </testcase>")?;
                continue;
            }
            let status = o
                .http_status
                .map(|s| format!(" (HTTP {s})"))
                .unwrap_or_default();
            writeln!(out, ">")?;
            writeln!(
                out,
                r#"      <failure type="{}" message="{}{}">{}</failure>"#,
                o.kind,
                o.kind,
                status,
                escape(o.detail.as_deref().unwrap_or("")),
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            super::escape("<a href=\"x\">&'\u{1}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
    }
}
