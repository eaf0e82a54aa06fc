//! Audit reports for the standards desk: per article, what each cited source says now, since when,
//! with the archived evidence and what to cite instead.
//!
//! [`gather`] reads only the index and the WARC files (texts for diffs are extracted from the
//! archived payloads and cached); every time in the report comes from the archive, and everything
//! is sorted, so the same archive gives the same report. [`render`] turns the report into HTML,
//! Markdown, CSV or JSON without touching anything else. Wayback Machine suggestions are looked up
//! separately ([`wayback`]) and cached in the index.

pub mod render;
pub mod suggest;
pub mod wayback;

use crate::archive::diff::{Segment, word_diff_segments};
use crate::archive::index::Index;
use crate::archive::judge::{text_of_snapshot, title_of_snapshot};
use crate::archive::sweeping::{CarryForward, CheckRow};
use crate::content::similarity::Change;
use crate::outcome::OutcomeKind;
use crate::sweep::news_between;
use crate::verdict::{Event, Policy, Verdict};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Bumped when a field of the JSON report changes meaning or disappears.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// What the report says about a citation now. The order is the order of concern: problems first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Confirmed dead over several checks.
    Dead,
    /// Confirmed to answer 200 with a "not found" page.
    #[serde(rename = "soft-404")]
    Soft404,
    /// Confirmed to say something else than when it was cited.
    Replaced,
    /// Failed, not yet confirmed.
    Failing,
    /// Answers, but its text was edited since it was cited.
    Edited,
    /// Answers through a permanent redirect: the citation should point at the new URL.
    Moved,
    /// Refused us (401, 403, 451, a bot challenge, robots.txt): not known to be dead.
    Blocked,
    RateLimited,
    /// Never checked.
    Unchecked,
    Ok,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Dead,
        Status::Soft404,
        Status::Replaced,
        Status::Failing,
        Status::Edited,
        Status::Moved,
        Status::Blocked,
        Status::RateLimited,
        Status::Unchecked,
        Status::Ok,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Dead => "dead",
            Status::Soft404 => "soft-404",
            Status::Replaced => "replaced",
            Status::Failing => "failing",
            Status::Edited => "edited",
            Status::Moved => "moved",
            Status::Blocked => "blocked",
            Status::RateLimited => "rate-limited",
            Status::Unchecked => "unchecked",
            Status::Ok => "ok",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the desk should look at it.
    #[must_use]
    pub fn is_problem(self) -> bool {
        !matches!(self, Status::Ok | Status::Unchecked)
    }

    /// Whether to suggest what to cite instead.
    #[must_use]
    pub fn wants_replacement(self) -> bool {
        matches!(
            self,
            Status::Dead | Status::Soft404 | Status::Replaced | Status::Failing
        )
    }
}

/// The period a report looks at.
#[derive(Debug, Clone, Copy)]
pub enum Since {
    /// This long before the report's as-of time (the last check in the archive), so that the
    /// same archive gives the same report whenever it is run.
    Ago(std::time::Duration),
    At(jiff::Timestamp),
}

