//! How much a text changed: the Jaccard similarity of word 3-shingles, and the change grades.
//!
//! Words are lower-cased and stripped of punctuation; each run of three words is hashed with
//! FNV-1a (a fixed function, so stored fingerprints stay comparable across versions). Two texts
//! that share most of their sentences score near 1; an unrelated article scores near 0. The
//! thresholds are calibrated on real pages (`examples/calibrate.rs`; the README says how).

use serde::Serialize;
use std::collections::HashSet;

/// Words per shingle.
pub const SHINGLE: usize = 3;

/// How a capture differs from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Same payload digest, or a 304.
    Unchanged,
    /// Same normalized main text: only markup, ads, scripts or timestamps outside it changed.
    Cosmetic,
    /// Similar main text: the same page, edited.
    Edited,
    /// Every paragraph of the other text is still there, and paragraphs were added: a live
    /// blog's new entries, an update at the end. An edit, never `replaced`, however much was
    /// added.
    Appended,
    /// The article gave way to a subscription or login wall: neither replaced nor dead (see
    /// [`super::soft404::paywall`]).
    Paywalled,
    /// A different page.
    Replaced,
}

impl Change {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::Cosmetic => "cosmetic",
            Change::Edited => "edited",
            Change::Appended => "appended",
            Change::Paywalled => "paywalled",
            Change::Replaced => "replaced",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Change::Unchanged,
            Change::Cosmetic,
            Change::Edited,
            Change::Appended,
            Change::Paywalled,
            Change::Replaced,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Where `edited` ends and `replaced` begins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above this similarity, a changed text is `edited`; below, `replaced`.
    pub edited: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { edited: 0.30 }
    }
}

/// The set of shingle hashes of a text.
#[must_use]
pub fn shingles(text: &str) -> HashSet<u64> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < SHINGLE {
        return words.iter().map(|w| fnv1a(w.as_bytes())).collect();
    }
    words
        .windows(SHINGLE)
        .map(|w| fnv1a(w.join(" ").as_bytes()))
        .collect()
}

/// Jaccard similarity of two shingle sets; two empty texts are identical.
#[must_use]
pub fn similarity<S: std::hash::BuildHasher>(a: &HashSet<u64, S>, b: &HashSet<u64, S>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// Grades `new` against `old`. Texts are `None` for binary payloads, which can only be
/// `unchanged` or `replaced`.
#[must_use]
pub fn grade(
    same_payload: bool,
    old: Option<&str>,
    new: Option<&str>,
    thresholds: Thresholds,
) -> (Change, f64) {
    if same_payload {
        return (Change::Unchanged, 1.0);
    }
    match (old, new) {
        (Some(a), Some(b)) if a == b => (Change::Cosmetic, 1.0),
        (Some(a), Some(b)) => {
            let s = similarity(&shingles(a), &shingles(b));
            let change = if is_appended(a, b) {
                Change::Appended
            } else if s >= thresholds.edited {
                Change::Edited
            } else {
                Change::Replaced
            };
            (change, s)
        }
        _ => (Change::Replaced, 0.0),
    }
}

/// Paragraphs of at least this many words count in `is_appended` (shorter lines are badges,
/// labels and bylines, which come and go).
const APPENDED_MIN_WORDS: usize = 4;

/// Whether `new` holds every paragraph of `old` (of at least four words, at least two of them)
/// and at least one more: text was added, none was taken away or rewritten. In any order: live
/// blogs put new entries first.
#[must_use]
pub fn is_appended(old: &str, new: &str) -> bool {
    let long = |l: &&str| l.split_whitespace().count() >= APPENDED_MIN_WORDS;
    let old_lines: HashSet<&str> = old.lines().filter(long).collect();
    let new_lines: HashSet<&str> = new.lines().filter(long).collect();
    old_lines.len() >= 2 && old_lines.is_subset(&new_lines) && new_lines.len() > old_lines.len()
}

/// FNV-1a, 64 bits.
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "The minister said on Tuesday that talks with regional partners would resume after the summit. \
        A delegation arrived in the capital where negotiations over trade continued late into the night. \
        Analysts cautioned that any agreement would depend on parliament approving the budget. \
        Opposition leaders demanded an inquiry into the handling of the crisis.";

    #[test]
    fn grades_follow_the_text() {
        let t = Thresholds::default();
        assert_eq!(grade(true, Some(A), Some("x"), t).0, Change::Unchanged);
        assert_eq!(grade(false, Some(A), Some(A), t), (Change::Cosmetic, 1.0));
        let edited = A.replace(
            "Analysts cautioned that any agreement would depend on parliament approving the budget.",
            "Economists warned the deal could collapse without a vote on spending.",
        );
        let (change, s) = grade(false, Some(A), Some(&edited), t);
        assert_eq!(change, Change::Edited, "{s}");
        let other = "Heavy rain flooded the valley overnight and rescue teams evacuated three villages \
            while the weather service warned of more storms in the coming days across the region.";
        let (change, s) = grade(false, Some(A), Some(other), t);
        assert_eq!(change, Change::Replaced, "{s}");
        assert!(s < 0.05);
        assert_eq!(grade(false, None, None, t).0, Change::Replaced);
    }

    #[test]
    fn text_added_with_nothing_taken_away_is_appended_however_much() {
        use std::fmt::Write as _;
        let t = Thresholds::default();
        let old = "Live: talks at the summit resume this morning in the capital.\n\
                   The delegations arrived late last night after a long flight.";
        let mut new = String::new();
        for i in 0..20 {
            let _ = writeln!(
                new,
                "Entry {i}: the minister spoke again about the trade talks."
            );
        }
        new.push_str(old);
        let (change, s) = grade(false, Some(old), Some(&new), t);
        assert_eq!(change, Change::Appended, "{s}");
        assert!(
            s < t.edited,
            "far below the threshold, and still not replaced: {s}"
        );
        // A paragraph taken away or rewritten is not an append.
        let rewritten = format!("{new}\n").replace("after a long flight", "after a short flight");
        assert_ne!(
            grade(false, Some(old), Some(&rewritten), t).0,
            Change::Appended
        );
        // Nor is the same text (cosmetic), nor a one-paragraph page inside another.
        assert_eq!(grade(false, Some(old), Some(old), t).0, Change::Cosmetic);
        assert!(!is_appended("Page not found, sorry about that.", &new));
    }

    #[test]
    fn shingles_ignore_case_and_punctuation() {
        assert_eq!(
            shingles("Hello, World again!"),
            shingles("hello world AGAIN")
        );
        assert!((similarity(&shingles(""), &shingles("")) - 1.0).abs() < f64::EPSILON);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
