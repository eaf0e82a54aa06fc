//! What the report says about one listed citation: the latest check, the grade against the
//! reference with a short word diff, the captures' places and titles, and what to cite instead.

use super::gather::{CitationRow, HistoryRow};
use super::replay::event;
use super::{
    CaptureInfo, ChangeInfo, CitationReport, Filter, HeadlineInfo, LatestCheck, NewsItem,
    Soft404Info, Status,
};
use crate::archive::judging::TxStore;
use crate::content::diff::{Segment, word_diff_segments};
use crate::content::judge::{rewritten_headline, text_of_snapshot, title_of_snapshot};
use crate::content::similarity::Change;
use crate::db::OptionalExtension;
use crate::suggestion::{Suggestion, show_command};
use crate::verdict::{Event, Policy};
use std::collections::HashMap;
use std::path::Path;

/// Everything the report says about one listed citation.
#[allow(clippy::too_many_arguments)]
pub(super) fn describe(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    citation: &CitationRow,
    history: &[HistoryRow],
    status: Status,
    since: Option<String>,
    verdict: &'static str,
    news: Vec<NewsItem>,
    runs: &HashMap<i64, (String, String)>,
    filter: &Filter,
) -> crate::db::Result<CitationReport> {
    let show =
        |captured_at: &str| show_command(&citation.url, captured_at, filter.archive_arg.as_deref());
    let capture = |snapshot: i64| capture_info(tx, root, snapshot, &show);
    let reference = citation.reference.map(capture).transpose()?.flatten();
    let latest_capture = history
        .iter()
        .rev()
        .find_map(|r| r.snapshot)
        .map(capture)
        .transpose()?
        .flatten();
    let uncheckable = citation.uncheckable();
    let latest = history.last().map(|r| LatestCheck {
        at: r.checked_at.clone(),
        outcome: r.outcome.clone(),
        http_status: r.http_status,
        final_url: r.final_url.clone(),
        permanent: r.permanent,
        detail: r.detail.clone(),
    });
    let last_fine = history
        .iter()
        .rev()
        .find(|r| matches!(event(r, &Policy::default()).1, Event::Success))
        .map(|r| r.checked_at.clone());

    let change = change_info(tx, root, citation.reference, history)?;
    let soft404 = history
        .last()
        .filter(|r| r.outcome == "soft-404")
        .and_then(|r| r.evidence.as_deref())
        .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
        .map(|v| Soft404Info {
            rule: v["rule"].as_str().unwrap_or_default().to_owned(),
            detail: v["detail"].as_str().unwrap_or_default().to_owned(),
        });

    let mut suggestions = Vec::new();
    if status.wants_replacement() {
        // Our own copy: what it said when cited, else the last capture that was fine.
        let fine_capture = history
            .iter()
            .rev()
            .filter(|r| matches!(event(r, &Policy::default()).1, Event::Success))
            .find_map(|r| r.snapshot);
        if let Some(copy) = reference
            .clone()
            .or(fine_capture.map(capture).transpose()?.flatten())
        {
            suggestions.push(Suggestion::ArchivedCopy {
                replay: filter
                    .replay_url
                    .as_deref()
                    .map(|t| crate::suggestion::replay_link(t, &citation.url, &copy.captured_at)),
                captured_at: copy.captured_at,
                sha256: copy.sha256,
                show: copy.show,
            });
        }
    }
    if let Some(last) = history.last()
        && last.permanent == Some(true)
        && let Some(to) = &last.final_url
        && to != &citation.url
    {
        suggestions.push(Suggestion::NewUrl { url: to.clone() });
    }

    let quotes = quote_reports(
        tx,
        root,
        &citation.quotes,
        citation.reference,
        history.iter().rev().find_map(|r| r.snapshot),
    )?;
    let cited_at = runs
        .get(&citation.first_run)
        .map(|(_, started)| started.clone())
        .unwrap_or_default();
    Ok(CitationReport {
        line: citation.line,
        column: citation.column,
        section: citation.section.clone(),
        anchor: citation.anchor.clone(),
        url: citation.url.clone(),
        url_as_written: citation.url_as_written.clone(),
        status,
        since,
        verdict,
        cited_at,
        last_fine,
        checks: history.len(),
        latest,
        uncheckable,
        change,
        soft404,
        reference,
        latest_capture,
        news,
        suggestions,
        quotes,
    })
}

