//! An independent witness: does another archive (the Wayback Machine) hold the same bytes as a
//! capture of ours, taken within a window around it?
//!
//! `GET {endpoint}?url=URL&from=YYYYMMDDhhmmss&to=YYYYMMDDhhmmss&output=json&fl=timestamp,original,digest,statuscode`
//! (the CDX server API) lists the other archive's captures of the URL in the window, each with
//! the base32 SHA-1 of its payload, the digest our index keeps for each capture. A capture
//! with our digest is a witness (`witnessed`); else the nearest one in time is fetched as it
//! was archived (`/web/TIMESTAMPid_/URL`, the original bytes) and its main text compared with
//! ours (`witness-differs`, with the similarity); no capture in the window is `no-witness`.
//!
//! Lookups go through the [`Fetcher`] (address guard, politeness, retries, User-Agent). Answers
//! are cached in the index per endpoint, capture and window; an answer is final only once the
//! window has closed (until then the other archive may still capture the page), failures are
//! reported and never cached, nor fatal.

use crate::content::similarity::{shingles, similarity};
use crate::fetch::{Fetched, Fetcher, fetch_all};
use crate::outcome::OutcomeKind;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use url::Url;

mod cache;

pub use cache::{answers, cached, store};

/// The Wayback Machine's CDX server.
pub const DEFAULT_ENDPOINT: &str = "https://web.archive.org/cdx/search/cdx";

/// At most this many of the other archive's captures are read per lookup.
const CDX_LIMIT: usize = 500;

/// A capture of ours to find a witness for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub snapshot: i64,
    pub url: String,
    /// RFC 3339, as the index keeps it.
    pub captured_at: String,
    /// Base32 SHA-1 of the payload.
    pub sha1: String,
}

/// What the other archive says about a capture of ours.
#[derive(Debug, Clone, PartialEq)]
pub enum Witness {
    /// It holds the same payload: its capture's time (14 digits) and replay address.
    Witnessed { timestamp: String, url: String },
    /// It holds other bytes; the nearest capture, and how similar its main text is to ours
    /// (`None` when either text could not be read).
    Differs {
        timestamp: String,
        url: String,
        similarity: Option<f64>,
    },
    /// No capture in the window.
    None,
    /// The lookup failed (not cached).
    Failed(String),
}

impl Witness {
    /// The word for the desk: `witnessed`, `witness-differs`, `no-witness`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Witnessed { .. } => "witnessed",
            Self::Differs { .. } => "witness-differs",
            Self::None => "no-witness",
            Self::Failed(_) => "witness-failed",
        }
    }
}

/// One line of a CDX answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdxRow {
    pub timestamp: String,
    pub original: String,
    pub digest: String,
}

/// The CDX request for a capture: its URL, from `window` before to `window` after it.
#[must_use]
pub fn cdx_url(endpoint: &Url, query: &Query, window: Duration) -> Url {
    let (from, to) = match query.captured_at.parse::<jiff::Timestamp>() {
        Ok(at) => {
            let span = jiff::SignedDuration::try_from(window).unwrap_or(jiff::SignedDuration::ZERO);
            (
                at.checked_sub(span).unwrap_or(at),
                at.checked_add(span).unwrap_or(at),
            )
        }
        Err(_) => (jiff::Timestamp::UNIX_EPOCH, jiff::Timestamp::UNIX_EPOCH),
    };
    let fourteen = |t: jiff::Timestamp| t.strftime("%Y%m%d%H%M%S").to_string();
    let mut api = endpoint.clone();
    api.query_pairs_mut()
        .append_pair("url", &query.url)
        .append_pair("from", &fourteen(from))
        .append_pair("to", &fourteen(to))
        .append_pair("output", "json")
        .append_pair("fl", "timestamp,original,digest,statuscode")
        .append_pair("limit", &CDX_LIMIT.to_string());
    api
}

/// Where the other archive replays a capture: as a page (`raw` false) or as the bytes it
/// archived (`raw`, the `id_` form), beside the CDX endpoint (`/web/` on its host).
#[must_use]
pub fn replay_url(endpoint: &Url, timestamp: &str, original: &str, raw: bool) -> Option<Url> {
    let mut base = endpoint.clone();
    base.set_query(None);
    base.set_fragment(None);
    let flag = if raw { "id_" } else { "" };
    base.join(&format!("/web/{timestamp}{flag}/{original}"))
        .ok()
}

