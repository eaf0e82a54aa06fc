//! What a sweep reports: only what changed since the previous one, per citation, from the
//! verdicts before and after this run (replayed from the index through [`crate::verdict`]).

use crate::archive::sweeping::CheckRow;
use crate::content::similarity::Change;
use crate::verdict::{Event, Policy, Track, Verdict};
use serde::Serialize;
use std::io;

/// Something new about one citation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct News {
    pub article: String,
    pub source: String,
    pub line: u32,
    pub url: String,
    /// `newly-failing`, `newly-dead`, `newly-soft-404`, `newly-replaced`, `recovered`,
    /// `edited`, `appended`, `paywalled`, `replaced` (since the previous capture),
    /// `correction` (the source added one; `detail` holds it) or `quote-removed` (a passage
    /// the article quotes, there when cited, is gone; `detail` holds its paragraph).
    pub what: &'static str,
    /// The verdict now.
    pub verdict: &'static str,
    /// The outcome of this sweep's check.
    pub outcome: String,
    /// Its HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The link text the article cites the source with.
    pub anchor: Option<String>,
    pub detail: Option<String>,
    /// What to cite instead, one line each.
    pub instead: Vec<String>,
}

/// What the mail says after the news: the counts, and where to see the rest.
pub struct Closing {
    pub checked_urls: usize,
    pub not_checked_urls: usize,
    /// The command that shows the full audit.
    pub report_command: String,
}

/// The news of one citation, from its history (oldest first) and this run's id.
#[must_use]
pub fn news_of(history: &[CheckRow], run_id: i64, policy: &Policy) -> Vec<&'static str> {
    let event = |row: &CheckRow| {
        (
            row.at,
            Event::of(row.outcome, row.change_vs_reference, policy),
        )
    };
    let before = Verdict::replay(
        history.iter().filter(|r| r.run_id != run_id).map(event),
        policy,
    );
    let after = Verdict::replay(history.iter().map(event), policy);
    news_between(
        &before,
        &after,
        history.iter().rev().find(|r| r.run_id == run_id),
    )
}

/// The news of a run: the verdict before and after it, and the run's own (last) check.
#[must_use]
pub fn news_between(
    before: &Verdict,
    after: &Verdict,
    this: Option<&CheckRow>,
) -> Vec<&'static str> {
    let mut news = Vec::new();
    let failing_or_worse =
        |v: &Verdict| matches!(v, Verdict::Failing { .. } | Verdict::Confirmed { .. });
    match (before, after) {
        (b, Verdict::Failing { .. }) if !failing_or_worse(b) => news.push("newly-failing"),
        (b, Verdict::Confirmed { track, .. }) if !matches!(b, Verdict::Confirmed { track: t, .. } if t == track) =>
        {
            news.push(match track {
                Track::Dead => "newly-dead",
                Track::Soft404 => "newly-soft-404",
                Track::Replaced => "newly-replaced",
            });
        }
        (b, Verdict::Ok { .. }) if failing_or_worse(b) => news.push("recovered"),
        _ => {}
    }
    if let Some(this) = this {
        // A page back to its cited text has recovered, though it changed since last time.
        let back_to_reference = matches!(
            this.change_vs_reference,
            Some(Change::Unchanged | Change::Cosmetic)
        );
        match this.change_vs_previous {
            Some(Change::Edited | Change::Replaced)
                if back_to_reference && !news.contains(&"recovered") =>
            {
                news.push("recovered");
            }
            Some(Change::Edited | Change::Replaced) if back_to_reference => {}
            Some(Change::Edited) => news.push("edited"),
            Some(Change::Appended) => news.push("appended"),
            Some(Change::Paywalled) => news.push("paywalled"),
            Some(Change::Replaced) => news.push("replaced"),
            _ => {}
        }
        if this.correction.is_some() {
            news.push("correction");
        }
        if this.quote_removed.is_some() {
            news.push("quote-removed");
        }
    }
    news
}

/// The verdict name after the whole history.
#[must_use]
pub fn verdict_of(history: &[CheckRow], policy: &Policy) -> &'static str {
    Verdict::replay(
        history
            .iter()
            .map(|r| (r.at, Event::of(r.outcome, r.change_vs_reference, policy))),
        policy,
    )
    .name()
}

