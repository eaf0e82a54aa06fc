//! Renders an [`AuditReport`]: HTML (one self-contained file), Markdown, CSV, JSON. Pure: the
//! report in, bytes out; nothing here reads a clock or the archive.
//!
//! HTML and Markdown come from templates (`templates/`) rendered by minijinja with escaping on by
//! default: every value is HTML-escaped in the `.html` template and Markdown-escaped in the `.md`
//! one, so text from sources and articles (titles, URLs, anchors, diffs) can never become markup.
//! Only URLs with an `http` or `https` scheme are ever made links.

use super::{AuditReport, CitationReport};
use crate::suggestion::suggestion_text;
use crate::time::{display_time, wayback_time};
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State};
use std::io;

/// The formats `provcheck report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Csv,
    Json,
}

/// The name of the Markdown auto-escape mode.
const MARKDOWN_ESCAPE: &str = "markdown";

const HTML: &str = include_str!("templates/report.html");
const MARKDOWN: &str = include_str!("templates/report.md");

/// Writes the report in `format`.
pub fn render(report: &AuditReport, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Csv => csv(report, out),
        Format::Html => template("report.html", report, out),
        Format::Markdown => template("report.md", report, out),
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| match name {
        "report.html" => AutoEscape::Html,
        "report.md" => AutoEscape::Custom(MARKDOWN_ESCAPE.into()),
        _ => AutoEscape::None,
    });
    env.set_formatter(markdown_formatter);
    env.add_filter("time", |t: &str| display_time(t));
    env.add_filter("wbtime", |t: &str| wayback_time(t));
    env.add_filter("code", code_span);
    env.add_filter("short", |sha: &str| {
        sha.chars().take(12).collect::<String>()
    });
    env.add_test("weburl", |u: &str| is_web_url(u));
    env.add_template("report.html", HTML)
        .expect("the HTML template parses");
    env.add_template("report.md", MARKDOWN)
        .expect("the Markdown template parses");
    env
}

fn template(name: &str, report: &AuditReport, out: &mut dyn io::Write) -> io::Result<()> {
    let env = environment();
    let text = env
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { r => Value::from(Serde(report)) }))
        .map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}