/// Reads a CDX answer in JSON (a header row, then one row per capture; `[]` for none), or, from
/// a server that ignores `output=json`, in the plain CDX lines (the fields asked for, or the
/// default seven: urlkey, timestamp, original, mimetype, statuscode, digest, length). Rows with
/// a malformed timestamp or a non-web URL are dropped.
pub fn parse_cdx(body: &[u8]) -> Result<Vec<CdxRow>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let rows: Vec<Vec<serde_json::Value>> = match serde_json::from_slice(body) {
        Ok(rows) => rows,
        Err(e) => plain_lines(body).ok_or(format!("not a CDX answer: {e}"))?,
    };
    let Some((header, rows)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.as_str() == Some(name))
            .ok_or(format!("no {name} column in the CDX answer"))
    };
    let (ts, original, digest) = (column("timestamp")?, column("original")?, column("digest")?);
    Ok(rows
        .iter()
        .take(CDX_LIMIT)
        .filter_map(|row| {
            let field = |i: usize| row.get(i).and_then(serde_json::Value::as_str);
            let timestamp = field(ts)?;
            let original = field(original)?;
            let digest = field(digest)?;
            let web = Url::parse(original).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            (timestamp.len() == 14 && timestamp.bytes().all(|b| b.is_ascii_digit()) && web).then(
                || CdxRow {
                    timestamp: timestamp.to_owned(),
                    original: original.to_owned(),
                    digest: digest.trim_start_matches("sha1:").to_ascii_uppercase(),
                },
            )
        })
        .collect())
}

/// Plain CDX lines as JSON rows under a header, when every line has 4 fields (the ones asked
/// for) or 7 (the default); `None` otherwise.
fn plain_lines(body: &[u8]) -> Option<Vec<Vec<serde_json::Value>>> {
    let text = std::str::from_utf8(body).ok()?;
    let lines: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(CDX_LIMIT)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let width = lines.first()?.len();
    let header: &[&str] = match width {
        4 => &["timestamp", "original", "digest", "statuscode"],
        7 => &[
            "urlkey",
            "timestamp",
            "original",
            "mimetype",
            "statuscode",
            "digest",
            "length",
        ],
        _ => return None,
    };
    if lines.iter().any(|l| l.len() != width) {
        return None;
    }
    let value = |s: &str| serde_json::Value::String(s.to_owned());
    Some(
        std::iter::once(header.iter().map(|h| value(h)).collect())
            .chain(lines.iter().map(|l| l.iter().map(|f| value(f)).collect()))
            .collect(),
    )
}

/// Seconds since the epoch of a 14-digit timestamp.
fn seconds14(timestamp: &str) -> Option<i64> {
    let civil = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", timestamp).ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()
        .map(jiff::Timestamp::as_second)
}

/// What the rows say before any text is compared: the nearest row with our digest (a
/// witness), else the nearest row (whose text is to be compared), else none.
#[must_use]
pub fn decide<'r>(rows: &'r [CdxRow], query: &Query) -> (Option<&'r CdxRow>, bool) {
    let ours = query
        .captured_at
        .parse::<jiff::Timestamp>()
        .map_or(0, jiff::Timestamp::as_second);
    let distance = |row: &&CdxRow| seconds14(&row.timestamp).map_or(i64::MAX, |s| (s - ours).abs());
    let same = rows
        .iter()
        .filter(|r| r.digest.eq_ignore_ascii_case(&query.sha1))
        .min_by_key(distance);
    match same {
        Some(row) => (Some(row), true),
        None => (rows.iter().min_by_key(distance), false),
    }
}

/// A lookup's answer before the texts are compared.
#[derive(Debug, Clone)]
pub enum Found {
    Witnessed {
        timestamp: String,
        url: String,
    },
    /// The nearest capture and its main text, when it could be read.
    Differs {
        timestamp: String,
        url: String,
        text: Option<String>,
    },
    None,
    Failed(String),
}

