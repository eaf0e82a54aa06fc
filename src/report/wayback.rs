//! The report's use of the Wayback Machine: which citations want an answer, and the answers
//! added to their suggestions after our own archived copy.

use super::{AuditReport, citation_date};
use crate::suggestion::Suggestion;
use crate::wayback::{self, Answer, Query};
use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasher;

/// The query for each listed citation that wants something to cite instead.
#[must_use]
pub fn wayback_queries(report: &AuditReport) -> Vec<Query> {
    report
        .articles
        .iter()
        .flat_map(|a| &a.citations)
        .filter(|c| c.status.wants_replacement())
        .map(|c| (c.url.clone(), wayback::timestamp14(citation_date(c))))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Adds the answers to the report's suggestions, after our own archived copy.
pub fn apply_wayback<S: BuildHasher>(
    report: &mut AuditReport,
    answers: &HashMap<Query, Answer, S>,
) {
    for citation in report.articles.iter_mut().flat_map(|a| &mut a.citations) {
        if !citation.status.wants_replacement() {
            continue;
        }
        let cited = wayback::timestamp14(citation_date(citation));
        let Some(answer) = answers.get(&(citation.url.clone(), cited.clone())) else {
            continue;
        };
        let at = citation
            .suggestions
            .iter()
            .position(|s| !matches!(s, Suggestion::ArchivedCopy { .. }))
            .unwrap_or(citation.suggestions.len());
        citation
            .suggestions
            .insert(at, wayback::suggestion(answer, &cited));
    }
}
