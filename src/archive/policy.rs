//! The archive's verdict policy: the confirmation rules the sweep and the report both replay
//! verdicts under (schema 10). The latest row is in force; each change is a row of its own.

use super::index::Index;
use crate::db::OptionalExtension as _;
use crate::verdict::Policy;
use std::time::Duration;

/// The policy in force and when it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPolicy {
    pub policy: Policy,
    pub set_at: String,
}

fn to_json(policy: &Policy) -> String {
    serde_json::json!({
        "confirm_failures": policy.confirmations,
        "confirm_spacing_secs": policy.spacing.as_secs(),
        "count_server_errors": policy.server_errors_count,
        "count_timeouts": policy.timeouts_count,
    })
    .to_string()
}

fn from_json(text: &str) -> Option<Policy> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Policy {
        confirmations: u32::try_from(v["confirm_failures"].as_u64()?).ok()?,
        spacing: Duration::from_secs(v["confirm_spacing_secs"].as_u64()?),
        server_errors_count: v["count_server_errors"].as_bool()?,
        timeouts_count: v["count_timeouts"].as_bool()?,
    })
}

/// The policy in force, `None` before one is stored (or in an archive older than schema 10,
/// read as it stands).
pub fn stored(index: &Index) -> crate::db::Result<Option<StoredPolicy>> {
    // PostgreSQL indexes are created at the current schema: the table is always there.
    let exists: bool = index.conn.is_postgres()
        || index.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'policies'",
            (),
            |r| r.get(0),
        )?;
    if !exists {
        return Ok(None);
    }
    Ok(index
        .conn
        .query_row(
            "SELECT policy, set_at FROM policies ORDER BY id DESC LIMIT 1",
            (),
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .and_then(|(text, set_at)| from_json(&text).map(|policy| StoredPolicy { policy, set_at })))
}

/// Records `policy` as the archive's from `at`.
pub fn store(index: &Index, policy: &Policy, at: jiff::Timestamp) -> crate::db::Result<()> {
    index.conn.execute(
        "INSERT INTO policies (set_at, policy) VALUES (?1, ?2)",
        crate::db::params![crate::time::db_time(at), to_json(policy)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_stored_policy_is_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        assert_eq!(stored(&index).unwrap(), None);
        let first = Policy::default();
        store(&index, &first, jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(stored(&index).unwrap().unwrap().policy, first);
        let second = Policy {
            confirmations: 2,
            spacing: Duration::from_secs(3),
            server_errors_count: false,
            timeouts_count: true,
        };
        store(&index, &second, jiff::Timestamp::now()).unwrap();
        assert_eq!(stored(&index).unwrap().unwrap().policy, second);
    }
}
