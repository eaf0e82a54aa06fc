//! The report's use of an independent witness: which captures it is asked about (the
//! reference and the latest capture of each listed citation, when they hold a response), and
//! its answers added to them.

use super::{AuditReport, CaptureInfo, WitnessInfo};
use crate::witness::{Query, Witness};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// The captures the report lists, once each.
fn captures_mut(report: &mut AuditReport) -> impl Iterator<Item = &mut CaptureInfo> {
    report
        .articles
        .iter_mut()
        .flat_map(|a| &mut a.citations)
        .flat_map(|c| [c.reference.as_mut(), c.latest_capture.as_mut()])
        .flatten()
}

fn query_of(capture: &CaptureInfo) -> Query {
    Query {
        snapshot: capture.snapshot,
        url: capture.url.clone(),
        captured_at: capture.captured_at.clone(),
        sha1: capture.payload_sha1.clone(),
    }
}

/// The witness query of each capture the report lists (a response, not a redirect hop's or
/// an error's page), once each.
#[must_use]
pub fn witness_queries(report: &AuditReport) -> Vec<Query> {
    let mut queries = BTreeMap::new();
    for capture in report
        .articles
        .iter()
        .flat_map(|a| &a.citations)
        .flat_map(|c| [c.reference.as_ref(), c.latest_capture.as_ref()])
        .flatten()
        .filter(|c| (200..300).contains(&c.http_status) || c.http_status == 304)
    {
        queries
            .entry(capture.snapshot)
            .or_insert_with(|| query_of(capture));
    }
    queries.into_values().collect()
}

/// Adds each answer to the captures it is about (failures are left out: said on stderr).
pub fn apply_witness<S: BuildHasher>(
    report: &mut AuditReport,
    answers: &HashMap<Query, Witness, S>,
) {
    for capture in captures_mut(report) {
        let Some(answer) = answers.get(&query_of(capture)) else {
            continue;
        };
        capture.witness = match answer {
            Witness::Witnessed { timestamp, url } => Some(WitnessInfo {
                status: answer.as_str(),
                timestamp: Some(timestamp.clone()),
                url: Some(url.clone()),
                similarity: None,
            }),
            Witness::Differs {
                timestamp,
                url,
                similarity,
            } => Some(WitnessInfo {
                status: answer.as_str(),
                timestamp: Some(timestamp.clone()),
                url: Some(url.clone()),
                similarity: *similarity,
            }),
            Witness::None => Some(WitnessInfo {
                status: answer.as_str(),
                timestamp: None,
                url: None,
                similarity: None,
            }),
            Witness::Failed(_) => None,
        };
    }
}
