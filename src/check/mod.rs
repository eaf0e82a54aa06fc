//! The pre-publication check: articles in, one outcome per citation out.
//!
//! Citations are extracted, their fetchable URLs deduplicated (one fetch per normalized URL per
//! run, however often it is cited), fetched by [`crate::fetch::fetch_all`] and, when archiving,
//! handed to the archive writer; each citation is paired with the outcome of its URL. Citations
//! that cannot be fetched get their outcome without a request. If the archive fails, no new URL
//! is started and the check returns the error.

mod probe;
mod quotes;
mod robots;
pub mod suggest;

use crate::archive::writer::WriterHandle;
use crate::archive::{ArchiveError, PreparedCapture, SnapshotRef};
use crate::citation::{Citation, Target};
use crate::content::judge::Judgement;
use crate::content::soft404::{self, Evidence};
use crate::content::{self, text};
use crate::extract::{ArticleSettings, Diagnostic, Extraction, extract_with};
use crate::fetch::{Fetched, Fetcher, Validators, fetch_all};
use crate::input::Article;
use crate::outcome::{Outcome, OutcomeKind};
use probe::Probes;
pub use quotes::QuoteGate;
use quotes::{citation_quotes, quotes_by_url, quotes_in_page};
use robots::apply_robots;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use url::Url;

/// One citation and what its URL answered.
#[derive(Debug, Clone)]
pub struct CheckedCitation {
    pub citation: Citation,
    pub outcome: Arc<Outcome>,
    /// Where the final response was archived, when archiving. (Boxed, like the judgement: a
    /// report of 10,000 citations keeps every one of these, mostly `None` when only checking.)
    pub capture: Option<Box<SnapshotRef>>,
    /// How the capture compares with the citation's reference and the previous capture.
    pub judgement: Option<Box<Judgement>>,
    /// What to cite instead, for a problem or a permanent redirect (see [`suggest`]).
    pub suggestions: Vec<crate::suggestion::Suggestion>,
    /// The citation's quotations, checked against what the source says now.
    pub quotes: Vec<crate::quote::QuoteResult>,
}

impl CheckedCitation {
    /// Whether a quotation of this citation is not in the source.
    #[must_use]
    pub fn misquoted(&self) -> bool {
        self.quotes
            .iter()
            .any(|q| q.status == crate::quote::QuoteStatus::NotFound)
    }
}

/// One article's citations, in the order they appear.
#[derive(Debug, Clone)]
pub struct CheckedArticle {
    pub id: crate::citation::ArticleId,
    pub source: PathBuf,
    pub citations: Vec<CheckedCitation>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether a quotation not found in its source fails this article's gate (config
    /// `quote_not_found`, per article or globally).
    pub quotes_gate: bool,
}

impl CheckedArticle {
    /// Citations that fail the gate: not fine, or (when `quotes_gate`) quoting what the
    /// source does not say.
    #[must_use]
    pub fn problems(&self) -> usize {
        self.citations
            .iter()
            .filter(|c| !c.outcome.kind.is_fine() || (self.quotes_gate && c.misquoted()))
            .count()
    }
}

/// The result of a check run.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub articles: Vec<CheckedArticle>,
    /// Distinct URLs fetched.
    pub fetched_urls: usize,
    /// Distinct URLs not fetched because the run was stopped.
    pub not_checked: usize,
}

impl CheckReport {
    /// Whether every citation passes the gate.
    #[must_use]
    pub fn all_fine(&self) -> bool {
        self.articles.iter().all(|a| a.problems() == 0)
    }

    pub fn citations(&self) -> impl Iterator<Item = &CheckedCitation> {
        self.articles.iter().flat_map(|a| a.citations.iter())
    }
}

