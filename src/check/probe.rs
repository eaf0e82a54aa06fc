//! Sibling probes for the check: one random sibling per URL shape ([`crate::content::probe`]),
//! fetched politely before the URLs themselves and archived like any capture.

use super::robots::RobotsRule;
use super::{ArchiveSink, prepare_capture};
use crate::archive::ArchiveError;
use crate::content::probe;
use crate::content::similarity::{shingles, similarity};
use crate::content::soft404::{self, Evidence};
use crate::content::{self, cues, decode};
use crate::fetch::{Fetched, Fetcher, fetch_all};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use url::Url;

/// What a probe answered, when it answered 2xx with text.
#[derive(Debug, Clone)]
pub(super) struct ProbeAnswer {
    /// The probe as requested.
    url: Url,
    /// Where it ended, after redirects.
    final_url: Url,
    /// The canonical URL its page declares.
    canonical: Option<Url>,
    /// Its page's length, in bytes of decoded HTML.
    html_len: usize,
    /// Its page's `<title>`.
    title: Option<String>,
    shingles: HashSet<u64>,
}

/// Probe answers by [`probe::shape`].
pub(super) type Probes = HashMap<String, ProbeAnswer>;

/// The HTML of a fetch's final response, when it is a 2xx HTML page.
pub(super) fn final_html(fetched: &Fetched) -> Option<(&Url, String)> {
    let exchange = fetched
        .final_exchange()
        .filter(|e| (200..300).contains(&e.status))?;
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok());
    let (bytes, _) = decode::decode_content(
        header("content-encoding"),
        &exchange.body,
        content::DECODE_LIMIT,
    )
    .ok()?;
    if content::ContentKind::of(header("content-type"), &bytes) != content::ContentKind::Html {
        return None;
    }
    Some((
        &exchange.url,
        decode::to_text(&bytes, header("content-type")),
    ))
}

/// The probe of each shape among `urls` (the first URL of a shape stands for it), at most
/// [`probe::PER_ORIGIN`] per origin, never one of `urls`, leaving out those robots.txt
/// disallows.
fn plan(
    urls: &[Url],
    robots: Option<&HashMap<String, RobotsRule>>,
    earlier: &ProbeMemo,
) -> HashMap<Url, String> {
    let mut rng = fastrand::Rng::new();
    let run: HashSet<&str> = urls.iter().map(Url::as_str).collect();
    let mut shapes: BTreeMap<String, Url> = BTreeMap::new();
    let mut per_origin: HashMap<String, usize> = HashMap::new();
    for url in urls {
        let Some(shape) = probe::shape(url) else {
            continue;
        };
        if shapes.contains_key(&shape) || earlier.shapes.contains(&shape) {
            continue;
        }
        let origin = soft404::origin(url);
        let count = per_origin
            .entry(origin.clone())
            .or_insert_with(|| earlier.per_origin.get(&origin).copied().unwrap_or(0));
        if *count >= probe::PER_ORIGIN {
            continue;
        }
        // Never a URL of the run: a probe stands for what is not there.
        let Some(sibling) = (0..8)
            .filter_map(|_| probe::sibling(url, &mut rng))
            .find(|s| !run.contains(s.as_str()))
        else {
            continue;
        };
        let refused = robots
            .and_then(|rules| rules.get(&origin))
            .and_then(|rule| rule.refusal(&sibling))
            .is_some();
        if refused {
            continue;
        }
        *count += 1;
        shapes.insert(shape, sibling);
    }
    shapes
        .into_iter()
        .map(|(shape, url)| (url, shape))
        .collect()
}

