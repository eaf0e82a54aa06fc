//! A citation's history replayed under the verdict policy: its status now, since when, and its
//! news run by run (pure over the rows read).

use super::gather::{HistoryRow, NightAcc};
use super::{NewsItem, RunRef, Status};
use crate::content::similarity::Change;
use crate::sweep::news_between;
use crate::verdict::{Event, Policy, Verdict};
use std::collections::{BTreeMap, HashMap};

pub(super) fn event(row: &HistoryRow, policy: &Policy) -> (jiff::Timestamp, Event) {
    (
        row.row.at,
        Event::of(row.row.outcome, row.row.change_vs_reference, policy),
    )
}

/// The status now, since when, and the verdict's name.
pub(super) fn status_of(
    history: &[HistoryRow],
    policy: &Policy,
) -> (Status, Option<String>, &'static str) {
    let verdict = Verdict::replay(history.iter().map(|r| event(r, policy)), policy);
    let name = verdict.name();
    let since = verdict.since().map(crate::time::db_time);
    let status = match name {
        "dead" => Status::Dead,
        "soft-404" => Status::Soft404,
        "replaced" => Status::Replaced,
        "failing" => Status::Failing,
        "blocked" => Status::Blocked,
        "rate-limited" => Status::RateLimited,
        "unchecked" => Status::Unchecked,
        _ => Status::Ok,
    };
    if status != Status::Ok {
        return (status, since, name);
    }
    // Behind a subscription or login wall now: there, but not readable as cited.
    let walled = |r: &HistoryRow| r.row.change_vs_reference == Some(Change::Paywalled);
    if history.last().is_some_and(walled) {
        let start = history
            .iter()
            .rposition(|r| !walled(r))
            .map_or(0, |i| i + 1);
        return (
            Status::Blocked,
            history.get(start).map(|r| r.checked_at.clone()),
            name,
        );
    }
    // Fine by the verdict: still edited since it was cited, or moved for good?
    let trailing = |pred: &dyn Fn(&HistoryRow) -> bool| -> Option<String> {
        let start = history.iter().rposition(|r| !pred(r)).map_or(0, |i| i + 1);
        history.get(start).map(|r| r.checked_at.clone())
    };
    let moved = |r: &HistoryRow| r.outcome == "redirected" && r.permanent == Some(true);
    if history.last().is_some_and(moved) {
        return (Status::Moved, trailing(&moved), name);
    }
    // An append is an edit to the desk: the status says edited, the grade says appended.
    let edited = |r: &HistoryRow| {
        matches!(
            r.row.change_vs_reference,
            Some(Change::Edited | Change::Appended)
        )
    };
    if history.last().is_some_and(edited) {
        return (Status::Edited, trailing(&edited), name);
    }
    (Status::Ok, since, name)
}

/// The citation's news run by run; news in the period is added to the nights and returned.
pub(super) fn walk_news(
    history: &[HistoryRow],
    policy: &Policy,
    runs: &HashMap<i64, (String, String)>,
    in_period: &dyn Fn(&str) -> bool,
    nights: &mut BTreeMap<String, NightAcc>,
) -> Vec<NewsItem> {
    let mut items = Vec::new();
    let mut state = Verdict::Unchecked;
    let mut i = 0;
    while i < history.len() {
        let run_id = history[i].row.run_id;
        let before = state;
        let start = i;
        while i < history.len() && history[i].row.run_id == run_id {
            let (at, e) = event(&history[i], policy);
            state = state.step(e, at, policy);
            i += 1;
        }
        let last = &history[i - 1];
        let (kind, started_at) = runs
            .get(&run_id)
            .cloned()
            .unwrap_or_else(|| ("run".to_owned(), last.checked_at.clone()));
        if !in_period(&started_at) {
            continue;
        }
        let night = nights.entry(started_at[..10].to_owned()).or_default();
        night.runs.entry(run_id).or_insert_with(|| RunRef {
            id: run_id,
            kind,
            started_at: started_at.clone(),
        });
        night
            .checks
            .extend(history[start..i].iter().map(|r| r.check_id));
        for what in news_between(&before, &state, Some(&last.row)) {
            *night.news.entry(what).or_default() += 1;
            items.push(NewsItem {
                at: last.checked_at.clone(),
                what,
                detail: match what {
                    "correction" => last.row.correction.clone(),
                    "quote-removed" => last.row.quote_removed.clone(),
                    _ => None,
                },
            });
        }
    }
    items
}
