//! The Wayback Machine's availability API: the capture closest to a citation date, as something
//! to cite instead of a dead source.
//!
//! `GET {endpoint}?url=URL&timestamp=YYYYMMDDhhmmss` answers
//! `{"archived_snapshots": {"closest": {"available": true, "url": ..., "timestamp": ...}}}`, or
//! `{"archived_snapshots": {}}` when there is none. Lookups go through the [`Fetcher`] (the address
//! guard, politeness, retries and the User-Agent apply). Answers are cached in the index per
//! endpoint, URL and date; failures are reported and never cached, nor fatal.

use crate::archive::index::Index;
use crate::content::decode::decode_content;
use crate::db::{OptionalExtension, params};
use crate::fetch::{Fetched, Fetcher, fetch_all};
use crate::outcome::OutcomeKind;
use crate::suggestion::Suggestion;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use url::Url;

/// The public availability API.
pub const DEFAULT_ENDPOINT: &str = "https://archive.org/wayback/available";

/// What the Wayback Machine answered for one URL and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Found { url: String, timestamp: String },
    None,
    Failed(String),
}

/// One lookup: a URL and the date (14 digits) to be closest to.
pub type Query = (String, String);

/// `2026-11-28T16:15:55.565149Z` (or any RFC 3339 time) as the API's 14 digits.
#[must_use]
pub fn timestamp14(time: &str) -> String {
    time.chars().filter(char::is_ascii_digit).take(14).collect()
}

/// The API request for a query.
#[must_use]
pub fn api_url(endpoint: &Url, (url, timestamp): &Query) -> Url {
    let mut api = endpoint.clone();
    api.query_pairs_mut()
        .append_pair("url", url)
        .append_pair("timestamp", timestamp);
    api
}

/// Reads an answer body.
pub fn parse_answer(body: &[u8]) -> Result<Answer, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON answer: {e}"))?;
    let snapshots = value
        .get("archived_snapshots")
        .ok_or("no archived_snapshots in the answer")?;
    let Some(closest) = snapshots.get("closest") else {
        return Ok(Answer::None);
    };
    if closest
        .get("available")
        .and_then(serde_json::Value::as_bool)
        == Some(false)
    {
        return Ok(Answer::None);
    }
    let url = closest
        .get("url")
        .and_then(serde_json::Value::as_str)
        .ok_or("closest capture without a url")?;
    let timestamp = closest
        .get("timestamp")
        .and_then(serde_json::Value::as_str)
        .ok_or("closest capture without a timestamp")?;
    // Only a web address is ever offered as a link.
    let parsed = Url::parse(url).map_err(|e| format!("capture url {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("capture url {url:?} is not a web address"));
    }
    if timestamp.len() != 14 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("capture timestamp {timestamp:?} is not 14 digits"));
    }
    Ok(Answer::Found {
        url: parsed.to_string(),
        timestamp: timestamp.to_owned(),
    })
}

/// The cached answer for a query, if any.
pub fn cached(index: &Index, endpoint: &Url, query: &Query) -> crate::db::Result<Option<Answer>> {
    index
        .conn
        .prepare_cached(
            "SELECT capture_url, capture_timestamp FROM wayback_lookups
             WHERE endpoint = ?1 AND url = ?2 AND timestamp = ?3",
        )?
        .query_row(params![endpoint.as_str(), query.0, query.1], |r| {
            Ok(match (r.get::<_, Option<String>>(0)?, r.get(1)?) {
                (Some(url), Some(timestamp)) => Answer::Found { url, timestamp },
                _ => Answer::None,
            })
        })
        .optional()
}

/// Caches an answer (failures are not cached).
pub fn store(
    index: &Index,
    endpoint: &Url,
    query: &Query,
    answer: &Answer,
    at: jiff::Timestamp,
) -> crate::db::Result<()> {
    let (url, timestamp) = match answer {
        Answer::Found { url, timestamp } => (Some(url.as_str()), Some(timestamp.as_str())),
        Answer::None => (None, None),
        Answer::Failed(_) => return Ok(()),
    };
    if index.is_read_only() {
        return Ok(());
    }
    index.conn.execute(
        "INSERT INTO wayback_lookups
         (endpoint, url, timestamp, looked_up_at, capture_url, capture_timestamp)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (endpoint, url, timestamp) DO UPDATE SET looked_up_at = excluded.looked_up_at,
             capture_url = excluded.capture_url, capture_timestamp = excluded.capture_timestamp",
        params![
            endpoint.as_str(),
            query.0,
            query.1,
            crate::time::db_time(at),
            url,
            timestamp
        ],
    )?;
    Ok(())
}

/// The answer to each query: from the cache in `index` when there is one, else from `ask`
/// (called once, with the queries the cache lacks, and only if it lacks any). Fresh answers are
/// cached, failures are not.
pub fn answers(
    index: Option<&Index>,
    endpoint: &Url,
    queries: Vec<Query>,
    ask: impl FnOnce(&[Query]) -> HashMap<Query, Answer>,
) -> crate::db::Result<HashMap<Query, Answer>> {
    let mut answers = HashMap::new();
    let mut missing = Vec::new();
    for query in queries {
        match index
            .map(|i| cached(i, endpoint, &query))
            .transpose()?
            .flatten()
        {
            Some(answer) => {
                answers.insert(query, answer);
            }
            None => missing.push(query),
        }
    }
    if !missing.is_empty() {
        let now = jiff::Timestamp::now();
        for (query, answer) in ask(&missing) {
            if let Some(index) = index {
                store(index, endpoint, &query, &answer, now)?;
            }
            answers.insert(query, answer);
        }
    }
    Ok(answers)
}