/// The citations of each article, read with the desk's `settings` (base URLs, sources headings
/// and sections).
#[must_use]
pub fn extract_all<'a>(
    articles: &'a [Article],
    settings: &ArticleSettings,
) -> Vec<(&'a Article, Extraction)> {
    articles
        .iter()
        .map(|a| {
            let base = settings.base_for(&a.source);
            (
                a,
                extract_with(&a.id, a.format, &a.text, base.as_ref(), settings),
            )
        })
        .collect()
}

/// Where captures go when archiving.
#[derive(Clone)]
pub struct ArchiveSink {
    pub writer: WriterHandle,
    pub gzip_level: u32,
}

/// How a check runs.
#[derive(Clone, Default)]
pub struct CheckOptions {
    /// Archive every exchange here; `None` only checks.
    pub archive: Option<ArchiveSink>,
    /// Probe each host once with a path that cannot exist, to find soft-404s.
    pub soft404_probe: bool,
    /// Validators of earlier captures, and the snapshot each came from: those URLs are
    /// re-checked conditionally.
    pub conditional: HashMap<Url, (Validators, i64)>,
    /// Honour robots.txt: a disallowed URL is `blocked` (reason robots) and never requested.
    pub robots: bool,
    /// Set from outside (a signal, a time budget) to start no new URL; citations whose URL was
    /// not fetched are `not-checked` in the report, and their URLs counted in `not_checked`.
    pub stop: Option<Arc<AtomicBool>>,
    /// What is not a citation: `skipped`, never requested.
    pub exclude: Arc<crate::exclude::Exclusions>,
    /// Statuses that are fine from some hosts: `accepted`.
    pub accept: Arc<crate::exclude::Acceptances>,
    /// Which articles a quotation not found in its source fails (see [`QuoteGate`]).
    pub quote_gate: QuoteGate,
    /// What a run learns once and keeps across its calls (a sweep's batches): each origin's
    /// robots.txt and each URL shape's probe. `None`: this call is the run.
    pub memo: Option<Arc<RunMemo>>,
}

/// What a run reads once and keeps across the batches of a sweep.
#[derive(Default)]
pub struct RunMemo {
    robots: std::sync::Mutex<robots::RobotsMemo>,
    probes: std::sync::Mutex<probe::ProbeMemo>,
}

/// A URL's outcome with what the archive made of its capture: where it is, its judgements,
/// and the outcome turned soft-404 when the writer found the cited article replaced by a short
/// not-found page. An archive failure is kept for the caller.
fn paired(
    mut outcome: Outcome,
    stored: Option<Result<crate::archive::Stored, Arc<ArchiveError>>>,
    failure: &mut Option<Arc<ArchiveError>>,
) -> Fetchresult {
    let (snapshot, judgements) = match stored {
        Some(Ok(stored)) => {
            if let Some(evidence) = stored.missing {
                outcome.kind = OutcomeKind::Soft404;
                outcome.detail = Some(evidence.detail);
            }
            (stored.snapshot.map(Box::new), stored.judgements)
        }
        Some(Err(error)) => {
            failure.get_or_insert(error);
            (None, Vec::new())
        }
        None => (None, Vec::new()),
    };
    (Arc::new(outcome), snapshot, judgements)
}

/// Settles a fetch's outcome beyond what the fetch saw: a status the configuration accepts
/// from this host is `accepted`; a 2xx that is really a "not found" page is a soft-404 (its
/// evidence returned, for the archive).
fn judge_outcome(
    url: &Url,
    fetched: &mut Fetched,
    probes: &Probes,
    accept: &crate::exclude::Acceptances,
) -> Option<Evidence> {
    let evidence = soft404_evidence(url, fetched, probes);
    if !fetched.outcome.kind.is_fine()
        && let Some(status) = fetched.outcome.http_status
        && let Some(why) = accept.reason(url, status)
    {
        fetched.outcome.kind = OutcomeKind::Accepted;
        fetched.outcome.detail = Some(why);
    }
    if let Some(evidence) = &evidence {
        fetched.outcome.kind = OutcomeKind::Soft404;
        fetched.outcome.detail = Some(evidence.detail.clone());
    }
    evidence
}

