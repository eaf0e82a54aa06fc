//! Reading the report from the index: the active citations, each one's history of checks, and
//! the counts and nights over them; one read transaction, so the report is one point in time.

use super::evidence::describe;
use super::replay::{status_of, walk_news};
use super::{
    ArticleReport, AuditReport, CitationReport, Count, Filter, Night, PolicyInfo,
    REPORT_SCHEMA_VERSION, RunRef, Since, Status, Summary,
};
use crate::archive::index::Index;
use crate::archive::sweeping::{CarryForward, CheckRow};
use crate::content::similarity::Change;
use crate::db::params;
use crate::outcome::OutcomeKind;
use crate::verdict::Policy;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A citation as the index has it.
pub(super) struct CitationRow {
    pub(super) id: i64,
    pub(super) article: String,
    pub(super) line: u32,
    pub(super) column: u32,
    pub(super) section: String,
    pub(super) anchor: Option<String>,
    pub(super) url_as_written: String,
    pub(super) url: String,
    pub(super) url_id: Option<i64>,
    pub(super) reference: Option<i64>,
    pub(super) first_run: i64,
    /// The passages the article quotes from the source.
    pub(super) quotes: Vec<String>,
}

/// The newest run manifest (none in an archive from before manifests, which has no such table).
fn chain_head(tx: &crate::db::Transaction<'_>) -> Option<super::ChainHead> {
    tx.query_row(
        "SELECT run_id, sha256, created_at, tsa_time FROM manifests ORDER BY run_id DESC LIMIT 1",
        (),
        |r| {
            Ok(super::ChainHead {
                run: r.get(0)?,
                sha256: r.get(1)?,
                sealed_at: r.get(2)?,
                time_stamp: r.get(3)?,
            })
        },
    )
    .ok()
}

impl CitationRow {
    /// Why this citation can never be checked, when it cannot: it names no http(s) URL (a
    /// relative link without a base, a malformed one), and is not one of the links that are not
    /// sources (`mailto:` and the like, skipped).
    pub(super) fn uncheckable(&self) -> Option<&'static str> {
        if self.url_id.is_some() {
            return None;
        }
        let written = self.url_as_written.trim().to_ascii_lowercase();
        let scheme = written.split_once(':').map(|(s, _)| s).filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        match scheme {
            Some("mailto" | "tel" | "sms" | "javascript" | "data") => None,
            Some("http" | "https") => Some("not a valid URL"),
            Some(_) => Some("not an http(s) URL: it is never fetched"),
            None => Some(
                "a relative link with no base URL to resolve it against: give --base-url, or \
                 base_urls in the configuration",
            ),
        }
    }
}

/// One check of a citation's URL, with its judgement for that citation.
pub(super) struct HistoryRow {
    pub(super) check_id: i64,
    pub(super) row: CheckRow,
    pub(super) checked_at: String,
    pub(super) outcome: String,
    pub(super) http_status: Option<u16>,
    pub(super) final_url: Option<String>,
    pub(super) permanent: Option<bool>,
    pub(super) detail: Option<String>,
    pub(super) evidence: Option<String>,
    pub(super) snapshot: Option<i64>,
    pub(super) similarity_reference: Option<f64>,
    /// The citation's quotations as checked against this capture (JSON), when judged.
    pub(super) quotes: Option<String>,
}