/// Text for cron mail: grouped by article, each item with its status, the link text, why and
/// what to cite instead, then the counts and the command that shows the rest. Writes nothing
/// when there is no news.
pub fn render_text(news: &[News], closing: &Closing, out: &mut dyn io::Write) -> io::Result<()> {
    use crate::printable::{elide_middle, escape_controls as clean, wrap};
    /// The width of a mail line: 80 columns, the URL elided in the middle, the rest wrapped.
    const WIDTH: usize = 80;
    const INDENT: usize = 9;
    if news.is_empty() {
        return Ok(());
    }
    let mut current: Option<&str> = None;
    for n in news {
        if current != Some(n.article.as_str()) {
            writeln!(out, "{} ({})", clean(&n.article), clean(&n.source))?;
            current = Some(&n.article);
        }
        let label = match n.http_status {
            Some(status) => format!("{} {status}", n.what),
            None => n.what.to_owned(),
        };
        let label_width = 19.max(label.chars().count() + 1);
        let location = format!("L{}", n.line);
        let room = WIDTH.saturating_sub(2 + 7 + label_width).max(20);
        writeln!(
            out,
            "  {location:<7}{label:<label_width$}{}",
            elide_middle(&clean(&n.url), room)
        )?;
        let mut more = vec![match n.anchor.as_deref().filter(|a| !a.is_empty()) {
            Some(anchor) => format!("now {}; cited as \"{}\"", n.verdict, clean(anchor)),
            None => format!("now {}", n.verdict),
        }];
        more.extend(n.detail.as_deref().map(|d| clean(d).into_owned()));
        more.extend(
            n.instead
                .iter()
                .map(|line| format!("instead: {}", clean(line))),
        );
        for line in more {
            for wrapped in wrap(&line, WIDTH - INDENT) {
                writeln!(out, "{:INDENT$}{wrapped}", "")?;
            }
        }
    }
    let problems = news.iter().filter(|n| n.what.starts_with("newly-")).count();
    let closing_line = format!(
        "{} news ({problems} new problems); {} URLs checked, {} not checked. The rest: {}",
        news.len(),
        closing.checked_urls,
        closing.not_checked_urls,
        closing.report_command
    );
    writeln!(out)?;
    for wrapped in wrap(&closing_line, WIDTH) {
        writeln!(out, "{wrapped}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::OutcomeKind;
    use std::time::Duration;

    #[test]
    fn a_page_back_to_its_cited_text_has_recovered_not_been_edited() {
        let mut back = row(2, 48, OutcomeKind::Ok);
        back.change_vs_previous = Some(Change::Edited);
        back.change_vs_reference = Some(Change::Unchanged);
        let ok = Verdict::Ok {
            since: jiff::Timestamp::UNIX_EPOCH,
        };
        assert_eq!(news_between(&ok, &ok, Some(&back)), ["recovered"]);
        back.change_vs_reference = Some(Change::Edited);
        assert_eq!(news_between(&ok, &ok, Some(&back)), ["edited"]);
    }

    #[test]
    fn the_mail_says_status_link_text_why_what_instead_and_where_the_rest_is() {
        let news = [News {
            article: "talks".into(),
            source: "desk/talks.md".into(),
            line: 12,
            url: "https://wire.example/2026/11/30/a-statement-by-the-ministry-of-foreign-affairs-on-the-talks"
                .into(),
            what: "newly-dead",
            verdict: "dead",
            outcome: "not-found".into(),
            http_status: Some(404),
            anchor: Some("the ministry's statement".into()),
            detail: Some("HTTP 404".into()),
            instead: vec![
                "our archived copy of 2026-11-01 09:00:00 UTC (provcheck show ...)".into(),
            ],
        }];
        let closing = Closing {
            checked_urls: 40,
            not_checked_urls: 0,
            report_command: "provcheck report".into(),
        };
        let mut out = Vec::new();
        render_text(&news, &closing, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "past 80 columns: {line}");
        }
        // (compared with its line breaks as spaces: the mail is wrapped at 80 columns)
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for part in [
            "talks (desk/talks.md)",
            "L12",
            "newly-dead",
            "404",
            "\"the ministry's statement\"",
            "HTTP 404",
            "instead: our archived copy",
            "1 news (1 new problems); 40 URLs checked, 0 not checked. The rest: provcheck report",
        ] {
            assert!(flat.contains(part), "{part} in {text}");
        }
        let mut quiet = Vec::new();
        render_text(&[], &closing, &mut quiet).unwrap();
        assert!(quiet.is_empty(), "no news, no mail");
    }

    fn row(run: i64, hours: i64, outcome: OutcomeKind) -> CheckRow {
        CheckRow {
            run_id: run,
            at: jiff::Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(hours),
            outcome,
            change_vs_reference: None,
            change_vs_previous: None,
            correction: None,
            quote_removed: None,
        }
    }

    #[test]
    fn news_is_the_difference_between_before_and_after() {
        use OutcomeKind::{NotFound, Ok};
        let policy = Policy {
            spacing: Duration::from_secs(3600),
            ..Policy::default()
        };
        assert!(news_of(&[row(1, 0, Ok)], 1, &policy).is_empty());
        assert_eq!(
            news_of(&[row(1, 0, Ok), row(2, 24, NotFound)], 2, &policy),
            ["newly-failing"]
        );
        assert!(
            news_of(
                &[row(1, 0, Ok), row(2, 24, NotFound), row(3, 48, NotFound)],
                3,
                &policy
            )
            .is_empty()
        );
        assert_eq!(
            news_of(
                &[
                    row(1, 0, Ok),
                    row(2, 24, NotFound),
                    row(3, 48, NotFound),
                    row(4, 72, NotFound)
                ],
                4,
                &policy
            ),
            ["newly-dead"]
        );
        assert_eq!(
            news_of(&[row(2, 24, NotFound), row(3, 48, Ok)], 3, &policy),
            ["recovered"]
        );
        let mut edited = row(2, 24, Ok);
        edited.change_vs_previous = Some(Change::Edited);
        assert_eq!(news_of(&[row(1, 0, Ok), edited], 2, &policy), ["edited"]);
    }
}