/// Fetches the probes of `urls` (politely, archived like any capture) and keeps the answers
/// that were pages with text.
pub(super) async fn probe_siblings(
    fetcher: &Arc<Fetcher>,
    urls: &[Url],
    robots: Option<&HashMap<String, RobotsRule>>,
    archive: Option<&ArchiveSink>,
    stop: &Arc<AtomicBool>,
    failure: &mut Option<Arc<ArchiveError>>,
    memo: Option<&std::sync::Mutex<ProbeMemo>>,
) -> Probes {
    let earlier = memo
        .map(|m| m.lock().map(|m| m.clone()).unwrap_or_default())
        .unwrap_or_default();
    let planned = plan(urls, robots, &earlier);
    if let Some(memo) = memo
        && let Ok(mut memo) = memo.lock()
    {
        for (url, shape) in &planned {
            memo.shapes.insert(shape.clone());
            *memo.per_origin.entry(soft404::origin(url)).or_default() += 1;
        }
    }
    let probe_urls: Vec<Url> = planned.keys().cloned().collect();
    let planned = Arc::new(planned);
    let archive = archive.cloned();
    let stop_on_failure = Arc::clone(stop);
    let process = move |url: Url, mut fetched: Fetched| {
        let archive = archive.clone();
        let shape = planned.get(&url).cloned();
        let stop = Arc::clone(&stop_on_failure);
        async move {
            let answer = final_html(&fetched).and_then(|(final_url, html)| {
                let text = content::text::main_text(&html, Some(final_url.as_str()));
                let shingles = shingles(&text);
                (!shingles.is_empty()).then(|| ProbeAnswer {
                    url: url.clone(),
                    final_url: final_url.clone(),
                    canonical: cues::canonical(&html, final_url),
                    html_len: html.len(),
                    title: cues::title_and_heading(&html).0,
                    shingles,
                })
            });
            let stored = match archive {
                Some(sink) => {
                    let stored = sink
                        .writer
                        .store(prepare_capture(&url, &mut fetched, &sink))
                        .await;
                    if stored.is_err() {
                        stop.store(true, Ordering::SeqCst);
                    }
                    stored.err()
                }
                None => None,
            };
            (shape, answer, stored)
        }
    };
    let mut probes = Probes::new();
    fetch_all(
        Arc::clone(fetcher),
        probe_urls,
        Arc::new(HashMap::new()),
        Arc::clone(stop),
        process,
        |(shape, answer, error)| {
            if let Some(error) = error {
                failure.get_or_insert(error);
            }
            if let (Some(shape), Some(answer)) = (shape, answer) {
                probes.insert(shape, answer);
            }
        },
    )
    .await;
    match memo.and_then(|m| m.lock().ok()) {
        Some(mut memo) => {
            memo.answers.extend(probes);
            memo.answers.clone()
        }
        None => probes,
    }
}

/// The probes of a run so far, kept across the batches of a sweep: the shapes probed (each
/// once per run), how many per origin (at most [`probe::PER_ORIGIN`]), and the answers.
#[derive(Debug, Clone, Default)]
pub struct ProbeMemo {
    shapes: std::collections::HashSet<String>,
    per_origin: HashMap<String, usize>,
    answers: Probes,
}

/// Whether a page (`html`) can be its probe's page at all: a site that answers the same page
/// for anything answers it with the same title and about the same length (within a quarter).
/// Any other page is told apart without extracting its main text, most of the cost of
/// checking a page (a numbered site answers a random id with another story: another title).
pub(super) fn may_match(html: &str, probe: &ProbeAnswer) -> bool {
    let (a, b) = (html.len().max(1), probe.html_len.max(1));
    a.min(b) * 5 >= a.max(b) * 4 && cues::title_and_heading(html).0 == probe.title
}

/// Whether the page at `target` (ended at `final_url`, main text `text`) is what its probe
/// answered: the site answers that for anything.
pub(super) fn matches(
    target: &Url,
    final_url: &Url,
    text: &str,
    probe: &ProbeAnswer,
) -> Option<Evidence> {
    if final_url.path() == "/"
        || probe::is_the_target(
            target,
            final_url,
            &probe.final_url,
            probe.canonical.as_ref(),
        )
    {
        return None;
    }
    let s = similarity(&shingles(text), &probe.shingles);
    (s >= probe::SIMILARITY).then(|| Evidence {
        rule: "probe",
        detail: format!(
            "a random sibling of this URL, {}, answers with the same page (similarity {s:.2}): \
             the site answers that for anything",
            probe.url
        ),
    })
}
