//! Verdicts: what we conclude about a citation over time, from its checks. Pure: events and the
//! clock come in as values, so tests need not wait a day.
//!
//! One failed check makes a citation `failing`; it is confirmed `dead` (or `soft-404`, or
//! `replaced`) only after [`Policy::confirmations`] counted failures, where a failure counts only
//! if it comes at least [`Policy::spacing`] after the previous counted one (the Wikipedia
//! dead-link bot's rule: 3 failures at least 24 hours apart). Any success resets the count.
//! `blocked` and `rate-limited` never make a source dead: they are states of their own that leave
//! the count alone. Whether `server-error` and `timeout` count is configurable.

use crate::content::similarity::Change;
use crate::outcome::OutcomeKind;
use jiff::Timestamp;
use serde::Serialize;
use std::time::Duration;

/// How failures are confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Counted failures that confirm a verdict.
    pub confirmations: u32,
    /// Least time between two counted failures.
    pub spacing: Duration,
    /// Whether a 5xx (after retries) counts as a failure.
    pub server_errors_count: bool,
    /// Whether a timeout counts as a failure.
    pub timeouts_count: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            confirmations: 3,
            spacing: Duration::from_secs(24 * 3600),
            server_errors_count: true,
            timeouts_count: true,
        }
    }
}

/// Which kind of failure a citation is heading for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Track {
    Dead,
    Soft404,
    Replaced,
}

/// What one check says, for the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Answered, and not replaced.
    Success,
    /// A failure on a track.
    Failure(Track),
    Blocked,
    RateLimited,
    /// Neither success nor failure (a timeout or 5xx the policy does not count).
    Inconclusive,
}

impl Event {
    /// The event of a check with `outcome` and, for a success, its change against the reference.
    #[must_use]
    pub fn of(outcome: OutcomeKind, change: Option<Change>, policy: &Policy) -> Self {
        match outcome {
            OutcomeKind::Ok | OutcomeKind::Redirected if change == Some(Change::Replaced) => {
                Event::Failure(Track::Replaced)
            }
            OutcomeKind::Ok | OutcomeKind::Redirected | OutcomeKind::Accepted => Event::Success,
            // Never fetched: no evidence either way.
            OutcomeKind::Skipped | OutcomeKind::NotChecked => Event::Inconclusive,
            OutcomeKind::Soft404 => Event::Failure(Track::Soft404),
            OutcomeKind::Blocked => Event::Blocked,
            OutcomeKind::RateLimited => Event::RateLimited,
            OutcomeKind::ServerError if !policy.server_errors_count => Event::Inconclusive,
            OutcomeKind::Timeout if !policy.timeouts_count => Event::Inconclusive,
            _ => Event::Failure(Track::Dead),
        }
    }
}

/// The verdict on a citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Never checked yet.
    Unchecked,
    Ok {
        since: Timestamp,
    },
    /// Failed, not yet confirmed.
    Failing {
        track: Track,
        since: Timestamp,
        /// Counted failures so far.
        counted: u32,
        last_counted: Timestamp,
    },
    /// Confirmed.
    Confirmed {
        track: Track,
        since: Timestamp,
    },
    Blocked {
        since: Timestamp,
    },
    RateLimited {
        since: Timestamp,
    },
}

