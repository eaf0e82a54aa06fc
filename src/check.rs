//! The pre-publication check: articles in, one outcome per citation out.
//!
//! Citations are extracted, their fetchable URLs deduplicated (one fetch per normalized URL per
//! run, however often it is cited), fetched by [`crate::fetch::fetch_all`], and each citation is
//! paired with the outcome of its URL. Citations that cannot be fetched get their outcome without
//! a request.

use crate::citation::{Citation, Target};
use crate::extract::{Diagnostic, extract};
use crate::fetch::{Fetcher, fetch_all};
use crate::input::Article;
use crate::outcome::{Outcome, OutcomeKind};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// One citation and what its URL answered.
#[derive(Debug, Clone)]
pub struct CheckedCitation {
    pub citation: Citation,
    pub outcome: Arc<Outcome>,
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

/// Extracts the citations of `articles` and fetches each distinct URL once.
/// `on_progress(done, total)` is called as fetches complete.
pub async fn check(
    articles: &[Article],
    base: Option<&Url>,
    fetcher: Arc<Fetcher>,
    mut on_progress: impl FnMut(usize, usize),
) -> CheckReport {
    let extracted: Vec<_> = articles
        .iter()
        .map(|a| (a, extract(&a.id, a.format, &a.text, base)))
        .collect();

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
    let mut outcomes: HashMap<Url, Arc<Outcome>> = HashMap::with_capacity(total);
    on_progress(0, total);
    fetch_all(fetcher, urls, |url, fetched| {
        outcomes.insert(url, Arc::new(fetched.outcome));
        on_progress(outcomes.len(), total);
    })
    .await;

    let articles = extracted
        .into_iter()
        .map(|(article, extraction)| CheckedArticle {
            id: article.id.clone(),
            source: article.source.clone(),
            citations: extraction
                .citations
                .into_iter()
                .map(|citation| {
                    let outcome = outcome_for(&citation, &outcomes);
                    CheckedCitation { citation, outcome }
                })
                .collect(),
            diagnostics: extraction.diagnostics,
        })
        .collect();
    CheckReport {
        articles,
        fetched_urls: total,
    }
}

fn outcome_for(citation: &Citation, outcomes: &HashMap<Url, Arc<Outcome>>) -> Arc<Outcome> {
    match &citation.target {
        Target::Fetchable(url) => {
            Arc::clone(outcomes.get(url).expect("every fetchable URL was fetched"))
        }
        Target::UnsupportedScheme { scheme } => Arc::new(Outcome::without_request(
            OutcomeKind::UnsupportedScheme,
            format!("{scheme}: URLs are not fetched"),
        )),
        Target::Invalid { reason } => Arc::new(Outcome::without_request(
            OutcomeKind::InvalidUrl,
            reason.clone(),
        )),
    }
}