/// Each quotation against the reference's text and the latest capture's.
fn quote_reports(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    quotes: &[String],
    reference: Option<i64>,
    latest: Option<i64>,
) -> crate::db::Result<Vec<super::QuoteReport>> {
    if quotes.is_empty() {
        return Ok(Vec::new());
    }
    let text = |snapshot: Option<i64>| -> crate::db::Result<Option<String>> {
        match snapshot {
            Some(s) => Ok(text_of_snapshot(&mut TxStore::new(tx, root), s)?.and_then(|e| e.text)),
            None => Ok(None),
        }
    };
    let then = text(reference)?;
    let now = if latest == reference {
        then.clone()
    } else {
        text(latest)?
    };
    let view = |quote: &str, text: &Option<String>| {
        text.as_deref().map(|t| {
            let c = crate::quote::check(quote, t);
            super::QuoteView {
                status: c.status.as_str(),
                passage: c.passage,
                differences: c.differences,
            }
        })
    };
    Ok(quotes
        .iter()
        .map(|q| super::QuoteReport {
            quote: q.clone(),
            reference: view(q, &then),
            now: view(q, &now),
        })
        .collect())
}

/// The latest grade against the reference, with a short diff.
pub(super) fn change_info(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    reference: Option<i64>,
    history: &[HistoryRow],
) -> crate::db::Result<Option<ChangeInfo>> {
    let graded = history
        .iter()
        .rev()
        .find(|r| r.row.change_vs_reference.is_some());
    Ok(match graded {
        Some(row) => {
            let grade = row.row.change_vs_reference.unwrap_or(Change::Unchanged);
            let (excerpt, headline) = match (grade, reference, row.snapshot) {
                (
                    Change::Cosmetic | Change::Edited | Change::Appended | Change::Replaced,
                    Some(old),
                    Some(new),
                ) => {
                    let old = text_of_snapshot(&mut TxStore::new(tx, root), old)?;
                    let new = text_of_snapshot(&mut TxStore::new(tx, root), new)?;
                    let heading = |e: &Option<crate::content::Extracted>| {
                        e.as_ref().and_then(|e| e.heading.clone())
                    };
                    let headline =
                        rewritten_headline(heading(&old).as_deref(), heading(&new).as_deref()).map(
                            |h| HeadlineInfo {
                                before: h.before,
                                after: h.after,
                            },
                        );
                    let text = |e: Option<crate::content::Extracted>| e.and_then(|e| e.text);
                    let excerpt = match (text(old), text(new)) {
                        (Some(old), Some(new)) => excerpt(&old, &new),
                        _ => Vec::new(),
                    };
                    (excerpt, headline)
                }
                _ => (Vec::new(), None),
            };
            Some(ChangeInfo {
                grade: grade.as_str().to_owned(),
                similarity: row
                    .similarity_reference
                    .map(|s| (s * 1000.0).round() / 1000.0),
                at: row.checked_at.clone(),
                excerpt,
                headline,
            })
        }
        None => None,
    })
}

/// Where a capture lies, its digest, its title and the command that prints it.
pub(super) fn capture_info(
    tx: &crate::db::Transaction<'_>,
    root: &Path,
    snapshot: i64,
    show: &dyn Fn(&str) -> String,
) -> crate::db::Result<Option<CaptureInfo>> {
    let found = tx
        .prepare_cached(
            "SELECT s.captured_at, s.payload_sha256, s.http_status, r.record_type, f.path, r.offset,
                    u.url, s.payload_sha1
             FROM snapshots s JOIN records r ON r.id = s.record_id
             JOIN warc_files f ON f.id = r.warc_file_id JOIN urls u ON u.id = s.url_id
             WHERE s.id = ?1",
        )?
        .query_row([snapshot], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u16>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })
        .optional()?;
    let Some((captured_at, sha256, http_status, record_type, warc_file, offset, url, payload_sha1)) =
        found
    else {
        return Ok(None);
    };
    let title = if (200..300).contains(&http_status) || http_status == 304 {
        title_of_snapshot(&mut TxStore::new(tx, root), snapshot)?
    } else {
        None
    };
    Ok(Some(CaptureInfo {
        show: show(&captured_at),
        captured_at,
        sha256,
        http_status,
        record_type,
        warc_file,
        offset: offset.cast_unsigned(),
        title,
        witness: None,
        snapshot,
        url,
        payload_sha1,
    }))
}

/// A word diff short enough for a report: at most this many segments' worth of text.
pub(super) fn excerpt(old: &str, new: &str) -> Vec<Segment> {
    const BUDGET: usize = 600;
    let mut used = 0;
    let mut out = Vec::new();
    for mut segment in word_diff_segments(old, new, 6) {
        if used >= BUDGET {
            out.push(Segment {
                kind: "gap",
                text: "…".to_owned(),
            });
            break;
        }
        let room = BUDGET - used;
        if segment.text.len() > room {
            let mut cut = room;
            while !segment.text.is_char_boundary(cut) {
                cut -= 1;
            }
            segment.text.truncate(cut);
            segment.text.push('…');
        }
        used += segment.text.len();
        out.push(segment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_to_a_budget_on_a_character_boundary() {
        let old = "é ".repeat(2000);
        let new = "ü ".repeat(2000);
        let e = excerpt(&old, &new);
        let total: usize = e.iter().map(|s| s.text.len()).sum();
        assert!(total <= 620, "{total}");
        assert_eq!(e.last().unwrap().kind, "gap");
    }
}
