//! Audit reports for the standards desk: per article, what each cited source says now, since when,
//! with the archived evidence and what to cite instead.
//!
//! [`gather`] reads only the index and the WARC files (texts for diffs are extracted from the
//! archived payloads and cached); every time in the report comes from the archive, and everything
//! is sorted, so the same archive gives the same report. [`render`] turns the report into HTML,
//! Markdown, CSV or JSON without touching anything else. Wayback Machine suggestions are looked up
//! separately ([`wayback`]), and so is the independent witness of each listed capture
//! ([`crate::witness`]); both are cached in the index.

mod evidence;
mod gather;
pub mod render;
mod replay;
mod wayback;
mod witness;

pub use gather::gather;
pub use wayback::{apply_wayback, wayback_queries};
pub use witness::{apply_witness, witness_queries};

use crate::archive::index::Index;
use crate::content::diff::Segment;
use crate::suggestion::Suggestion;
use serde::Serialize;

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
    /// Answers, but does not say what the article quotes it as saying.
    Misquoted,
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
    pub const ALL: [Status; 11] = [
        Status::Dead,
        Status::Soft404,
        Status::Replaced,
        Status::Failing,
        Status::Misquoted,
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
            Status::Misquoted => "misquoted",
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
    /// The desk's replay tool, to link our copies (config `replay_url`).
    pub replay_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub schema_version: u32,
    /// The verdict policy the report replayed verdicts under.
    pub policy: PolicyInfo,
    /// The time of the last check of the selected citations.
    pub as_of: Option<String>,
    /// Start of the period, when one was asked for.
    pub since: Option<String>,
    pub summary: Summary,
    /// What changed, night by night (UTC dates of the runs), oldest first.
    pub nights: Vec<Night>,
    /// Articles with citations listed, problems first.
    pub articles: Vec<ArticleReport>,
    /// The newest run manifest: the head of the chain `verify --chain` checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_head: Option<ChainHead>,
}

/// The head of the archive's chain of run manifests, for the desk's lawyers: keep its hash
/// elsewhere and the whole record can be shown unedited.
#[derive(Debug, Clone, Serialize)]
pub struct ChainHead {
    pub run: i64,
    pub sha256: String,
    pub sealed_at: String,
    /// The time a time-stamp authority (config `tsa_url`) vouches for, when it has one.
    pub time_stamp: Option<String>,
}

/// The verdict policy a report used, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub confirm_failures: u32,
    /// `"24h"`, as the configuration writes it.
    pub confirm_spacing: String,
    pub count_server_errors: bool,
    pub count_timeouts: bool,
    /// `archive` (stored by a sweep, with `set_at`) or `configuration` (none stored yet).
    pub source: &'static str,
    pub set_at: Option<String>,
}

impl PolicyInfo {
    #[must_use]
    pub fn of(policy: &crate::verdict::Policy, set_at: Option<String>) -> Self {
        Self {
            confirm_failures: policy.confirmations,
            confirm_spacing: match policy.spacing.as_secs() {
                secs if secs > 0 && secs % 3600 == 0 && policy.spacing.subsec_nanos() == 0 => {
                    format!("{}h", secs / 3600)
                }
                _ => humantime::format_duration(policy.spacing).to_string(),
            },
            count_server_errors: policy.server_errors_count,
            count_timeouts: policy.timeouts_count,
            source: if set_at.is_some() {
                "archive"
            } else {
                "configuration"
            },
            set_at,
        }
    }
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
    /// Why it can never be checked (no http(s) URL: a relative link without a base...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncheckable: Option<&'static str>,
    pub change: Option<ChangeInfo>,
    pub soft404: Option<Soft404Info>,
    /// What it said when it was cited.
    pub reference: Option<CaptureInfo>,
    /// The latest capture.
    pub latest_capture: Option<CaptureInfo>,
    /// News about this citation in the period.
    pub news: Vec<NewsItem>,
    pub suggestions: Vec<Suggestion>,
    /// Each passage the article quotes, as the source had it when cited and has it now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<QuoteReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuoteReport {
    pub quote: String,
    /// Against the reference (what the source said when cited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<QuoteView>,
    /// Against the latest capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<QuoteView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuoteView {
    /// `found`, `close` or `not-found`.
    pub status: &'static str,
    /// The passage as the source has it (the nearest one when not found verbatim).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<crate::quote::Difference>,
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
    /// The headline as cited and as it is now, when it was rewritten.
    pub headline: Option<HeadlineInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeadlineInfo {
    pub before: String,
    pub after: String,
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
    /// What an independent archive holds of the same URL around the same time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<WitnessInfo>,
    /// The capture's row in the index, URL and payload SHA-1 (base32): what the witness is
    /// asked about.
    #[serde(skip)]
    pub snapshot: i64,
    #[serde(skip)]
    pub url: String,
    #[serde(skip)]
    pub payload_sha1: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WitnessInfo {
    /// `witnessed`, `witness-differs` or `no-witness`.
    pub status: &'static str,
    /// The witness's capture time (14 digits) and where it replays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `witness-differs`: how similar its main text is to ours (word shingles, 0 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewsItem {
    pub at: String,
    pub what: &'static str,
    /// For a `correction`: what the source published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Of `ids`, those the archive has no article for.
pub fn unknown_articles(index: &Index, ids: &[String]) -> crate::db::Result<Vec<String>> {
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
}
