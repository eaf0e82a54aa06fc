//! The sweep's batches: the URLs due (its own list, or the queue several workers share),
//! checked a batch at a time, each batch's news kept and the rest dropped.

use anyhow::{Context, Result};
use provcheck::archive::Archive;
use provcheck::archive::sweeping::due_url_ids;
use provcheck::archive::workers::Worker;
use provcheck::check::{CheckOptions, check};
use provcheck::config;
use provcheck::fetch::Fetcher;
use provcheck::sweep::{News, news_of, verdict_of};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The news of every citation of a batch checked in `run_id`, from the batch's histories.
pub(super) fn collect_news(
    histories: &std::collections::HashMap<
        (String, String),
        Vec<provcheck::archive::sweeping::CheckRow>,
    >,
    report: &provcheck::check::CheckReport,
    run_id: i64,
    policy: &provcheck::verdict::Policy,
) -> Vec<News> {
    let mut news = Vec::new();
    for article in &report.articles {
        for c in &article.citations {
            let url = c.citation.display_url();
            let key = (article.id.as_str().to_owned(), url.to_owned());
            let Some(history) = histories.get(&key) else {
                continue;
            };
            for what in news_of(history, run_id, policy) {
                news.push(News {
                    article: article.id.to_string(),
                    source: article.source.display().to_string(),
                    line: c.citation.line,
                    url: url.to_owned(),
                    what,
                    verdict: verdict_of(history, policy),
                    outcome: c.outcome.kind.as_str().to_owned(),
                    http_status: c.outcome.http_status,
                    anchor: c.citation.anchor.clone(),
                    instead: c
                        .suggestions
                        .iter()
                        .map(provcheck::suggestion::suggestion_text)
                        .collect(),
                    // A correction's news says what the source published; the rest, why the
                    // check ended as it did.
                    detail: match what {
                        "correction" => history.last().and_then(|r| r.correction.clone()),
                        "quote-removed" => history.last().and_then(|r| r.quote_removed.clone()),
                        _ => c.outcome.detail.clone(),
                    },
                });
            }
        }
    }
    news
}

/// URLs checked per batch by default (config `sweep_batch`): what a sweep holds in memory at
/// once (its citations, their histories and outcomes) is bounded by this, not by the archive.
const BATCH_URLS: usize = 2_000;

/// URLs a worker claims at once by default: small enough that several workers share a
/// sweep of a few thousand URLs, large enough that claiming costs nothing next to checking.
const WORKER_BATCH: usize = 250;

/// URLs per batch: `sweep_batch`, else the default of a sweep or of a worker.
pub(super) fn batch_size(file: &config::FileConfig, worker: bool) -> usize {
    let default = if worker { WORKER_BATCH } else { BATCH_URLS };
    file.sweep_batch.unwrap_or(default).max(1)
}

/// What every batch of a run shares.
#[derive(Clone, Copy)]
pub(super) struct Batch<'a> {
    /// URLs per batch.
    pub(super) size: usize,
    pub(super) run_id: i64,
    pub(super) policy: &'a provcheck::verdict::Policy,
    pub(super) archive_arg: Option<&'a str>,
    pub(super) replay_url: Option<&'a str>,
}

/// What a sweep found: its news (in article and line order) and its counts.
pub(super) struct Swept {
    pub(super) news: Vec<News>,
    pub(super) checked_urls: usize,
    pub(super) not_checked_urls: usize,
}

/// The URLs a sweep checks: its own list, or the night's queue shared by several workers.
pub(super) enum Due<'a> {
    Listed(Vec<i64>),
    Shared(&'a Worker),
}

impl<'a> Due<'a> {
    /// The URLs last checked before `cutoff` (or never); for a worker, the shared sweep it
    /// joins, or starts with them.
    pub(super) fn of(
        worker: Option<&'a Worker>,
        archive: &Archive,
        cutoff: jiff::Timestamp,
    ) -> Result<Self> {
        let Some(worker) = worker else {
            return Ok(Self::Listed(due_url_ids(archive.index(), cutoff)?));
        };
        let joined = worker.join(archive.index(), |index| due_url_ids(index, cutoff))?;
        tracing::info!(
            "worker {}: {} the sweep, {} URLs not checked yet",
            worker.id(),
            if joined.started { "started" } else { "joined" },
            joined.pending
        );
        Ok(Self::Shared(worker))
    }
}

