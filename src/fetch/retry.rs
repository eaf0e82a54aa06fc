//! When to try a request again: a pure decision, so it is tested without a network or a clock.
//!
//! Only transient failures are retried: a connection reset or closed mid-answer, a timeout, a
//! 5xx, a 429. The schedule, for attempt `n` (1 for the first retry), is exponential backoff
//! with "equal jitter": `b = min(max_backoff, base × 2^(n−1))`, then a wait drawn uniformly from
//! `[b/2, b)`. With the defaults (base 500 ms, max 8 s) that is 250–500 ms, then 0.5–1 s.
//!
//! A `Retry-After` the server sends replaces the backoff when it is no longer than
//! `retry_after_cap`; a longer one is not waited for at all (a pre-publication check must not sit
//! for an hour because a server asked it to) and the outcome stands, with the `Retry-After`
//! recorded.

use std::time::Duration;

/// How persistent to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base: Duration,
    pub max_backoff: Duration,
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(10),
        }
    }
}

/// A failure that may go away if asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// 429 or 5xx, with the `Retry-After` the response carried.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    Timeout,
    /// Reset or closed before a complete answer.
    ConnectionLost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    RetryAfter(Duration),
    GiveUp,
}

/// Whether to retry after `attempts` attempts have failed with `failure`. `jitter` is a number
/// in `[0, 1)`, drawn by the caller.
#[must_use]
pub fn decide(policy: &RetryPolicy, attempts: u32, failure: Transient, jitter: f64) -> Decision {
    if attempts > policy.max_retries {
        return Decision::GiveUp;
    }
    if let Transient::Status {
        retry_after: Some(wait),
        ..
    } = failure
    {
        return if wait <= policy.retry_after_cap {
            Decision::RetryAfter(wait)
        } else {
            Decision::GiveUp
        };
    }
    let exponent = attempts.saturating_sub(1).min(20);
    let backoff = policy
        .base
        .saturating_mul(1 << exponent)
        .min(policy.max_backoff);
    let half = backoff / 2;
    Decision::RetryAfter(half + half.mul_f64(jitter.clamp(0.0, 1.0)))
}

/// Whether a status is worth retrying.
#[must_use]
pub fn is_transient_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (measured from `now`). A date in
/// the past means "now"; garbage means no `Retry-After`.
#[must_use]
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        base: Duration::from_millis(500),
        max_backoff: Duration::from_secs(2),
        retry_after_cap: Duration::from_secs(10),
    };

    #[test]
    fn backoff_doubles_with_equal_jitter_up_to_the_cap() {
        let table = [
            (1, 0.0, 250),
            (1, 0.5, 375),
            (2, 0.0, 500),
            (2, 0.5, 750),
            (3, 0.0, 1000),
        ];
        for (attempts, jitter, millis) in table {
            assert_eq!(
                decide(&POLICY, attempts, Transient::Timeout, jitter),
                Decision::RetryAfter(Duration::from_millis(millis)),
                "attempt {attempts} jitter {jitter}"
            );
        }
        assert_eq!(
            decide(&POLICY, 4, Transient::Timeout, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_wins_up_to_the_cap_and_beyond_it_we_give_up() {
        let status = |secs| Transient::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            decide(&POLICY, 1, status(2), 0.3),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(decide(&POLICY, 1, status(3600), 0.3), Decision::GiveUp);
        assert_eq!(decide(&POLICY, 4, status(1), 0.3), Decision::GiveUp);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", SystemTime::now()), None);
    }

    #[test]
    fn only_429_and_5xx_are_transient() {
        assert!(is_transient_status(429));
        assert!(is_transient_status(503));
        assert!(!is_transient_status(404));
        assert!(!is_transient_status(403));
    }
}
