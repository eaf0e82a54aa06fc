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
    /// `edited`, `appended`, `paywalled`, `replaced` (since the previous capture) or
    /// `correction` (the source added one; `detail` holds it).
    pub what: &'static str,
    /// The verdict now.
    pub verdict: &'static str,
    /// The outcome of this sweep's check.
    pub outcome: String,
    pub detail: Option<String>,
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
        match this.change_vs_previous {
            Some(Change::Edited) => news.push("edited"),
            Some(Change::Appended) => news.push("appended"),
            Some(Change::Paywalled) => news.push("paywalled"),
            Some(Change::Replaced) => news.push("replaced"),
            _ => {}
        }
        if this.correction.is_some() {
            news.push("correction");
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

/// Text for cron mail: grouped by article. Writes nothing when there is no news.
pub fn render_text(news: &[News], out: &mut dyn io::Write) -> io::Result<()> {
    use crate::printable::escape_controls as clean;
    let mut current: Option<&str> = None;
    for n in news {
        if current != Some(n.article.as_str()) {
            writeln!(out, "{} ({})", clean(&n.article), clean(&n.source))?;
            current = Some(&n.article);
        }
        write!(
            out,
            "  L{:<5} {:<15} now {:<13} {}",
            n.line,
            n.what,
            n.verdict,
            clean(&n.url)
        )?;
        if let Some(d) = &n.detail {
            write!(out, "  ({})", clean(d))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::OutcomeKind;
    use std::time::Duration;

    fn row(run: i64, hours: i64, outcome: OutcomeKind) -> CheckRow {
        CheckRow {
            run_id: run,
            at: jiff::Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(hours),
            outcome,
            change_vs_reference: None,
            change_vs_previous: None,
            correction: None,
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