impl Verdict {
    /// The verdict's name, kebab-case: `ok`, `failing`, `dead`, `soft-404`, `replaced`,
    /// `blocked`, `rate-limited`, `unchecked`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Unchecked => "unchecked",
            Verdict::Ok { .. } => "ok",
            Verdict::Failing { .. } => "failing",
            Verdict::Confirmed {
                track: Track::Dead, ..
            } => "dead",
            Verdict::Confirmed {
                track: Track::Soft404,
                ..
            } => "soft-404",
            Verdict::Confirmed {
                track: Track::Replaced,
                ..
            } => "replaced",
            Verdict::Blocked { .. } => "blocked",
            Verdict::RateLimited { .. } => "rate-limited",
        }
    }

    /// Since when the verdict has held (for `failing`, since the first failure).
    #[must_use]
    pub fn since(&self) -> Option<Timestamp> {
        match self {
            Verdict::Unchecked => None,
            Verdict::Ok { since }
            | Verdict::Failing { since, .. }
            | Verdict::Confirmed { since, .. }
            | Verdict::Blocked { since }
            | Verdict::RateLimited { since } => Some(*since),
        }
    }

    /// The verdict after a check at `at` that says `event`.
    #[must_use]
    pub fn step(self, event: Event, at: Timestamp, policy: &Policy) -> Self {
        let spacing =
            jiff::SignedDuration::try_from(policy.spacing).unwrap_or(jiff::SignedDuration::MAX);
        match (self, event) {
            (Verdict::Ok { since }, Event::Success) => Verdict::Ok { since },
            (_, Event::Success) => Verdict::Ok { since: at },
            // A timeout or 5xx the policy does not count leaves every state as it is.
            (v, Event::Inconclusive) => v,
            (Verdict::Blocked { since }, Event::Blocked) => Verdict::Blocked { since },
            (_, Event::Blocked) => Verdict::Blocked { since: at },
            (Verdict::RateLimited { since }, Event::RateLimited) => Verdict::RateLimited { since },
            (_, Event::RateLimited) => Verdict::RateLimited { since: at },
            (Verdict::Confirmed { track, since }, Event::Failure(t)) if t == track => {
                Verdict::Confirmed { track, since }
            }
            (
                Verdict::Failing {
                    since,
                    counted,
                    last_counted,
                    ..
                },
                Event::Failure(track),
            ) => {
                let counts = at.duration_since(last_counted) >= spacing;
                let counted = if counts { counted + 1 } else { counted };
                let last_counted = if counts { at } else { last_counted };
                if counted >= policy.confirmations {
                    Verdict::Confirmed { track, since: at }
                } else {
                    Verdict::Failing {
                        track,
                        since,
                        counted,
                        last_counted,
                    }
                }
            }
            (_, Event::Failure(track)) => {
                if policy.confirmations <= 1 {
                    Verdict::Confirmed { track, since: at }
                } else {
                    Verdict::Failing {
                        track,
                        since: at,
                        counted: 1,
                        last_counted: at,
                    }
                }
            }
        }
    }

    /// The verdict after a sequence of checks, oldest first.
    #[must_use]
    pub fn replay(events: impl IntoIterator<Item = (Timestamp, Event)>, policy: &Policy) -> Self {
        events
            .into_iter()
            .fold(Verdict::Unchecked, |v, (at, e)| v.step(e, at, policy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hours: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(hours)
    }

    const DEAD: Event = Event::Failure(Track::Dead);

    /// (events as (hour, event), expected verdict name)
    #[test]
    fn the_state_machine_table() {
        let policy = Policy::default();
        let table: &[(&[(i64, Event)], &str)] = &[
            (&[], "unchecked"),
            (&[(0, Event::Success)], "ok"),
            (&[(0, DEAD)], "failing"),
            (&[(0, DEAD), (24, DEAD)], "failing"),
            (&[(0, DEAD), (24, DEAD), (48, DEAD)], "dead"),
            // Failures closer than 24 h apart do not count: three bad nights needed, not three bad hours.
            (&[(0, DEAD), (1, DEAD), (2, DEAD), (3, DEAD)], "failing"),
            (
                &[(0, DEAD), (1, DEAD), (24, DEAD), (30, DEAD), (48, DEAD)],
                "dead",
            ),
            // Any success resets.
            (
                &[(0, DEAD), (24, DEAD), (36, Event::Success), (48, DEAD)],
                "failing",
            ),
            (
                &[(0, DEAD), (24, DEAD), (48, DEAD), (72, Event::Success)],
                "ok",
            ),
            // Blocked and rate-limited never make a source dead.
            (
                &[
                    (0, Event::Blocked),
                    (24, Event::Blocked),
                    (48, Event::Blocked),
                    (72, Event::Blocked),
                ],
                "blocked",
            ),
            (
                &[
                    (0, Event::RateLimited),
                    (24, Event::RateLimited),
                    (48, Event::RateLimited),
                ],
                "rate-limited",
            ),
            // Soft-404 and replaced are confirmed the same way.
            (
                &[
                    (0, Event::Failure(Track::Soft404)),
                    (24, Event::Failure(Track::Soft404)),
                ],
                "failing",
            ),
            (
                &[
                    (0, Event::Failure(Track::Soft404)),
                    (24, Event::Failure(Track::Soft404)),
                    (48, Event::Failure(Track::Soft404)),
                ],
                "soft-404",
            ),
            (
                &[
                    (0, Event::Failure(Track::Replaced)),
                    (24, Event::Failure(Track::Replaced)),
                    (48, Event::Failure(Track::Replaced)),
                ],
                "replaced",
            ),
            // An inconclusive check changes nothing.
            (
                &[(0, DEAD), (24, Event::Inconclusive), (48, DEAD)],
                "failing",
            ),
            (&[(0, Event::Success), (24, Event::Inconclusive)], "ok"),
        ];
        for (events, expected) in table {
            let verdict = Verdict::replay(events.iter().map(|(h, e)| (t(*h), *e)), &policy);
            assert_eq!(verdict.name(), *expected, "{events:?}");
        }
    }

    #[test]
    fn since_is_when_the_state_began() {
        let policy = Policy::default();
        let v = Verdict::replay(
            [
                (t(0), Event::Success),
                (t(24), Event::Success),
                (t(30), DEAD),
            ],
            &policy,
        );
        assert!(matches!(v, Verdict::Failing { since, counted: 1, .. } if since == t(30)));
        let v = Verdict::replay(
            [(t(0), DEAD), (t(24), DEAD), (t(48), DEAD), (t(72), DEAD)],
            &policy,
        );
        assert_eq!(
            v,
            Verdict::Confirmed {
                track: Track::Dead,
                since: t(48)
            }
        );
    }

    #[test]
    fn whether_5xx_and_timeouts_count_is_a_policy() {
        let lenient = Policy {
            server_errors_count: false,
            timeouts_count: false,
            ..Policy::default()
        };
        assert_eq!(
            Event::of(OutcomeKind::ServerError, None, &lenient),
            Event::Inconclusive
        );
        assert_eq!(
            Event::of(OutcomeKind::Timeout, None, &lenient),
            Event::Inconclusive
        );
        assert_eq!(
            Event::of(OutcomeKind::ServerError, None, &Policy::default()),
            DEAD
        );
        assert_eq!(Event::of(OutcomeKind::NotFound, None, &lenient), DEAD);
        assert_eq!(
            Event::of(OutcomeKind::Ok, Some(Change::Replaced), &lenient),
            Event::Failure(Track::Replaced)
        );
        assert_eq!(
            Event::of(OutcomeKind::Ok, Some(Change::Edited), &lenient),
            Event::Success
        );
        assert_eq!(
            Event::of(OutcomeKind::Blocked, None, &lenient),
            Event::Blocked
        );
    }
}