/// Escapes every value written into the Markdown template; everything else goes to minijinja's
/// own formatter (HTML escaping for `.html`).
fn markdown_formatter(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if !matches!(state.auto_escape(), AutoEscape::Custom(name) if name == MARKDOWN_ESCAPE) {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    let text = value.to_string();
    let written = if value.is_safe() {
        text
    } else {
        markdown_escape(&text)
    };
    out.write_str(&written)
        .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
}

/// Text that Markdown shows as written: punctuation that could start markup is backslash-escaped
/// and line breaks become spaces (a value never starts a block of its own).
#[must_use]
pub fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '!'
            | '|' | '~' | '&' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span holding `text` literally, whatever backticks it contains.
fn code_span(text: &str) -> Value {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Value::from_safe_string(format!("{fence} {clean} {fence}"))
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// A spreadsheet cell that cannot be read as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

const CSV_HEADER: &[&str] = &[
    "article",
    "article_path",
    "line",
    "column",
    "section",
    "url",
    "url_as_written",
    "anchor",
    "status",
    "since",
    "verdict",
    "cited_at",
    "last_fine",
    "checks",
    "latest_checked_at",
    "latest_outcome",
    "http_status",
    "final_url",
    "change",
    "similarity",
    "headline_before",
    "headline_after",
    "soft404_rule",
    "soft404_detail",
    "reference_captured_at",
    "reference_sha256",
    "reference_warc_file",
    "reference_offset",
    "latest_captured_at",
    "latest_sha256",
    "latest_warc_file",
    "latest_offset",
    "reference_witness",
    "reference_witness_url",
    "latest_witness",
    "latest_witness_url",
    "show_reference",
    "suggestions",
    "quotes",
];

fn csv_row(article: &super::ArticleReport, c: &CitationReport) -> Vec<String> {
    let opt = |v: Option<&str>| v.unwrap_or_default().to_owned();
    let latest = c.latest.as_ref();
    let reference = c.reference.as_ref();
    let capture = c.latest_capture.as_ref();
    let headline = c.change.as_ref().and_then(|ch| ch.headline.as_ref());
    vec![
        article.id.clone(),
        article.path.clone(),
        c.line.to_string(),
        c.column.to_string(),
        c.section.clone(),
        c.url.clone(),
        c.url_as_written.clone(),
        opt(c.anchor.as_deref()),
        c.status.as_str().to_owned(),
        opt(c.since.as_deref()),
        c.verdict.to_owned(),
        c.cited_at.clone(),
        opt(c.last_fine.as_deref()),
        c.checks.to_string(),
        opt(latest.map(|l| l.at.as_str())),
        opt(latest
            .map(|l| l.outcome.as_str())
            .or(c.uncheckable.map(|_| "uncheckable"))),
        latest
            .and_then(|l| l.http_status)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        opt(latest.and_then(|l| l.final_url.as_deref())),
        opt(c.change.as_ref().map(|ch| ch.grade.as_str())),
        c.change
            .as_ref()
            .and_then(|ch| ch.similarity)
            .map(|s| format!("{s:.3}"))
            .unwrap_or_default(),
        opt(headline.map(|h| h.before.as_str())),
        opt(headline.map(|h| h.after.as_str())),
        opt(c.soft404.as_ref().map(|s| s.rule.as_str())),
        opt(c.soft404.as_ref().map(|s| s.detail.as_str())),
        opt(reference.map(|r| r.captured_at.as_str())),
        opt(reference.map(|r| r.sha256.as_str())),
        opt(reference.map(|r| r.warc_file.as_str())),
        reference.map(|r| r.offset.to_string()).unwrap_or_default(),
        opt(capture.map(|r| r.captured_at.as_str())),
        opt(capture.map(|r| r.sha256.as_str())),
        opt(capture.map(|r| r.warc_file.as_str())),
        capture.map(|r| r.offset.to_string()).unwrap_or_default(),
        opt(reference.and_then(|r| r.witness.as_ref()).map(|w| w.status)),
        opt(reference
            .and_then(|r| r.witness.as_ref())
            .and_then(|w| w.url.as_deref())),
        opt(capture.and_then(|r| r.witness.as_ref()).map(|w| w.status)),
        opt(capture
            .and_then(|r| r.witness.as_ref())
            .and_then(|w| w.url.as_deref())),
        opt(reference.map(|r| r.show.as_str())),
        c.suggestions
            .iter()
            .map(suggestion_text)
            .collect::<Vec<_>>()
            .join("; "),
        c.quotes
            .iter()
            .map(|q| {
                let now = q.now.as_ref().map_or("unchecked", |v| v.status);
                format!("{now}: \u{201c}{}\u{201d}", q.quote)
            })
            .collect::<Vec<_>>()
            .join("; "),
    ]
}

fn csv(report: &AuditReport, out: &mut dyn io::Write) -> io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    for article in &report.articles {
        for c in &article.citations {
            writer.write_record(csv_row(article, c).iter().map(|v| cell(v)))?;
        }
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::diff::Segment;
    use crate::report::{
        ArticleReport, CaptureInfo, ChangeInfo, Count, HeadlineInfo, LatestCheck, NewsItem, Night,
        RunRef, Soft404Info, Status, Summary,
    };
    use crate::suggestion::Suggestion;

    fn capture(at: &str, sha: char, offset: u64, title: &str) -> CaptureInfo {
        CaptureInfo {
            captured_at: at.into(),
            sha256: sha.to_string().repeat(64),
            http_status: 200,
            record_type: "response".into(),
            warc_file: "warc/2026/11/provcheck-20261101000000-1-00001.warc.gz".into(),
            offset,
            title: Some(title.into()),
            show: format!("provcheck show 'https://news.example/a?id=1' --at {at}"),
            witness: None,
            snapshot: i64::from(u8::try_from(sha).unwrap_or(0)),
            url: "https://news.example/a?id=1".into(),
            payload_sha1: sha.to_string().repeat(32),
        }
    }

    fn citation(status: Status, line: u32, url: &str) -> CitationReport {
        CitationReport {
            line,
            column: 3,
            section: "provenance".into(),
            anchor: None,
            url: url.into(),
            url_as_written: url.into(),
            status,
            since: Some("2026-11-20T02:00:00.000000Z".into()),
            verdict: "dead",
            cited_at: "2026-11-01T09:00:00.000000Z".into(),
            last_fine: Some("2026-11-18T02:00:00.000000Z".into()),
            checks: 20,
            latest: None,
            uncheckable: None,
            change: None,
            soft404: None,
            reference: None,
            latest_capture: None,
            news: Vec::new(),
            suggestions: Vec::new(),
            quotes: Vec::new(),
        }
    }

    /// A report with one of everything, hostile text included.
    #[allow(clippy::too_many_lines)] // one value, written out for the reader
    fn fixture() -> AuditReport {
        let mut dead = citation(Status::Dead, 12, "https://news.example/a?id=1");
        dead.anchor = Some("<script>alert(1)</script> & \"friends\"".into());
        dead.latest = Some(LatestCheck {
            at: "2026-11-22T02:00:00.000000Z".into(),
            outcome: "not-found".into(),
            http_status: Some(404),
            final_url: Some("https://news.example/a?id=1".into()),
            permanent: None,
            detail: None,
        });
        dead.reference = Some(capture(
            "2026-11-01T09:00:00.000000Z",
            'a',
            1043,
            "<img src=x onerror=alert(2)> | *Talks* [resume](javascript:alert(3))",
        ));
        if let Some(reference) = dead.reference.as_mut() {
            reference.witness = Some(crate::report::WitnessInfo {
                status: "witnessed",
                timestamp: Some("20261101093000".into()),
                url: Some(
                    "https://web.archive.org/web/20261101093000/https://news.example/a?id=1&x=\"<b>\""
                        .into(),
                ),
                similarity: None,
            });
        }
        dead.news = vec![NewsItem {
            at: "2026-11-22T02:00:00.000000Z".into(),
            what: "newly-dead",
            detail: None,
        }];
        dead.suggestions = vec![
            Suggestion::ArchivedCopy {
                captured_at: "2026-11-01T09:00:00.000000Z".into(),
                sha256: "a".repeat(64),
                show:
                    "provcheck show 'https://news.example/a?id=1' --at 2026-11-01T09:00:00.000000Z"
                        .into(),
                replay: Some(
                    "https://replay.desk.example/evidence/20261101090000/https://news.example/a?id=1"
                        .into(),
                ),
            },
            Suggestion::Wayback {
                url: "http://web.archive.org/web/20261031120000/https://news.example/a?id=1".into(),
                timestamp: "20261031120000".into(),
                after_citation: false,
            },
        ];
        let mut soft = citation(Status::Soft404, 13, "https://wire.example/b");
        soft.verdict = "soft-404";
        soft.soft404 = Some(Soft404Info {
            rule: "title".into(),
            detail: "title \"Page not found\"".into(),
        });
        soft.suggestions = vec![
            Suggestion::WaybackNone,
            Suggestion::WaybackFailed {
                detail: "Wayback lookup failed: timeout".into(),
            },
        ];
        let mut edited = citation(Status::Edited, 14, "https://wire.example/c");
        edited.verdict = "ok";
        edited.change = Some(ChangeInfo {
            grade: "edited".into(),
            similarity: Some(0.617),
            at: "2026-11-22T02:00:00.000000Z".into(),
            headline: Some(HeadlineInfo {
                before: "Deal expected to pass".into(),
                after: "Deal <i>could collapse</i>".into(),
            }),
            excerpt: vec![
                Segment {
                    kind: "gap",
                    text: "…".into(),
                },
                Segment {
                    kind: "same",
                    text: "the deal ".into(),
                },
                Segment {
                    kind: "removed",
                    text: "would pass".into(),
                },
                Segment {
                    kind: "added",
                    text: "<b>could collapse</b>".into(),
                },
            ],
        });
        edited.latest_capture = Some(capture("2026-11-22T02:00:00.000000Z", 'b', 88, "Talks"));
        if let Some(latest) = edited.latest_capture.as_mut() {
            latest.witness = Some(crate::report::WitnessInfo {
                status: "witness-differs",
                timestamp: Some("20261123000000".into()),
                url: Some(
                    "https://web.archive.org/web/20261123000000/https://wire.example/c".into(),
                ),
                similarity: Some(0.412),
            });
        }
        edited.quotes = vec![crate::report::QuoteReport {
            quote: "the deal <b>would</b> pass".into(),
            reference: Some(crate::report::QuoteView {
                status: "found",
                passage: Some("the deal would pass".into()),
                differences: Vec::new(),
            }),
            now: Some(crate::report::QuoteView {
                status: "not-found",
                passage: Some("the deal could collapse".into()),
                differences: vec![crate::quote::Difference {
                    quoted: "would pass".into(),
                    source: "could collapse".into(),
                }],
            }),
        }];
        let mut moved = citation(Status::Moved, 2, "https://old.example/d");
        moved.verdict = "ok";
        moved.suggestions = vec![Suggestion::NewUrl {
            url: "https://new.example/d".into(),
        }];
        let count = |name, count| Count { name, count };
        AuditReport {
            schema_version: 1,
            policy: crate::report::PolicyInfo::of(
                &crate::verdict::Policy::default(),
                Some("2026-11-01T09:00:00.000000Z".into()),
            ),
            as_of: Some("2026-11-22T02:00:05.000000Z".into()),
            since: Some("2026-11-15T02:00:05.000000Z".into()),
            chain_head: None,
            summary: Summary {
                articles: 3,
                articles_checked: 3,
                articles_affected: 2,
                citations: 6,
                by_status: vec![
                    count("dead", 1),
                    count("soft-404", 1),
                    count("edited", 1),
                    count("moved", 1),
                    count("ok", 2),
                ],
                listed: 4,
                not_listed: 2,
            },
            nights: vec![Night {
                date: "2026-11-22".into(),
                runs: vec![RunRef {
                    id: 7,
                    kind: "sweep".into(),
                    started_at: "2026-11-22T02:00:00.000000Z".into(),
                }],
                checks: 6,
                news: vec![count("edited", 1), count("newly-dead", 1)],
            }],
            articles: vec![
                ArticleReport {
                    id: "2026_talks_resume".into(),
                    path: "desk/2026_talks_resume.txt".into(),
                    citations: vec![dead, soft, edited],
                    counts: vec![
                        count("dead", 1),
                        count("soft-404", 1),
                        count("edited", 1),
                        count("ok", 1),
                    ],
                    not_listed: 1,
                },
                ArticleReport {
                    id: "floods<b>".into(),
                    path: "desk/floods.md".into(),
                    citations: vec![moved],
                    counts: vec![count("moved", 1), count("ok", 1)],
                    not_listed: 1,
                },
            ],
        }
    }

    fn rendered(format: Format) -> String {
        let mut out = Vec::new();
        render(&fixture(), format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(rendered(Format::Html));
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(rendered(Format::Markdown));
    }

    #[test]
    fn csv_snapshot() {
        insta::assert_snapshot!(rendered(Format::Csv));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(rendered(Format::Json));
    }

    #[test]
    fn markdown_escaping_leaves_no_markup() {
        let hostile = "<script>alert(1)</script> [x](javascript:alert(1)) **b** `c` | d\n# e";
        let escaped = markdown_escape(hostile);
        assert_eq!(
            escaped,
            r"\<script\>alert\(1\)\</script\> \[x\]\(javascript:alert\(1\)\) \*\*b\*\* \`c\` \| d \# e"
        );
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("a `b` c").to_string(), "`` a `b` c ``");
        assert_eq!(code_span("plain").to_string(), "` plain `");
    }

    #[test]
    fn spreadsheet_cells_never_start_a_formula() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("https://a"), "https://a");
    }

    #[test]
    fn only_web_urls_are_links() {
        assert!(is_web_url("https://example.com/"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
    }

    #[test]
    fn times_read_as_utc() {
        assert_eq!(
            display_time("2026-11-28T16:15:55.565149Z"),
            "2026-11-28 16:15:55 UTC"
        );
        assert_eq!(wayback_time("20130919044612"), "2013-09-19 04:46:12 UTC");
    }
}
