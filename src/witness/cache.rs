//! The witness answers cached in the index: final once looked up after the window closed,
//! failures never kept.

use super::{Found, Query, Witness};
use crate::archive::index::Index;
use crate::db::{OptionalExtension, params};
use std::collections::HashMap;
use std::time::Duration;
use url::Url;

/// A cached answer for a capture, and whether it is final (looked up after the window closed).
pub fn cached(
    index: &Index,
    endpoint: &Url,
    window: Duration,
    query: &Query,
) -> crate::db::Result<Option<(Witness, bool)>> {
    // An index read as it stands, from before witnesses, has no such table: nothing cached.
    let Ok(mut statement) = index.conn.prepare_cached(
        "SELECT looked_up_at, status, timestamp, url, similarity FROM witnesses
         WHERE endpoint = ?1 AND snapshot_id = ?2 AND window_secs = ?3",
    ) else {
        return Ok(None);
    };
    let row = statement
        .query_row(
            params![
                endpoint.as_str(),
                query.snapshot,
                i64::try_from(window.as_secs()).unwrap_or(i64::MAX)
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((looked_up_at, status, timestamp, url, similarity)) = row else {
        return Ok(None);
    };
    let witness = match (status.as_str(), timestamp, url) {
        ("witnessed", Some(timestamp), Some(url)) => Witness::Witnessed { timestamp, url },
        ("witness-differs", Some(timestamp), Some(url)) => Witness::Differs {
            timestamp,
            url,
            similarity,
        },
        ("no-witness", _, _) => Witness::None,
        _ => return Ok(None),
    };
    Ok(Some((
        witness,
        closed(&query.captured_at, window, &looked_up_at),
    )))
}

/// Whether a lookup at `looked_up_at` came after the window around `captured_at` closed.
fn closed(captured_at: &str, window: Duration, looked_up_at: &str) -> bool {
    match (
        captured_at.parse::<jiff::Timestamp>(),
        looked_up_at.parse::<jiff::Timestamp>(),
    ) {
        (Ok(captured), Ok(looked)) => {
            let span = jiff::SignedDuration::try_from(window).unwrap_or(jiff::SignedDuration::MAX);
            captured
                .checked_add(span)
                .is_ok_and(|closes| looked >= closes)
        }
        _ => false,
    }
}

/// Caches an answer (failures are not cached).
pub fn store(
    index: &Index,
    endpoint: &Url,
    window: Duration,
    query: &Query,
    witness: &Witness,
    at: jiff::Timestamp,
) -> crate::db::Result<()> {
    let (timestamp, url, similarity) = match witness {
        Witness::Witnessed { timestamp, url } => (Some(timestamp), Some(url), None),
        Witness::Differs {
            timestamp,
            url,
            similarity,
        } => (Some(timestamp), Some(url), *similarity),
        Witness::None => (None, None, None),
        Witness::Failed(_) => return Ok(()),
    };
    if index.is_read_only() {
        return Ok(());
    }
    index.conn.execute(
        "INSERT INTO witnesses
         (endpoint, snapshot_id, window_secs, looked_up_at, status, timestamp, url, similarity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (endpoint, snapshot_id, window_secs) DO UPDATE SET
             looked_up_at = excluded.looked_up_at, status = excluded.status,
             timestamp = excluded.timestamp, url = excluded.url, similarity = excluded.similarity",
        params![
            endpoint.as_str(),
            query.snapshot,
            i64::try_from(window.as_secs()).unwrap_or(i64::MAX),
            crate::time::db_time(at),
            witness.as_str(),
            timestamp,
            url,
            similarity
        ],
    )?;
    Ok(())
}

/// The answer for each capture: the cached one when it is final (or when `ask` is `None`,
/// offline), else a fresh one from `ask` (called once, with the captures that want one), its
/// text compared with ours by `ours` (the capture's main text). Fresh answers are cached,
/// failures are not; a failure falls back to a cached answer when there is one.
pub fn answers(
    index: &Index,
    endpoint: &Url,
    window: Duration,
    queries: Vec<Query>,
    ask: Option<impl FnOnce(&[Query]) -> HashMap<Query, Found>>,
    mut ours: impl FnMut(&Query) -> Option<String>,
) -> crate::db::Result<HashMap<Query, Witness>> {
    let mut answers = HashMap::new();
    let mut missing = Vec::new();
    let mut stale = HashMap::new();
    for query in queries {
        match cached(index, endpoint, window, &query)? {
            Some((witness, true)) => {
                answers.insert(query, witness);
            }
            Some((witness, false)) if ask.is_none() => {
                answers.insert(query, witness);
            }
            Some((witness, false)) => {
                stale.insert(query.clone(), witness);
                missing.push(query);
            }
            None => missing.push(query),
        }
    }
    if let Some(ask) = ask.filter(|_| !missing.is_empty()) {
        let now = jiff::Timestamp::now();
        for (query, found) in ask(&missing) {
            let text = matches!(found, Found::Differs { text: Some(_), .. })
                .then(|| ours(&query))
                .flatten();
            let witness = found.finish(text.as_deref());
            store(index, endpoint, window, &query, &witness, now)?;
            let witness = match witness {
                Witness::Failed(why) => stale.remove(&query).unwrap_or(Witness::Failed(why)),
                w => w,
            };
            answers.insert(query, witness);
        }
    }
    for (query, witness) in stale {
        answers.entry(query).or_insert(witness);
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_final_once_the_window_has_closed() {
        let window = Duration::from_secs(3 * 86400);
        assert!(!closed(
            "2026-11-28T00:00:00Z",
            window,
            "2026-11-30T00:00:00Z"
        ));
        assert!(closed(
            "2026-11-28T00:00:00Z",
            window,
            "2026-12-01T00:00:01Z"
        ));
        assert!(!closed("garbage", window, "2026-12-01T00:00:01Z"));
    }
}
