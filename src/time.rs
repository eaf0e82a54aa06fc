//! Time as provcheck writes and reads it.

use jiff::Timestamp;

/// `2026-11-28T16:15:55.565149Z`: fixed width, so that text order is time order in the index.
#[must_use]
pub fn db_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads a time given on the command line: an RFC 3339 instant (`2026-11-28T10:00:00Z`), or a
/// date (`2026-11-28`), meaning the end of that day in UTC.
pub fn parse_user_time(text: &str) -> Result<Timestamp, String> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    let date: jiff::civil::Date = text.parse().map_err(|_| {
        format!(
            "{text:?} is neither an RFC 3339 time (2026-11-28T10:00:00Z) nor a date (2026-11-28)"
        )
    })?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(date.at(23, 59, 59, 999_999_999))
        .map_err(|e| e.to_string())
}

/// `2026-11-28T16:15:55.565149Z` → `2026-11-28 16:15:55 UTC`.
#[must_use]
pub fn display_time(time: &str) -> String {
    match (time.get(..10), time.get(11..19)) {
        (Some(date), Some(clock)) if time.len() >= 20 => format!("{date} {clock} UTC"),
        _ => time.to_owned(),
    }
}

/// `20130919044612` → `2013-09-19 04:46:12 UTC`.
#[must_use]
pub fn wayback_time(ts: &str) -> String {
    if ts.len() == 14 && ts.bytes().all(|b| b.is_ascii_digit()) {
        format!(
            "{}-{}-{} {}:{}:{} UTC",
            &ts[..4],
            &ts[4..6],
            &ts[6..8],
            &ts[8..10],
            &ts[10..12],
            &ts[12..14]
        )
    } else {
        ts.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_times_sort_as_text() {
        let a: Timestamp = "2026-11-28T16:15:55.1Z".parse().unwrap();
        let b: Timestamp = "2026-11-28T16:15:55.12Z".parse().unwrap();
        assert!(db_time(a) < db_time(b));
        assert_eq!(db_time(a), "2026-11-28T16:15:55.100000Z");
    }

    #[test]
    fn user_times_are_instants_or_whole_days() {
        assert_eq!(
            parse_user_time("2026-11-28T10:00:00Z").unwrap().to_string(),
            "2026-11-28T10:00:00Z"
        );
        assert_eq!(
            parse_user_time("2026-11-28").unwrap().to_string(),
            "2026-11-28T23:59:59.999999999Z"
        );
        assert!(parse_user_time("yesterday").is_err());
    }
}