/// Checks the URLs due in batches (of [`BATCH_URLS`] by default): each batch's citations, validators and
/// histories are read from the index, checked and archived, their news kept and the rest
/// dropped, so that memory follows the batch and not the archive. Once the run is stopped
/// (a signal, the budget), the URLs left are counted as not checked without a request.
pub(super) fn sweep_batches(
    runtime: &tokio::runtime::Runtime,
    fetcher: &Arc<Fetcher>,
    reader: &provcheck::archive::index::Index,
    due: &Due<'_>,
    options: &CheckOptions,
    batch: Batch<'_>,
) -> Result<Swept> {
    use provcheck::archive::sweeping::{
        batch_citations, batch_histories, batch_validators, set_batch,
    };
    let mut swept = Swept {
        news: Vec::new(),
        checked_urls: 0,
        not_checked_urls: 0,
    };
    let stop = options.stop.clone().unwrap_or_default();
    let mut listed = match due {
        Due::Listed(ids) => {
            tracing::info!("{} URLs are due", ids.len());
            Some(ids.chunks(batch.size))
        }
        Due::Shared(_) => None,
    };
    loop {
        let ids: Vec<i64> = match (&mut listed, due) {
            (Some(chunks), _) => match chunks.next() {
                Some(ids) => ids.to_vec(),
                None => break,
            },
            (None, Due::Shared(worker)) => {
                if stop.load(Ordering::SeqCst) {
                    worker.release(reader)?;
                    break;
                }
                let ids = worker.claim(reader, batch.size)?;
                if ids.is_empty() {
                    // Nothing free: done, or held by workers that may yet die.
                    if worker.pending(reader)? == 0 {
                        break;
                    }
                    std::thread::sleep(worker.poll());
                    continue;
                }
                ids
            }
            (None, Due::Listed(_)) => unreachable!("a list is read in chunks"),
        };
        if stop.load(Ordering::SeqCst) {
            swept.not_checked_urls += ids.len();
            if let Due::Shared(worker) = due {
                worker.release(reader)?;
            }
            continue;
        }
        set_batch(reader, &ids)?;
        let citations = batch_citations(reader)?;
        let urls: Vec<url::Url> = citations
            .iter()
            .flat_map(|(_, e)| e.citations.iter().filter_map(|c| c.target.url().cloned()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut options = options.clone();
        options.conditional = batch_validators(reader, &urls)?;
        let refs: Vec<_> = citations.iter().map(|(a, e)| (a, e.clone())).collect();
        let mut report = runtime
            .block_on(check(refs, Arc::clone(fetcher), options, |_, _| {}))
            .map_err(|e| anyhow::anyhow!("archiving failed: {e}"))?;
        provcheck::check::suggest::from_archive(
            &mut report,
            Some((reader, batch.run_id, batch.archive_arg)),
            batch.replay_url,
        )
        .context("cannot read the archive's index")?;
        let histories = batch_histories(reader)?;
        swept.news.extend(collect_news(
            &histories,
            &report,
            batch.run_id,
            batch.policy,
        ));
        swept.checked_urls += report.fetched_urls;
        swept.not_checked_urls += report.not_checked;
        if let Due::Shared(worker) = due {
            // The batch is dealt with (a URL left without an active citation, excluded, or
            // checked); only a stop leaves some of it to the others.
            if stop.load(Ordering::SeqCst) {
                worker.release(reader)?;
            } else {
                worker.finish(reader, &ids)?;
            }
        }
    }
    swept
        .news
        .sort_by(|a, b| (&a.article, a.line, &a.url).cmp(&(&b.article, b.line, &b.url)));
    Ok(swept)
}