/// Reads the report from the index. Texts needed for diffs and titles are extracted from the
/// archived payloads and cached in the index, so the index is opened for writing.
pub fn gather(
    root: &Path,
    index: &mut Index,
    filter: &Filter,
    policy: &Policy,
) -> crate::db::Result<AuditReport> {
    let tx = index.conn.transaction()?;
    let runs: HashMap<i64, (String, String)> = tx
        .prepare("SELECT id, kind, started_at FROM runs")?
        .query_map((), |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<crate::db::Result<_>>()?;
    let articles: BTreeMap<String, String> = tx
        .prepare("SELECT id, path FROM articles ORDER BY id")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<BTreeMap<_, _>>>()?
        .into_iter()
        .filter(|(id, _)| filter.articles.is_empty() || filter.articles.contains(id))
        .collect();
    let citations: Vec<CitationRow> = active_citations(&tx)?
        .into_iter()
        .filter(|c| articles.contains_key(&c.article))
        .collect();

    let mut histories = Vec::with_capacity(citations.len());
    for citation in &citations {
        histories.push(history(&tx, citation)?);
    }
    let as_of = histories
        .iter()
        .flat_map(|h| h.iter().map(|r| r.checked_at.as_str()))
        .max()
        .map(str::to_owned);
    let cutoff: Option<String> = filter.since.map(|since| match since {
        Since::At(at) => crate::time::db_time(at),
        Since::Ago(ago) => {
            let latest = as_of
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let ago = jiff::SignedDuration::try_from(ago).unwrap_or(jiff::SignedDuration::MAX);
            crate::time::db_time(latest.checked_sub(ago).unwrap_or(jiff::Timestamp::MIN))
        }
    });
    let in_period = |at: &str| cutoff.as_deref().is_none_or(|c| at >= c);

    let mut nights: BTreeMap<String, NightAcc> = BTreeMap::new();
    let mut by_article: BTreeMap<&str, Vec<(Status, Option<CitationReport>)>> = BTreeMap::new();
    for (citation, history) in citations.iter().zip(&histories) {
        let (mut status, since, verdict) = status_of(history, policy);
        // Live, but no longer saying what the article quotes it as saying.
        if matches!(status, Status::Ok | Status::Edited | Status::Moved) && misquoted(history) {
            status = Status::Misquoted;
        }
        let news = walk_news(history, policy, &runs, &in_period, &mut nights);
        let checked_in_period = history.iter().any(|r| in_period(&r.checked_at));
        let wanted = if filter.statuses.is_empty() {
            status.is_problem() || filter.all || citation.uncheckable().is_some()
        } else {
            filter.statuses.contains(&status)
        };
        let recent = cutoff.is_none()
            || !news.is_empty()
            || (checked_in_period && since.as_deref().is_some_and(&in_period));
        let listed = (wanted && recent)
            .then(|| {
                describe(
                    &tx, root, citation, history, status, since, verdict, news, &runs, filter,
                )
            })
            .transpose()?;
        by_article
            .entry(citation.article.as_str())
            .or_default()
            .push((status, listed));
    }

    let mut checked_articles = BTreeSet::new();
    for (citation, history) in citations.iter().zip(&histories) {
        if !history.is_empty() {
            checked_articles.insert(citation.article.as_str());
        }
    }
    let assembled = assemble(by_article, &articles, filter.all);
    let chain_head = chain_head(&tx);
    tx.commit()?;

    Ok(AuditReport {
        schema_version: REPORT_SCHEMA_VERSION,
        policy: PolicyInfo::of(policy, None),
        chain_head,
        as_of,
        since: cutoff,
        summary: Summary {
            articles: articles.len(),
            articles_checked: checked_articles.len(),
            articles_affected: assembled.affected,
            citations: citations.len(),
            by_status: Status::ALL
                .iter()
                .map(|s| Count {
                    name: s.as_str(),
                    count: assembled.totals.get(s).copied().unwrap_or(0),
                })
                .collect(),
            listed: assembled.listed,
            not_listed: assembled.not_listed,
        },
        nights: nights.into_iter().map(|(date, n)| n.finish(date)).collect(),
        articles: assembled.articles,
    })
}

/// Articles with their listed citations, and the counts over all of them.
pub(super) struct Assembled {
    articles: Vec<ArticleReport>,
    totals: BTreeMap<Status, usize>,
    listed: usize,
    not_listed: usize,
    affected: usize,
}

/// Groups the citations by article, problems first.
pub(super) fn assemble(
    by_article: BTreeMap<&str, Vec<(Status, Option<CitationReport>)>>,
    articles: &BTreeMap<String, String>,
    all: bool,
) -> Assembled {
    let mut totals: BTreeMap<Status, usize> = BTreeMap::new();
    let mut article_reports = Vec::new();
    let (mut listed_total, mut not_listed_total) = (0, 0);
    let mut affected = 0;
    for (id, entries) in by_article {
        let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
        for (status, _) in &entries {
            *counts.entry(*status).or_default() += 1;
            *totals.entry(*status).or_default() += 1;
        }
        // A citation that can never be checked (listed with why) affects its article too.
        if entries
            .iter()
            .any(|(s, c)| s.is_problem() || c.as_ref().is_some_and(|c| c.uncheckable.is_some()))
        {
            affected += 1;
        }
        let total = entries.len();
        let mut listed: Vec<CitationReport> = entries.into_iter().filter_map(|(_, c)| c).collect();
        listed.sort_by(|a, b| {
            (a.status, a.line, a.column, &a.url).cmp(&(b.status, b.line, b.column, &b.url))
        });
        listed_total += listed.len();
        not_listed_total += total - listed.len();
        if listed.is_empty() && !all {
            continue;
        }
        article_reports.push(ArticleReport {
            id: id.to_owned(),
            path: articles.get(id).cloned().unwrap_or_default(),
            not_listed: total - listed.len(),
            counts: counts
                .into_iter()
                .map(|(s, count)| Count {
                    name: s.as_str(),
                    count,
                })
                .collect(),
            citations: listed,
        });
    }
    // Problems first: the article whose worst citation is worst, then by id.
    article_reports.sort_by(|a, b| {
        let worst = |r: &ArticleReport| r.citations.first().map_or(Status::Ok, |c| c.status);
        (worst(a), &a.id).cmp(&(worst(b), &b.id))
    });
    Assembled {
        articles: article_reports,
        totals,
        listed: listed_total,
        not_listed: not_listed_total,
        affected,
    }
}

#[derive(Default)]
pub(super) struct NightAcc {
    pub(super) runs: BTreeMap<i64, RunRef>,
    pub(super) checks: BTreeSet<i64>,
    pub(super) news: BTreeMap<&'static str, usize>,
}

impl NightAcc {
    fn finish(self, date: String) -> Night {
        Night {
            date,
            runs: self.runs.into_values().collect(),
            checks: self.checks.len(),
            news: self
                .news
                .into_iter()
                .map(|(name, count)| Count { name, count })
                .collect(),
        }
    }
}

/// Every citation still in its article, in article and position order.
pub(super) fn active_citations(
    tx: &crate::db::Transaction<'_>,
) -> crate::db::Result<Vec<CitationRow>> {
    tx.prepare(
        "SELECT c.id, c.article_id, c.line, c.col, c.section, c.anchor, c.url_as_written,
                    c.url_key, c.url_id, c.reference_snapshot_id, c.first_run_id, c.quotes
             FROM citations c WHERE c.retired_run_id IS NULL
             ORDER BY c.article_id, c.line, c.col, c.url_key",
    )?
    .query_map((), |r| {
        Ok(CitationRow {
            id: r.get(0)?,
            article: r.get(1)?,
            line: r.get(2)?,
            column: r.get(3)?,
            section: r.get(4)?,
            anchor: r.get(5)?,
            url_as_written: r.get(6)?,
            url: r.get(7)?,
            url_id: r.get(8)?,
            reference: r.get(9)?,
            first_run: r.get(10)?,
            quotes: r
                .get::<_, Option<String>>(11)?
                .and_then(|q| serde_json::from_str(&q).ok())
                .unwrap_or_default(),
        })
    })?
    .collect()
}

/// Whether the latest judged capture lacks a quotation of the citation.
fn misquoted(history: &[HistoryRow]) -> bool {
    history
        .iter()
        .rev()
        .find_map(|r| r.quotes.as_deref())
        .and_then(|q| serde_json::from_str::<Vec<crate::quote::QuoteResult>>(q).ok())
        .is_some_and(|q| {
            q.iter()
                .any(|r| r.status == crate::quote::QuoteStatus::NotFound)
        })
}

/// Every check of the citation's URL, oldest first.
pub(super) fn history(
    tx: &crate::db::Transaction<'_>,
    citation: &CitationRow,
) -> crate::db::Result<Vec<HistoryRow>> {
    let Some(url_id) = citation.url_id else {
        return Ok(Vec::new());
    };
    let mut stmt = tx.prepare_cached(
        "SELECT k.id, k.run_id, k.checked_at, k.outcome, k.http_status, k.final_url, k.permanent,
                k.detail, k.evidence, k.snapshot_id, j.change_vs_reference, j.similarity_reference,
                j.change_vs_previous, j.id IS NOT NULL, k.conditional <> 0 AND k.http_status = 304,
                j.correction, j.quote_removed, j.quotes
         FROM checks k LEFT JOIN judgements j ON j.check_id = k.id AND j.citation_id = ?1
         WHERE k.url_id = ?2 ORDER BY k.id",
    )?;
    let mut carry = CarryForward::default();
    let rows = stmt
        .query_map(params![citation.id, url_id], |r| {
            let checked_at: String = r.get(2)?;
            let outcome: String = r.get(3)?;
            let change = |v: Option<String>| v.as_deref().and_then(Change::parse);
            let mut change_vs_reference = change(r.get(10)?);
            let mut similarity_reference = r.get(11)?;
            let mut change_vs_previous = change(r.get(12)?);
            carry.apply(
                r.get(13)?,
                r.get(14)?,
                &mut change_vs_reference,
                &mut similarity_reference,
                &mut change_vs_previous,
            );
            Ok(HistoryRow {
                check_id: r.get(0)?,
                row: CheckRow {
                    run_id: r.get(1)?,
                    at: jiff::Timestamp::UNIX_EPOCH,
                    outcome: OutcomeKind::Ok,
                    change_vs_reference,
                    change_vs_previous,
                    correction: r.get(15)?,
                    quote_removed: r.get(16)?,
                },
                checked_at,
                outcome,
                http_status: r.get(4)?,
                final_url: r.get(5)?,
                permanent: r.get(6)?,
                detail: r.get(7)?,
                evidence: r.get(8)?,
                snapshot: r.get(9)?,
                similarity_reference,
                quotes: r.get(17)?,
            })
        })?
        .filter_map(|row| match row {
            Ok(mut row) => {
                row.row.at = row.checked_at.parse().ok()?;
                row.row.outcome = OutcomeKind::parse(&row.outcome)?;
                Some(Ok(row))
            }
            Err(e) => Some(Err(e)),
        })
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}
