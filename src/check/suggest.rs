//! What to cite instead of a problem `check` found: the new URL of a permanent redirect, our own
//! last good capture of the source from an earlier run, and the Wayback Machine's capture closest
//! to today. The same suggestions as the audit report's, for the editor at the gate.

use super::{CheckReport, CheckedCitation};
use crate::archive::index::Index;
use crate::db::{OptionalExtension, params};
use crate::fetch::Fetcher;
use crate::outcome::OutcomeKind;
use crate::suggestion::{Suggestion, show_command};
use crate::wayback::{self, Answer, Query};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Whether a checked citation wants something to cite instead.
fn wants_replacement(c: &CheckedCitation) -> bool {
    // A citation the run never reached has no verdict: nothing to replace yet.
    !c.outcome.kind.is_fine()
        && c.outcome.kind != OutcomeKind::NotChecked
        && c.citation.target.url().is_some()
}

/// Our copy of what `url` said: the citation's reference (what it said when `article` cited
/// it), else the latest capture that was fine, from a run other than `run_id`. Only a capture
/// that was fine and complete, and not the very page the source shows now (`now`: a
/// not-found page that was once taken for the article must not be offered in its place).
fn archived_copy(
    index: &Index,
    (article, url): (&str, &str),
    now: Option<&str>,
    run_id: i64,
    (archive_arg, replay_url): (Option<&str>, Option<&str>),
) -> crate::db::Result<Option<Suggestion>> {
    let found: Option<(String, String)> = index
        .conn
        .prepare_cached(
            "SELECT s.captured_at, s.payload_sha256 FROM checks k JOIN urls u ON u.id = k.url_id
             JOIN snapshots s ON s.id = k.snapshot_id
             LEFT JOIN citations c ON c.url_id = u.id AND c.article_id = ?3
             WHERE u.url = ?1 AND k.run_id != ?2 AND k.outcome IN ('ok', 'redirected')
               AND (s.http_status BETWEEN 200 AND 299 OR s.http_status = 304)
               AND s.truncated IS NULL AND s.payload_sha256 IS DISTINCT FROM ?4
             ORDER BY s.id = c.reference_snapshot_id DESC, s.captured_at DESC, s.id DESC LIMIT 1",
        )?
        .query_row(params![url, run_id, article, now], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(found.map(|(captured_at, sha256)| Suggestion::ArchivedCopy {
        show: show_command(url, &captured_at, archive_arg),
        replay: replay_url.map(|t| crate::suggestion::replay_link(t, url, &captured_at)),
        captured_at,
        sha256,
    }))
}

/// Adds the new URL of each permanent redirect and, with an archive, our last good copy of each
/// problem source.
pub fn from_archive(
    report: &mut CheckReport,
    archive: Option<(&Index, i64, Option<&str>)>,
    replay_url: Option<&str>,
) -> crate::db::Result<()> {
    for a in &mut report.articles {
        let article = a.id.as_str().to_owned();
        for c in &mut a.citations {
            let outcome = &c.outcome;
            if outcome.kind == OutcomeKind::Redirected
                && outcome.permanent == Some(true)
                && let Some(to) = outcome.final_url()
                && Some(to) != c.citation.target.url()
            {
                c.suggestions.push(Suggestion::NewUrl {
                    url: to.to_string(),
                });
            }
            if !wants_replacement(c) {
                continue;
            }
            if let (Some((index, run_id, archive_arg)), Some(url)) =
                (archive, c.citation.target.url())
                && let Some(copy) = archived_copy(
                    index,
                    (&article, url.as_str()),
                    c.capture.as_ref().map(|s| s.payload_sha256.as_str()),
                    run_id,
                    (archive_arg, replay_url),
                )?
            {
                c.suggestions.push(copy);
            }
        }
    }
    Ok(())
}

/// The Wayback queries of a check: each problem URL, closest to the start of `today` (so that
/// answers cached during a day serve every check of that day).
#[must_use]
pub fn wayback_queries(report: &CheckReport, today: jiff::Timestamp) -> Vec<Query> {
    let day = format!("{}000000", today.strftime("%Y%m%d"));
    report
        .citations()
        .filter(|c| wants_replacement(c))
        .filter_map(|c| c.citation.target.url())
        .map(|u| (u.to_string(), day.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Looks up the queries not in `cached`, waiting at most `within` (a pre-publication check must
/// not wait on the Wayback Machine): what did not answer in time is a failed lookup.
pub async fn look_up_within(
    fetcher: Arc<Fetcher>,
    endpoint: &Url,
    queries: &[Query],
    within: Duration,
) -> HashMap<Query, Answer> {
    match tokio::time::timeout(within, wayback::look_up(fetcher, endpoint, queries)).await {
        Ok(answers) => answers,
        Err(_) => queries
            .iter()
            .map(|q| {
                (
                    q.clone(),
                    Answer::Failed(format!(
                        "Wayback lookup failed: no answer within {}",
                        humantime::format_duration(within)
                    )),
                )
            })
            .collect(),
    }
}

/// Adds the Wayback answers to each problem citation's suggestions.
pub fn apply_wayback<S: std::hash::BuildHasher>(
    report: &mut CheckReport,
    answers: &HashMap<Query, Answer, S>,
) {
    let by_url: HashMap<&str, (&Query, &Answer)> = answers
        .iter()
        .map(|(q, a)| (q.0.as_str(), (q, a)))
        .collect();
    for c in report.articles.iter_mut().flat_map(|a| &mut a.citations) {
        if !wants_replacement(c) {
            continue;
        }
        let Some(url) = c.citation.target.url() else {
            continue;
        };
        if let Some((query, answer)) = by_url.get(url.as_str()) {
            c.suggestions.push(wayback::suggestion(answer, &query.1));
        }
    }
}