impl Found {
    /// The answer, its text compared with ours.
    #[must_use]
    pub fn finish(self, ours: Option<&str>) -> Witness {
        match self {
            Self::Witnessed { timestamp, url } => Witness::Witnessed { timestamp, url },
            Self::Differs {
                timestamp,
                url,
                text,
            } => Witness::Differs {
                timestamp,
                url,
                similarity: match (ours, text.as_deref()) {
                    (Some(a), Some(b)) => {
                        Some((similarity(&shingles(a), &shingles(b)) * 1000.0).round() / 1000.0)
                    }
                    _ => None,
                },
            },
            Self::None => Witness::None,
            Self::Failed(why) => Witness::Failed(why),
        }
    }
}

/// The main text of a capture fetched from the other archive.
fn text_of(fetched: &Fetched, url: &str) -> Option<String> {
    let exchange = fetched.final_exchange()?;
    if !matches!(
        fetched.outcome.kind,
        OutcomeKind::Ok | OutcomeKind::Redirected
    ) {
        return None;
    }
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok());
    crate::content::extract(
        header("content-type"),
        header("content-encoding"),
        &exchange.body,
        Some(url),
    )
    .ok()
    .and_then(|e| e.text)
}

/// What a CDX answer says about one capture of ours: a witness, no capture, or the nearest
/// other capture, whose replay is to be fetched (into `nearest`, keyed by that replay).
fn first_pass(
    endpoint: &Url,
    query: &Query,
    rows: &[CdxRow],
    found: &mut HashMap<Query, Found>,
    nearest: &mut HashMap<Url, Vec<(Query, String, String)>>,
) {
    let page = |row: &CdxRow| {
        replay_url(endpoint, &row.timestamp, &row.original, false)
            .map_or_else(String::new, String::from)
    };
    match decide(rows, query) {
        (Some(row), true) => {
            found.insert(
                query.clone(),
                Found::Witnessed {
                    timestamp: row.timestamp.clone(),
                    url: page(row),
                },
            );
        }
        (Some(row), false) => match replay_url(endpoint, &row.timestamp, &row.original, true) {
            Some(raw) => nearest.entry(raw).or_default().push((
                query.clone(),
                row.timestamp.clone(),
                page(row),
            )),
            None => {
                found.insert(
                    query.clone(),
                    Found::Differs {
                        timestamp: row.timestamp.clone(),
                        url: page(row),
                        text: None,
                    },
                );
            }
        },
        (None, _) => {
            found.insert(query.clone(), Found::None);
        }
    }
}

