//! robots.txt for the sweep: each origin's file fetched once, politely, and archived like any
//! capture; the URLs it disallows recorded as `blocked` without a request, each check's
//! evidence naming the robots.txt capture that decided it.

use super::{ArchiveSink, Fetchresult, prepare_capture};
use crate::archive::ArchiveError;
use crate::content::decode;
use crate::content::soft404;
use crate::fetch::{Fetched, Fetcher, fetch_all};
use crate::outcome::{Outcome, OutcomeKind};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use url::Url;

/// What an origin's robots.txt says.
#[derive(Clone)]
pub(super) enum RobotsRule {
    AllowAll,
    /// robots.txt answered 5xx: RFC 9309 says to assume complete disallow.
    DisallowAll(String),
    Rules(crate::robots::Robots),
}

impl RobotsRule {
    /// `None` when allowed, else why not.
    pub(super) fn refusal(&self, url: &Url) -> Option<String> {
        match self {
            RobotsRule::AllowAll => None,
            RobotsRule::DisallowAll(why) => Some(why.clone()),
            RobotsRule::Rules(robots) => {
                let path = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_owned(),
                };
                (!robots.allowed(&path)).then(|| "disallowed by robots.txt".to_owned())
            }
        }
    }

    fn of(fetched: &Fetched) -> Self {
        let Some(exchange) = fetched.final_exchange() else {
            // No answer at all: the citations will say why themselves.
            return RobotsRule::AllowAll;
        };
        match exchange.status {
            200..=299 => {
                let encoding = exchange
                    .headers
                    .get("content-encoding")
                    .and_then(|v| v.to_str().ok());
                let body = decode::decode_content(encoding, &exchange.body, 512 * 1024)
                    .map(|(b, _)| b)
                    .unwrap_or_default();
                RobotsRule::Rules(crate::robots::Robots::parse(
                    &String::from_utf8_lossy(&body),
                    "provcheck",
                ))
            }
            500..=599 => RobotsRule::DisallowAll(format!(
                "robots.txt answered HTTP {}: complete disallow assumed (RFC 9309)",
                exchange.status
            )),
            _ => RobotsRule::AllowAll,
        }
    }
}

/// Each origin's robots.txt as a run read it, kept across the batches of a sweep (one fetch
/// per origin per run).
#[derive(Clone, Default)]
pub struct RobotsMemo(HashMap<String, (RobotsRule, Option<RobotsCapture>)>);

/// Where an origin's robots.txt was archived: the evidence of the `blocked` verdicts it made.
#[derive(Clone)]
pub(super) struct RobotsCapture {
    url: Url,
    check_id: i64,
    snapshot: Option<crate::archive::SnapshotRef>,
}

impl RobotsCapture {
    /// The evidence JSON of a check `blocked` by this robots.txt.
    fn evidence(&self, why: &str) -> String {
        serde_json::json!({
            "rule": "robots",
            "detail": why,
            "robots_txt": self.url.as_str(),
            "robots_check_id": self.check_id,
            "warc_file": self.snapshot.as_ref().map(|s| s.warc_file.as_str()),
            "offset": self.snapshot.as_ref().map(|s| s.offset),
            "payload_sha256": self.snapshot.as_ref().map(|s| s.payload_sha256.as_str()),
        })
        .to_string()
    }
}

/// Fetches each origin's robots.txt once, politely, archiving it with `archive`.
pub(super) async fn fetch_robots(
    fetcher: &Arc<Fetcher>,
    urls: &[Url],
    archive: Option<&ArchiveSink>,
    stop: &Arc<AtomicBool>,
    failure: &mut Option<Arc<ArchiveError>>,
) -> HashMap<String, (RobotsRule, Option<RobotsCapture>)> {
    let mut origins: BTreeMap<String, Url> = BTreeMap::new();
    for url in urls {
        origins.entry(soft404::origin(url)).or_insert_with(|| {
            let mut robots = url.clone();
            robots.set_path("/robots.txt");
            robots.set_query(None);
            robots
        });
    }
    let archive = archive.cloned();
    let process = move |url: Url, mut fetched: Fetched| {
        let archive = archive.clone();
        async move {
            let rule = RobotsRule::of(&fetched);
            let stored = match &archive {
                Some(sink) => Some(
                    sink.writer
                        .store(prepare_capture(&url, &mut fetched, sink))
                        .await
                        .map(|stored| RobotsCapture {
                            url: url.clone(),
                            check_id: stored.check_id,
                            snapshot: stored.snapshot,
                        }),
                ),
                None => None,
            };
            (soft404::origin(&url), rule, stored)
        }
    };
    let mut rules = HashMap::new();
    fetch_all(
        Arc::clone(fetcher),
        origins.into_values().collect(),
        Arc::new(HashMap::new()),
        Arc::clone(stop),
        process,
        |(origin, rule, stored)| {
            let capture = match stored {
                Some(Ok(capture)) => Some(capture),
                Some(Err(error)) => {
                    failure.get_or_insert(error);
                    None
                }
                None => None,
            };
            rules.insert(origin, (rule, capture));
        },
    )
    .await;
    rules
}

/// Leaves out of `urls` those robots.txt disallows, each recorded as `blocked` (reason robots)
/// without a request, and archived as a check without a capture. Returns the URLs allowed and
/// each origin's rules.
pub(super) async fn apply_robots(
    fetcher: &Arc<Fetcher>,
    urls: Vec<Url>,
    archive: Option<&ArchiveSink>,
    stop: &Arc<AtomicBool>,
    results: &mut HashMap<Box<str>, Fetchresult>,
    failure: &mut Option<Arc<ArchiveError>>,
    memo: Option<&std::sync::Mutex<RobotsMemo>>,
) -> (Vec<Url>, HashMap<String, RobotsRule>) {
    // The origins a batch before this one fetched are not fetched again.
    let known = memo
        .map(|m| m.lock().map(|m| m.0.clone()).unwrap_or_default())
        .unwrap_or_default();
    let unknown: Vec<Url> = urls
        .iter()
        .filter(|u| !known.contains_key(&soft404::origin(u)))
        .cloned()
        .collect();
    let mut rules = fetch_robots(fetcher, &unknown, archive, stop, failure).await;
    if let Some(memo) = memo
        && let Ok(mut memo) = memo.lock()
    {
        memo.0.extend(
            rules
                .iter()
                .map(|(o, (r, c))| (o.clone(), (r.clone(), c.clone()))),
        );
    }
    rules.extend(known);
    let mut allowed = Vec::with_capacity(urls.len());
    for url in urls {
        let origin = soft404::origin(&url);
        let Some(why) = rules.get(&origin).and_then(|(r, _)| r.refusal(&url)) else {
            allowed.push(url);
            continue;
        };
        let robots_capture = rules.get(&origin).and_then(|(_, c)| c.as_ref());
        let outcome = Outcome::without_request(OutcomeKind::Blocked, why.clone());
        if let Some(sink) = archive {
            let mut refused = Fetched {
                outcome: outcome.clone(),
                exchanges: Vec::new(),
            };
            let mut capture = prepare_capture(&url, &mut refused, sink);
            capture.evidence = robots_capture.map(|c| c.evidence(&why));
            if let Err(error) = sink.writer.store(capture).await {
                failure.get_or_insert(error);
            }
        }
        results.insert(url.as_str().into(), (Arc::new(outcome), None, Vec::new()));
    }
    let rules = rules
        .drain()
        .map(|(origin, (rule, _))| (origin, rule))
        .collect();
    (allowed, rules)
}