/// What one API fetch says.
fn answer_of(fetched: &Fetched) -> Answer {
    match body_of(fetched, "Wayback lookup") {
        Ok(body) => parse_answer(&body)
            .unwrap_or_else(|e| Answer::Failed(format!("Wayback lookup failed: {e}"))),
        Err(why) => Answer::Failed(why),
    }
}

/// The decoded body of an API's answer, or why there is none (`what` names the lookup).
pub(crate) fn body_of(fetched: &Fetched, what: &str) -> Result<Vec<u8>, String> {
    let outcome = &fetched.outcome;
    if !matches!(outcome.kind, OutcomeKind::Ok | OutcomeKind::Redirected) {
        let mut why = outcome.kind.as_str().to_owned();
        if let Some(status) = outcome.http_status {
            let _ = write!(why, " (HTTP {status})");
        }
        if let Some(detail) = &outcome.detail {
            why.push_str(": ");
            why.push_str(detail);
        }
        return Err(format!("{what} failed: {why}"));
    }
    let exchange = fetched
        .final_exchange()
        .ok_or_else(|| format!("{what} failed: no answer"))?;
    let encoding = exchange
        .headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok());
    decode_content(encoding, &exchange.body, 8 << 20)
        .map(|(body, _)| body)
        .map_err(|e| format!("{what} failed: {e}"))
}

/// Asks the API for each query, politely (the fetcher's per-host limits apply).
pub async fn look_up(
    fetcher: Arc<Fetcher>,
    endpoint: &Url,
    queries: &[Query],
) -> HashMap<Query, Answer> {
    let by_api: HashMap<Url, Query> = queries
        .iter()
        .map(|q| (api_url(endpoint, q), q.clone()))
        .collect();
    let mut answers = HashMap::new();
    fetch_all(
        fetcher,
        by_api.keys().cloned().collect(),
        Arc::new(HashMap::new()),
        Arc::new(AtomicBool::new(false)),
        |url: Url, fetched: Fetched| async move { (url, answer_of(&fetched)) },
        |(url, answer)| {
            if let Some(query) = by_api.get(&url) {
                answers.insert(query.clone(), answer);
            }
        },
    )
    .await;
    answers
}

/// The suggestion an answer makes for a citation dated `timestamp`.
#[must_use]
pub fn suggestion(answer: &Answer, cited: &str) -> Suggestion {
    match answer {
        Answer::Found { url, timestamp } => Suggestion::Wayback {
            url: url.clone(),
            timestamp: timestamp.clone(),
            after_citation: timestamp.as_str() > cited,
        },
        Answer::None => Suggestion::WaybackNone,
        Answer::Failed(detail) => Suggestion::WaybackFailed {
            detail: detail.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fourteen_digits() {
        assert_eq!(timestamp14("2026-11-28T16:15:55.565149Z"), "20261128161555");
        assert_eq!(timestamp14("2026-11-28T16:15:55Z"), "20261128161555");
    }

    #[test]
    fn the_query_is_percent_encoded() {
        let endpoint = Url::parse("https://archive.org/wayback/available").unwrap();
        let api = api_url(
            &endpoint,
            &(
                "https://example.com/a?b=1&c=2".into(),
                "20261128000000".into(),
            ),
        );
        assert_eq!(
            api.as_str(),
            "https://archive.org/wayback/available?url=https%3A%2F%2Fexample.com%2Fa%3Fb%3D1%26c%3D2&timestamp=20261128000000"
        );
    }

    #[test]
    fn answers_are_read_strictly() {
        let found = br#"{"url":"example.com","archived_snapshots":{"closest":{"status":"200","available":true,"url":"http://web.archive.org/web/20130919044612/http://example.com/","timestamp":"20130919044612"}}}"#;
        assert_eq!(
            parse_answer(found).unwrap(),
            Answer::Found {
                url: "http://web.archive.org/web/20130919044612/http://example.com/".into(),
                timestamp: "20130919044612".into()
            }
        );
        assert_eq!(
            parse_answer(br#"{"archived_snapshots":{}}"#).unwrap(),
            Answer::None
        );
        assert!(parse_answer(b"<html>").is_err());
        let hostile = br#"{"archived_snapshots":{"closest":{"available":true,"url":"javascript:alert(1)","timestamp":"20130919044612"}}}"#;
        assert!(parse_answer(hostile).is_err());
    }

    #[test]
    fn a_capture_after_the_citation_is_marked() {
        let answer = Answer::Found {
            url: "http://web.archive.org/web/20270101000000/x".into(),
            timestamp: "20270101000000".into(),
        };
        assert_eq!(
            suggestion(&answer, "20261128000000"),
            Suggestion::Wayback {
                url: "http://web.archive.org/web/20270101000000/x".into(),
                timestamp: "20270101000000".into(),
                after_citation: true
            }
        );
    }
}