/// Whether a fetch that answered 200 is really a "not found" page.
fn soft404_evidence(url: &Url, fetched: &Fetched, probes: &Probes) -> Option<Evidence> {
    if !fetched.outcome.kind.is_fine() {
        return None;
    }
    let exchange = fetched
        .final_exchange()
        .filter(|e| (200..300).contains(&e.status))?;
    if let Some(evidence) = soft404::url_rule(url, &exchange.url) {
        return Some(evidence);
    }
    let (final_url, html) = probe::final_html(fetched)?;
    let mut text = None;
    let evidence = soft404::page_evidence(&html, || {
        Some(
            text.get_or_insert_with(|| text::main_text(&html, Some(final_url.as_str())))
                .clone(),
        )
    });
    if evidence.is_some() {
        return evidence;
    }
    let answer = probes.get(&content::probe::shape(url)?)?;
    if !probe::may_match(&html, answer) {
        return None;
    }
    let text = text.unwrap_or_else(|| text::main_text(&html, Some(final_url.as_str())));
    probe::matches(url, final_url, &text, answer)
}

/// Fetches each distinct URL of `extracted` once and pairs every citation with its outcome.
/// With `archive`, every exchange is archived before its outcome counts as done.
/// `on_progress(done, total)` is called as fetches complete.
pub async fn check(
    extracted: Vec<(&Article, Extraction)>,
    fetcher: Arc<Fetcher>,
    options: CheckOptions,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<CheckReport, Arc<ArchiveError>> {
    let archive = options.archive;
    let (validators, conditional_of) = split_conditional(options.conditional);
    let urls = distinct_urls(&extracted, &options.exclude);

    let total = urls.len();
    // Keyed by the URL's text: a `Url` key is 88 bytes of offsets beside its text, per URL.
    let mut results: HashMap<Box<str>, Fetchresult> = HashMap::with_capacity(total);
    let mut failure: Option<Arc<ArchiveError>> = None;
    let stop = options
        .stop
        .unwrap_or_else(|| Arc::new(AtomicBool::new(false)));
    let (urls, probes) = before_fetching(
        &fetcher,
        urls,
        (
            options.robots,
            options.soft404_probe,
            options.memo.as_deref(),
        ),
        archive.as_ref(),
        &stop,
        &mut results,
        &mut failure,
    )
    .await;
    let probes = Arc::new(probes);
    // Without an archive, quotations are checked against the page in memory (with one, the
    // archive's judge checks them, against the reference too).
    let quotes_of: Arc<HashMap<String, Vec<String>>> = Arc::new(if archive.is_none() {
        quotes_by_url(&extracted)
    } else {
        HashMap::new()
    });
    let mut quote_results: HashMap<Box<str>, Vec<crate::quote::QuoteResult>> = HashMap::new();
    let process = {
        let stop = Arc::clone(&stop);
        let accept = Arc::clone(&options.accept);
        move |url: Url, mut fetched: Fetched| {
            let archive = archive.clone();
            let stop = Arc::clone(&stop);
            let probes = Arc::clone(&probes);
            let accept = Arc::clone(&accept);
            let conditional_of = Arc::clone(&conditional_of);
            let quotes_of = Arc::clone(&quotes_of);
            async move {
                let evidence = judge_outcome(&url, &mut fetched, &probes, &accept);
                let quotes = quotes_of
                    .get(url.as_str())
                    .map(|quotes| quotes_in_page(&fetched, quotes))
                    .unwrap_or_default();
                let stored = match archive {
                    Some(sink) => {
                        let mut capture = prepare_capture(&url, &mut fetched, &sink);
                        capture.evidence = evidence
                            .as_ref()
                            .and_then(|e| serde_json::to_string(e).ok());
                        capture.conditional_of = conditional_of.get(&url).copied();
                        let stored = sink.writer.store(capture).await;
                        if stored.is_err() {
                            stop.store(true, Ordering::SeqCst);
                        }
                        Some(stored)
                    }
                    None => None,
                };
                (url, fetched.outcome, stored, quotes)
            }
        }
    };
    on_progress(0, total);
    fetch_all(
        fetcher,
        urls,
        validators,
        stop,
        process,
        |(url, outcome, stored, quotes)| {
            if !quotes.is_empty() {
                quote_results.insert(url.as_str().into(), quotes);
            }
            results.insert(url.as_str().into(), paired(outcome, stored, &mut failure));
            on_progress(results.len(), total);
        },
    )
    .await;
    if let Some(error) = failure {
        return Err(error);
    }

    let fetched_urls = results.len();
    let articles = assemble(
        extracted,
        &results,
        &quote_results,
        &options.exclude,
        &options.quote_gate,
    );
    Ok(CheckReport {
        articles,
        fetched_urls,
        not_checked: total - fetched_urls,
    })
}

/// What runs before the URLs are fetched: robots.txt (a disallowed URL gets its result
/// without a request and leaves the list) and the sibling probes.
async fn before_fetching(
    fetcher: &Arc<Fetcher>,
    urls: Vec<Url>,
    (robots, soft404_probe, memo): (bool, bool, Option<&RunMemo>),
    archive: Option<&ArchiveSink>,
    stop: &Arc<AtomicBool>,
    results: &mut HashMap<Box<str>, Fetchresult>,
    failure: &mut Option<Arc<ArchiveError>>,
) -> (Vec<Url>, Probes) {
    let (urls, robots) = if robots && !urls.is_empty() {
        let (urls, rules) = apply_robots(
            fetcher,
            urls,
            archive,
            stop,
            results,
            failure,
            memo.map(|m| &m.robots),
        )
        .await;
        (urls, Some(rules))
    } else {
        (urls, None)
    };
    let probes = if soft404_probe && !urls.is_empty() {
        probe::probe_siblings(
            fetcher,
            &urls,
            robots.as_ref(),
            archive,
            stop,
            failure,
            memo.map(|m| &m.probes),
        )
        .await
    } else {
        Probes::new()
    };
    (urls, probes)
}

/// Each fetchable URL once, in the order first cited.
fn distinct_urls(
    extracted: &[(&Article, Extraction)],
    exclude: &crate::exclude::Exclusions,
) -> Vec<Url> {
    let mut seen = HashSet::new();
    extracted
        .iter()
        .flat_map(|(_, e)| e.citations.iter())
        .filter(|c| exclude.reason(&c.target).is_none())
        .filter_map(|c| c.target.url())
        .filter(|u| seen.insert(u.as_str().to_owned()))
        .cloned()
        .collect()
}

/// The validators to send, and the snapshot each came from.
type SplitConditional = (Arc<HashMap<Url, Validators>>, Arc<HashMap<Url, i64>>);

fn split_conditional(conditional: HashMap<Url, (Validators, i64)>) -> SplitConditional {
    let snapshots = conditional
        .iter()
        .map(|(u, (_, s))| (u.clone(), *s))
        .collect();
    let validators = conditional.into_iter().map(|(u, (v, _))| (u, v)).collect();
    (Arc::new(validators), Arc::new(snapshots))
}

/// Pairs every citation with what its URL gave.
fn assemble(
    extracted: Vec<(&Article, Extraction)>,
    results: &HashMap<Box<str>, Fetchresult>,
    quote_results: &HashMap<Box<str>, Vec<crate::quote::QuoteResult>>,
    exclude: &crate::exclude::Exclusions,
    quote_gate: &QuoteGate,
) -> Vec<CheckedArticle> {
    extracted
        .into_iter()
        .map(|(article, extraction)| CheckedArticle {
            id: article.id.clone(),
            source: article.source.clone(),
            citations: {
                // Sized once: collecting through an iterator of unknown length grows by
                // doubling, which left up to half a 40,000-citation list unused at the run's peak.
                let mut checked = Vec::with_capacity(extraction.citations.len());
                checked.extend(extraction.citations.into_iter().map(|citation| {
                    let (outcome, capture, judgement) = match exclude.reason(&citation.target) {
                        Some(why) => (
                            Arc::new(Outcome::without_request(OutcomeKind::Skipped, why)),
                            None,
                            None,
                        ),
                        None => outcome_for(&citation, results).unwrap_or_else(|| {
                            (
                                Arc::new(Outcome::without_request(
                                    OutcomeKind::NotChecked,
                                    "the run was stopped before this URL was fetched".to_owned(),
                                )),
                                None,
                                None,
                            )
                        }),
                    };
                    let quotes = citation_quotes(&citation, judgement.as_deref(), quote_results);
                    CheckedCitation {
                        citation,
                        outcome,
                        capture,
                        judgement,
                        suggestions: Vec::new(),
                        quotes,
                    }
                }));
                checked
            },
            diagnostics: extraction.diagnostics,
            quotes_gate: quote_gate.is_problem(article.id.as_str()),
        })
        .collect()
}

/// Archives a page fetched outside the check (a published story read by URL) like any
/// capture.
pub async fn store_page(
    sink: &ArchiveSink,
    url: &Url,
    mut fetched: Fetched,
) -> Result<crate::archive::Stored, Arc<ArchiveError>> {
    sink.writer
        .store(prepare_capture(url, &mut fetched, sink))
        .await
}

/// Hashes and compresses every exchange of a fetch (CPU work, done in the fetch's task).
/// Encodes `fetched` for the archive and takes its bodies: they are in the compressed records
/// now (and the final one in `final_payload`, for judging), so the task waiting for the writer
/// holds each body once, compressed, instead of twice.
fn prepare_capture(url: &Url, fetched: &mut Fetched, sink: &ArchiveSink) -> PreparedCapture {
    let exchanges = fetched
        .exchanges
        .iter()
        .map(|e| crate::archive::prepare::prepare(e, sink.gzip_level, sink.writer.warcinfo_id()))
        .collect();
    let final_payload = fetched
        .exchanges
        .last_mut()
        .map(|e| std::mem::take(&mut e.body))
        .unwrap_or_default();
    fetched.exchanges = Vec::new();
    PreparedCapture {
        url: url.clone(),
        checked_at: jiff::Timestamp::now(),
        outcome: fetched.outcome.clone(),
        exchanges,
        final_payload,
        evidence: None,
        conditional_of: None,
    }
}

/// What fetching one URL gave: its outcome, where it was archived, its judgements.
type Fetchresult = (Arc<Outcome>, Option<Box<SnapshotRef>>, Vec<Judgement>);

/// What one citation gets from its URL's result: the outcome, the capture, its own judgement.
type CitationResult = (
    Arc<Outcome>,
    Option<Box<SnapshotRef>>,
    Option<Box<Judgement>>,
);

/// What a citation's URL gave; `None` when it was not fetched (the run was stopped: the
/// citation is then `not-checked`).
fn outcome_for(
    citation: &Citation,
    results: &HashMap<Box<str>, Fetchresult>,
) -> Option<CitationResult> {
    Some(match &citation.target {
        Target::Fetchable(url) => {
            let (outcome, capture, judgements) = results.get(url.as_str())?;
            let judgement = judgements
                .iter()
                .find(|j| j.article == citation.article.as_str())
                .cloned()
                .map(Box::new);
            (Arc::clone(outcome), capture.clone(), judgement)
        }
        Target::UnsupportedScheme { scheme } => (
            Arc::new(Outcome::without_request(
                OutcomeKind::UnsupportedScheme,
                format!("{scheme}: URLs are not fetched"),
            )),
            None,
            None,
        ),
        Target::Invalid { reason } => (
            Arc::new(Outcome::without_request(
                OutcomeKind::InvalidUrl,
                reason.clone(),
            )),
            None,
            None,
        ),
    })
}