/// Asks the other archive about each capture, politely (the fetcher's per-host limits apply),
/// and fetches the nearest capture of those it holds other bytes for.
pub async fn look_up(
    fetcher: Arc<Fetcher>,
    endpoint: &Url,
    window: Duration,
    queries: &[Query],
) -> HashMap<Query, Found> {
    // Keyed by what is fetched, each with every capture of ours it answers: two captures of a
    // URL may ask the same thing, and their nearest other capture is often the same one.
    let mut by_api: HashMap<Url, Vec<Query>> = HashMap::new();
    for q in queries {
        by_api
            .entry(cdx_url(endpoint, q, window))
            .or_default()
            .push(q.clone());
    }
    let mut found = HashMap::new();
    let mut nearest: HashMap<Url, Vec<(Query, String, String)>> = HashMap::new();
    fetch_all(
        Arc::clone(&fetcher),
        by_api.keys().cloned().collect(),
        Arc::new(HashMap::new()),
        Arc::new(AtomicBool::new(false)),
        |url: Url, fetched: Fetched| async move {
            (
                url,
                crate::wayback::body_of(&fetched, "witness lookup").and_then(|b| parse_cdx(&b)),
            )
        },
        |(url, rows)| {
            for query in by_api.get(&url).into_iter().flatten() {
                match &rows {
                    Ok(rows) => first_pass(endpoint, query, rows, &mut found, &mut nearest),
                    Err(why) => {
                        found.insert(query.clone(), Found::Failed(why.clone()));
                    }
                }
            }
        },
    )
    .await;
    if !nearest.is_empty() {
        fetch_all(
            fetcher,
            nearest.keys().cloned().collect(),
            Arc::new(HashMap::new()),
            Arc::new(AtomicBool::new(false)),
            |url: Url, fetched: Fetched| async move {
                let text = text_of(&fetched, url.as_str());
                (url, text)
            },
            |(url, text)| {
                for (query, timestamp, page) in nearest.get(&url).into_iter().flatten() {
                    found.insert(
                        query.clone(),
                        Found::Differs {
                            timestamp: timestamp.clone(),
                            url: page.clone(),
                            text: text.clone(),
                        },
                    );
                }
            },
        )
        .await;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> Query {
        Query {
            snapshot: 1,
            url: "https://news.example/a?b=1".into(),
            captured_at: "2026-11-28T16:15:55.565149Z".into(),
            sha1: "AAAABBBB".into(),
        }
    }

    #[test]
    fn the_cdx_query_spans_the_window() {
        let endpoint = Url::parse(DEFAULT_ENDPOINT).unwrap();
        let api = cdx_url(&endpoint, &query(), Duration::from_secs(3 * 86400));
        assert_eq!(
            api.as_str(),
            "https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fnews.example%2Fa%3Fb%3D1&from=20261125161555&to=20261201161555&output=json&fl=timestamp%2Coriginal%2Cdigest%2Cstatuscode&limit=500"
        );
        assert_eq!(
            replay_url(
                &endpoint,
                "20261127000000",
                "https://news.example/a?b=1",
                true
            )
            .unwrap()
            .as_str(),
            "https://web.archive.org/web/20261127000000id_/https://news.example/a?b=1"
        );
    }

    #[test]
    fn cdx_answers_are_read_strictly() {
        let body = br#"[["timestamp","original","digest","statuscode"],
            ["20261127000000","https://news.example/a","sha1:cccc","200"],
            ["2026112700","https://news.example/a","DDDD","200"],
            ["20261128000000","javascript:alert(1)","DDDD","200"],
            ["20261129000000","https://news.example/a","AAAABBBB","200"]]"#;
        let rows = parse_cdx(body).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].digest, "CCCC");
        assert_eq!(parse_cdx(b"[]").unwrap(), Vec::new());
        assert_eq!(parse_cdx(b"\n").unwrap(), Vec::new());
        assert!(parse_cdx(b"<html>").is_err());
        // Plain lines, from a server that ignores output=json.
        let plain =
            b"com,example)/a 20261127000000 https://news.example/a text/html 200 CCCC 1234\n";
        assert_eq!(parse_cdx(plain).unwrap()[0].digest, "CCCC");
        let asked = b"20261127000000 https://news.example/a DDDD 200\n";
        assert_eq!(parse_cdx(asked).unwrap()[0].timestamp, "20261127000000");
        assert!(parse_cdx(br#"[["a","b"],["1","2"]]"#).is_err());
    }

    #[test]
    fn the_nearest_capture_with_our_digest_is_the_witness() {
        let row = |timestamp: &str, digest: &str| CdxRow {
            timestamp: timestamp.into(),
            original: "https://news.example/a".into(),
            digest: digest.into(),
        };
        let rows = vec![
            row("20261126000000", "AAAABBBB"),
            row("20261128160000", "CCCC"),
            row("20261129000000", "AAAABBBB"),
        ];
        let (nearest, same) = decide(&rows, &query());
        assert!(same);
        assert_eq!(nearest.unwrap().timestamp, "20261129000000");
        let (nearest, same) = decide(&rows[1..2], &query());
        assert!(!same);
        assert_eq!(nearest.unwrap().digest, "CCCC");
        assert_eq!(decide(&[], &query()), (None, false));
    }

    #[test]
    fn texts_are_compared_for_a_differing_witness() {
        let found = Found::Differs {
            timestamp: "20261127000000".into(),
            url: "u".into(),
            text: Some("the council approved the budget for the new bridge".into()),
        };
        let Witness::Differs { similarity, .. } =
            found.finish(Some("the council approved the budget for the new bridge"))
        else {
            panic!("not differs");
        };
        assert_eq!(similarity, Some(1.0));
    }
}
