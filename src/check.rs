//! The pre-publication check: articles in, one outcome per citation out.
//!
//! Citations are extracted, their fetchable URLs deduplicated (one fetch per normalized URL per
//! run, however often it is cited), fetched by [`crate::fetch::fetch_all`] and, when archiving,
//! handed to the archive writer; each citation is paired with the outcome of its URL. Citations
//! that cannot be fetched get their outcome without a request. If the archive fails, no new URL
//! is started and the check returns the error.

use crate::archive::judge::Judgement;
use crate::archive::writer::WriterHandle;
use crate::archive::{ArchiveError, PreparedCapture, SnapshotRef};
use crate::citation::{Citation, Target};
use crate::extract::{Diagnostic, Extraction, extract};
use crate::fetch::{Fetched, Fetcher, fetch_all};
use crate::input::Article;
use crate::outcome::{Outcome, OutcomeKind};
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
    /// Where the final response was archived, when archiving.
    pub capture: Option<SnapshotRef>,
    /// How the capture compares with the citation's reference and the previous capture.
    pub judgement: Option<Judgement>,
}

/// One article's citations, in the order they appear.
#[derive(Debug, Clone)]
pub struct CheckedArticle {
    pub id: crate::citation::ArticleId,
    pub source: PathBuf,
    pub citations: Vec<CheckedCitation>,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckedArticle {
    #[must_use]
    pub fn problems(&self) -> usize {
        self.citations
            .iter()
            .filter(|c| !c.outcome.kind.is_fine())
            .count()
    }
}

/// The result of a check run.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub articles: Vec<CheckedArticle>,
    /// Distinct URLs fetched.
    pub fetched_urls: usize,
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

/// The citations of each article.
#[must_use]
pub fn extract_all<'a>(
    articles: &'a [Article],
    base: Option<&Url>,
) -> Vec<(&'a Article, Extraction)> {
    articles
        .iter()
        .map(|a| (a, extract(&a.id, a.format, &a.text, base)))
        .collect()
}

/// Where captures go when archiving.
#[derive(Clone)]
pub struct ArchiveSink {
    pub writer: WriterHandle,
    pub gzip_level: u32,
}

/// Fetches each distinct URL of `extracted` once and pairs every citation with its outcome.
/// With `archive`, every exchange is archived before its outcome counts as done.
/// `on_progress(done, total)` is called as fetches complete.
pub async fn check(
    extracted: Vec<(&Article, Extraction)>,
    fetcher: Arc<Fetcher>,
    archive: Option<ArchiveSink>,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<CheckReport, Arc<ArchiveError>> {
    let mut seen = HashSet::new();
    let urls: Vec<Url> = extracted
        .iter()
        .flat_map(|(_, e)| e.citations.iter())
        .filter_map(|c| c.target.url())
        .filter(|u| seen.insert(u.as_str().to_owned()))
        .cloned()
        .collect();
    drop(seen);

    let total = urls.len();
    let mut results: HashMap<Url, Fetchresult> = HashMap::with_capacity(total);
    let mut failure: Option<Arc<ArchiveError>> = None;
    let stop = Arc::new(AtomicBool::new(false));
    let process = {
        let stop = Arc::clone(&stop);
        move |url: Url, fetched: Fetched| {
            let archive = archive.clone();
            let stop = Arc::clone(&stop);
            async move {
                let stored = match archive {
                    Some(sink) => {
                        let capture = prepare_capture(&url, &fetched, sink.gzip_level);
                        let stored = sink.writer.store(capture).await;
                        if stored.is_err() {
                            stop.store(true, Ordering::SeqCst);
                        }
                        Some(stored)
                    }
                    None => None,
                };
                (url, fetched.outcome, stored)
            }
        }
    };
    on_progress(0, total);
    fetch_all(fetcher, urls, stop, process, |(url, outcome, stored)| {
        let (snapshot, judgements) = match stored {
            Some(Ok(stored)) => (stored.snapshot, stored.judgements),
            Some(Err(error)) => {
                failure.get_or_insert(error);
                (None, Vec::new())
            }
            None => (None, Vec::new()),
        };
        results.insert(url, (Arc::new(outcome), snapshot, judgements));
        on_progress(results.len(), total);
    })
    .await;
    if let Some(error) = failure {
        return Err(error);
    }

    let articles = extracted
        .into_iter()
        .map(|(article, extraction)| CheckedArticle {
            id: article.id.clone(),
            source: article.source.clone(),
            citations: extraction
                .citations
                .into_iter()
                .map(|citation| {
                    let (outcome, capture, judgement) = outcome_for(&citation, &results);
                    CheckedCitation {
                        citation,
                        outcome,
                        capture,
                        judgement,
                    }
                })
                .collect(),
            diagnostics: extraction.diagnostics,
        })
        .collect();
    Ok(CheckReport {
        articles,
        fetched_urls: total,
    })
}

/// Hashes and compresses every exchange of a fetch (CPU work, done in the fetch's task).
fn prepare_capture(url: &Url, fetched: &Fetched, level: u32) -> PreparedCapture {
    PreparedCapture {
        url: url.clone(),
        checked_at: jiff::Timestamp::now(),
        outcome: fetched.outcome.clone(),
        exchanges: fetched
            .exchanges
            .iter()
            .map(|e| crate::archive::prepare::prepare(e, level))
            .collect(),
        final_payload: fetched
            .final_exchange()
            .map(|e| e.body.clone())
            .unwrap_or_default(),
        evidence: None,
        conditional: false,
    }
}

/// What fetching one URL gave: its outcome, where it was archived, its judgements.
type Fetchresult = (Arc<Outcome>, Option<SnapshotRef>, Vec<Judgement>);

fn outcome_for(
    citation: &Citation,
    results: &HashMap<Url, Fetchresult>,
) -> (Arc<Outcome>, Option<SnapshotRef>, Option<Judgement>) {
    match &citation.target {
        Target::Fetchable(url) => {
            let (outcome, capture, judgements) =
                results.get(url).expect("every fetchable URL was fetched");
            let judgement = judgements
                .iter()
                .find(|j| j.article == citation.article.as_str())
                .cloned();
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
    }
}