/// Which citations a report lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<Since>,
    /// Only these articles (all when empty).
    pub articles: Vec<String>,
    /// Only citations with these statuses (problems, or everything with `all`, when empty).
    pub statuses: Vec<Status>,
    /// List fine citations too.
    pub all: bool,
    /// How `show` commands in the report name the archive (`None`: the default one).
    pub archive_arg: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    /// The time of the last check of the selected citations.
    pub as_of: Option<String>,
    /// Start of the period, when one was asked for.
    pub since: Option<String>,
    pub summary: Summary,
    /// What changed, night by night (UTC dates of the runs), oldest first.
    pub nights: Vec<Night>,
    /// Articles with citations listed, problems first.
    pub articles: Vec<ArticleReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub articles: usize,
    /// Articles with at least one citation checked.
    pub articles_checked: usize,
    /// Articles with at least one citation whose status is a problem.
    pub articles_affected: usize,
    pub citations: usize,
    /// Citations by status, in order of concern (every status, zero counts included).
    pub by_status: Vec<Count>,
    /// Citations listed below.
    pub listed: usize,
    /// Citations left out of the listing (fine ones unless `--all`, or outside the filters).
    pub not_listed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Night {
    pub date: String,
    pub runs: Vec<RunRef>,
    /// Checks of the selected citations' URLs made in those runs.
    pub checks: usize,
    /// News in those runs (`newly-failing`, `newly-dead`, `recovered`, `edited`...), by kind.
    pub news: Vec<Count>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRef {
    pub id: i64,
    pub kind: String,
    pub started_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleReport {
    pub id: String,
    pub path: String,
    pub citations: Vec<CitationReport>,
    /// The article's citations by status.
    pub counts: Vec<Count>,
    pub not_listed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CitationReport {
    pub line: u32,
    pub column: u32,
    pub section: String,
    pub anchor: Option<String>,
    pub url: String,
    pub url_as_written: String,
    pub status: Status,
    /// Since when the status has held.
    pub since: Option<String>,
    /// The confirmation state machine's verdict (`ok`, `failing`, `dead`...).
    pub verdict: &'static str,
    /// When it was first cited (the first run that saw the citation).
    pub cited_at: String,
    /// The last check that found it fine.
    pub last_fine: Option<String>,
    pub checks: usize,
    pub latest: Option<LatestCheck>,
    pub change: Option<ChangeInfo>,
    pub soft404: Option<Soft404Info>,
    /// What it said when it was cited.
    pub reference: Option<CaptureInfo>,
    /// The latest capture.
    pub latest_capture: Option<CaptureInfo>,
    /// News about this citation in the period.
    pub news: Vec<NewsItem>,
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatestCheck {
    pub at: String,
    pub outcome: String,
    pub http_status: Option<u16>,
    pub final_url: Option<String>,
    pub permanent: Option<bool>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeInfo {
    /// Against the reference: `unchanged`, `cosmetic`, `edited` or `replaced`.
    pub grade: String,
    pub similarity: Option<f64>,
    /// The check that was graded.
    pub at: String,
    /// A short word diff, reference → that capture.
    pub excerpt: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Soft404Info {
    pub rule: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaptureInfo {
    pub captured_at: String,
    pub sha256: String,
    pub http_status: u16,
    pub record_type: String,
    pub warc_file: String,
    pub offset: u64,
    /// The page title, when the payload is a page.
    pub title: Option<String>,
    /// The command that prints this capture.
    pub show: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewsItem {
    pub at: String,
    pub what: &'static str,
}

/// Something to cite instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suggestion {
    /// Our own capture of what the source said (the reference, else the last fine capture).
    ArchivedCopy {
        captured_at: String,
        sha256: String,
        show: String,
    },
    /// The closest Wayback Machine capture to the citation date.
    Wayback {
        url: String,
        timestamp: String,
        /// The capture is later than the citation date (the API had none before).
        after_citation: bool,
    },
    /// The Wayback Machine has no capture of the URL.
    WaybackNone,
    /// The lookup failed (never fatal); the report says why.
    WaybackFailed { detail: String },
    /// The URL the source moved to for good.
    NewUrl { url: String },
}

/// A citation as the index has it.
struct CitationRow {
    id: i64,
    article: String,
    line: u32,
    column: u32,
    section: String,
    anchor: Option<String>,
    url_as_written: String,
    url: String,
    url_id: Option<i64>,
    reference: Option<i64>,
    first_run: i64,
}

/// One check of a citation's URL, with its judgement for that citation.
struct HistoryRow {
    check_id: i64,
    row: CheckRow,
    checked_at: String,
    outcome: String,
    http_status: Option<u16>,
    final_url: Option<String>,
    permanent: Option<bool>,
    detail: Option<String>,
    evidence: Option<String>,
    snapshot: Option<i64>,
    similarity_reference: Option<f64>,
}

/// A shell word: the text in single quotes when it needs quoting.
#[must_use]
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The command that prints the capture of `url` made at `captured_at`.
#[must_use]
pub fn show_command(url: &str, captured_at: &str, archive_arg: Option<&str>) -> String {
    let mut command = format!("provcheck show {} --at {captured_at}", shell_quote(url));
    if let Some(archive) = archive_arg {
        command.push_str(" --archive ");
        command.push_str(&shell_quote(archive));
    }
    command
}

/// Reads the report from the index. Texts needed for diffs and titles are extracted from the
/// archived payloads and cached in the index, so the index is opened for writing.
pub fn gather(
    root: &Path,
    index: &mut Index,
    filter: &Filter,
    policy: &Policy,
) -> rusqlite::Result<AuditReport> {
    let tx = index.conn.transaction()?;
    let runs: HashMap<i64, (String, String)> = tx
        .prepare("SELECT id, kind, started_at FROM runs")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let articles: BTreeMap<String, String> = tx
        .prepare("SELECT id, path FROM articles ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<BTreeMap<_, _>>>()?
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
        let (status, since, verdict) = status_of(history, policy);
        let news = walk_news(history, policy, &runs, &in_period, &mut nights);
        let checked_in_period = history.iter().any(|r| in_period(&r.checked_at));
        let wanted = if filter.statuses.is_empty() {
            status.is_problem() || filter.all
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
    tx.commit()?;

    Ok(AuditReport {
        schema_version: REPORT_SCHEMA_VERSION,
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
struct Assembled {
    articles: Vec<ArticleReport>,
    totals: BTreeMap<Status, usize>,
    listed: usize,
    not_listed: usize,
    affected: usize,
}

/// Groups the citations by article, problems first.
fn assemble(
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
        if entries.iter().any(|(s, _)| s.is_problem()) {
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
struct NightAcc {
    runs: BTreeMap<i64, RunRef>,
    checks: BTreeSet<i64>,
    news: BTreeMap<&'static str, usize>,
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
fn active_citations(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<CitationRow>> {
    tx.prepare(
        "SELECT c.id, c.article_id, c.line, c.col, c.section, c.anchor, c.url_as_written,
                    c.url_key, c.url_id, c.reference_snapshot_id, c.first_run_id
             FROM citations c WHERE c.retired_run_id IS NULL
             ORDER BY c.article_id, c.line, c.col, c.url_key",
    )?
    .query_map([], |r| {
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
        })
    })?
    .collect()
}

/// Every check of the citation's URL, oldest first.
fn history(
    tx: &rusqlite::Transaction<'_>,
    citation: &CitationRow,
) -> rusqlite::Result<Vec<HistoryRow>> {
    let Some(url_id) = citation.url_id else {
        return Ok(Vec::new());
    };
    let mut stmt = tx.prepare_cached(
        "SELECT k.id, k.run_id, k.checked_at, k.outcome, k.http_status, k.final_url, k.permanent,
                k.detail, k.evidence, k.snapshot_id, j.change_vs_reference, j.similarity_reference,
                j.change_vs_previous, j.id IS NOT NULL, k.conditional AND k.http_status = 304
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
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn event(row: &HistoryRow, policy: &Policy) -> (jiff::Timestamp, Event) {
    (
        row.row.at,
        Event::of(row.row.outcome, row.row.change_vs_reference, policy),
    )
}

/// The status now, since when, and the verdict's name.
fn status_of(history: &[HistoryRow], policy: &Policy) -> (Status, Option<String>, &'static str) {
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
    // Fine by the verdict: still edited since it was cited, or moved for good?
    let trailing = |pred: &dyn Fn(&HistoryRow) -> bool| -> Option<String> {
        let start = history.iter().rposition(|r| !pred(r)).map_or(0, |i| i + 1);
        history.get(start).map(|r| r.checked_at.clone())
    };
    let moved = |r: &HistoryRow| r.outcome == "redirected" && r.permanent == Some(true);
    if history.last().is_some_and(moved) {
        return (Status::Moved, trailing(&moved), name);
    }
    let edited = |r: &HistoryRow| r.row.change_vs_reference == Some(Change::Edited);
    if history.last().is_some_and(edited) {
        return (Status::Edited, trailing(&edited), name);
    }
    (Status::Ok, since, name)
}

/// The citation's news run by run; news in the period is added to the nights and returned.
fn walk_news(
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
            });
        }
    }
    items
}

/// Everything the report says about one listed citation.
#[allow(clippy::too_many_arguments)]
fn describe(
    tx: &rusqlite::Transaction<'_>,
    root: &Path,
    citation: &CitationRow,
    history: &[HistoryRow],
    status: Status,
    since: Option<String>,
    verdict: &'static str,
    news: Vec<NewsItem>,
    runs: &HashMap<i64, (String, String)>,
    filter: &Filter,
) -> rusqlite::Result<CitationReport> {
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
        change,
        soft404,
        reference,
        latest_capture,
        news,
        suggestions,
    })
}

/// The latest grade against the reference, with a short diff.
fn change_info(
    tx: &rusqlite::Transaction<'_>,
    root: &Path,
    reference: Option<i64>,
    history: &[HistoryRow],
) -> rusqlite::Result<Option<ChangeInfo>> {
    let graded = history
        .iter()
        .rev()
        .find(|r| r.row.change_vs_reference.is_some());
    Ok(match graded {
        Some(row) => {
            let grade = row.row.change_vs_reference.unwrap_or(Change::Unchanged);
            let excerpt = match (grade, reference, row.snapshot) {
                (Change::Cosmetic | Change::Edited | Change::Replaced, Some(old), Some(new)) => {
                    let old = text_of_snapshot(tx, root, old)?.and_then(|e| e.text);
                    let new = text_of_snapshot(tx, root, new)?.and_then(|e| e.text);
                    match (old, new) {
                        (Some(old), Some(new)) => excerpt(&old, &new),
                        _ => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            Some(ChangeInfo {
                grade: grade.as_str().to_owned(),
                similarity: row
                    .similarity_reference
                    .map(|s| (s * 1000.0).round() / 1000.0),
                at: row.checked_at.clone(),
                excerpt,
            })
        }
        None => None,
    })
}

/// Where a capture lies, its digest, its title and the command that prints it.
fn capture_info(
    tx: &rusqlite::Transaction<'_>,
    root: &Path,
    snapshot: i64,
    show: &dyn Fn(&str) -> String,
) -> rusqlite::Result<Option<CaptureInfo>> {
    let found = tx
        .prepare_cached(
            "SELECT s.captured_at, s.payload_sha256, s.http_status, r.record_type, f.path, r.offset
             FROM snapshots s JOIN records r ON r.id = s.record_id
             JOIN warc_files f ON f.id = r.warc_file_id WHERE s.id = ?1",
        )?
        .query_row([snapshot], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u16>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    let Some((captured_at, sha256, http_status, record_type, warc_file, offset)) = found else {
        return Ok(None);
    };
    let title = if (200..300).contains(&http_status) || http_status == 304 {
        title_of_snapshot(tx, root, snapshot)?
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
    }))
}

/// A word diff short enough for a report: at most this many segments' worth of text.
fn excerpt(old: &str, new: &str) -> Vec<Segment> {
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

/// Of `ids`, those the archive has no article for.
pub fn unknown_articles(index: &Index, ids: &[String]) -> rusqlite::Result<Vec<String>> {
    let mut stmt = index
        .conn
        .prepare_cached("SELECT 1 FROM articles WHERE id = ?1")?;
    let mut unknown = Vec::new();
    for id in ids {
        if !stmt.exists([id])? {
            unknown.push(id.clone());
        }
    }
    Ok(unknown)
}

/// Reads `--since`: a duration back from the report's as-of time (`7d`, `36h`), a date (its
/// start, UTC) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<Since, String> {
    if let Ok(ago) = humantime::parse_duration(text.trim()) {
        return Ok(Since::Ago(ago));
    }
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(Since::At(at));
    }
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
        format!(
            "{text:?} is neither a duration (7d, 36h), a date (2026-11-01) nor an RFC 3339 time"
        )
    })?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(date.at(0, 0, 0, 0))
        .map(Since::At)
        .map_err(|e| e.to_string())
}

/// The time of the report's citation date for a listed citation: when it was first captured as
/// its reference, else when it was first cited.
#[must_use]
pub fn citation_date(citation: &CitationReport) -> &str {
    citation
        .reference
        .as_ref()
        .map_or(citation.cited_at.as_str(), |r| r.captured_at.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_and_sort_problems_first() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert!(Status::Dead < Status::Edited && Status::Edited < Status::Ok);
        assert!(Status::Blocked.is_problem() && !Status::Ok.is_problem());
        assert!(Status::Soft404.wants_replacement() && !Status::Moved.wants_replacement());
    }

    #[test]
    fn since_is_a_duration_a_date_or_a_time() {
        assert!(matches!(parse_since("7d"), Ok(Since::Ago(d)) if d.as_secs() == 7 * 86400));
        assert!(
            matches!(parse_since("2026-11-01"), Ok(Since::At(t)) if t.to_string() == "2026-11-01T00:00:00Z")
        );
        assert!(matches!(
            parse_since("2026-11-01T12:00:00Z"),
            Ok(Since::At(_))
        ));
        assert!(parse_since("last week").is_err());
    }

    #[test]
    fn shell_words_are_quoted_when_they_need_it() {
        assert_eq!(
            shell_quote("https://example.com/a?b=1"),
            "'https://example.com/a?b=1'"
        );
        assert_eq!(
            shell_quote("https://example.com/a"),
            "https://example.com/a"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

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
