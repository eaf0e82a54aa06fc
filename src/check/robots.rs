//! robots.txt for the sweep: each origin's file fetched once, politely, and the URLs it
//! disallows recorded as `blocked` without a request.

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

/// Fetches each origin's robots.txt once, politely.
pub(super) async fn fetch_robots(
    fetcher: &Arc<Fetcher>,
    urls: &[Url],
    stop: &Arc<AtomicBool>,
) -> HashMap<String, RobotsRule> {
    let mut origins: BTreeMap<String, Url> = BTreeMap::new();
    for url in urls {
        origins.entry(soft404::origin(url)).or_insert_with(|| {
            let mut robots = url.clone();
            robots.set_path("/robots.txt");
            robots.set_query(None);
            robots
        });
    }
    let process = |url: Url, fetched: Fetched| async move {
        (soft404::origin(&url), RobotsRule::of(&fetched))
    };
    let mut rules = HashMap::new();
    fetch_all(
        Arc::clone(fetcher),
        origins.into_values().collect(),
        Arc::new(HashMap::new()),
        Arc::clone(stop),
        process,
        |(origin, rule)| {
            rules.insert(origin, rule);
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
) -> (Vec<Url>, HashMap<String, RobotsRule>) {
    let rules = fetch_robots(fetcher, &urls, stop).await;
    let mut allowed = Vec::with_capacity(urls.len());
    for url in urls {
        let Some(why) = rules
            .get(&soft404::origin(&url))
            .and_then(|r| r.refusal(&url))
        else {
            allowed.push(url);
            continue;
        };
        let outcome = Outcome::without_request(OutcomeKind::Blocked, why);
        if let Some(sink) = archive {
            let mut refused = Fetched {
                outcome: outcome.clone(),
                exchanges: Vec::new(),
            };
            if let Err(error) = sink
                .writer
                .store(prepare_capture(&url, &mut refused, sink))
                .await
            {
                failure.get_or_insert(error);
            }
        }
        results.insert(url.as_str().into(), (Arc::new(outcome), None, Vec::new()));
    }
    (allowed, rules)
}
