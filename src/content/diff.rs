//! Diffs of main text (pure): the paragraph and word diffs `provcheck diff` prints, and the short
//! word-diff excerpts the audit report shows.

use super::similarity::{Change, Thresholds, grade, shingles, similarity};
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;

/// A side of the diff.
#[derive(Debug, Clone)]
pub struct Side {
    pub snapshot_id: i64,
    pub captured_at: String,
    pub payload_sha256: String,
    pub text: Option<String>,
    /// The page's headline (first `<h1>`).
    pub heading: Option<String>,
}

/// The two sides, their grade, and the diff as text: `[-removed-]` and `{+added+}`, unchanged
/// stretches longer than `context` words on each side elided.
#[must_use]
pub fn describe(url: &str, old: &Side, new: &Side, thresholds: Thresholds) -> String {
    let (mut change, similarity) = grade(
        old.payload_sha256 == new.payload_sha256,
        old.text.as_deref(),
        new.text.as_deref(),
        thresholds,
    );
    // Graded as the judgement grades it: a rewritten headline is an edit, whatever the text.
    let headline = (change != Change::Unchanged)
        .then(|| super::judge::rewritten_headline(old.heading.as_deref(), new.heading.as_deref()))
        .flatten();
    if headline.is_some() && change == Change::Cosmetic {
        change = Change::Edited;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "--- {url} captured {} (sha256 {})",
        old.captured_at, old.payload_sha256
    );
    let _ = writeln!(
        out,
        "+++ {url} captured {} (sha256 {})",
        new.captured_at, new.payload_sha256
    );
    let _ = writeln!(
        out,
        "change: {} (similarity {similarity:.3})",
        change.as_str()
    );
    if let Some(h) = &headline {
        let _ = writeln!(out, "headline: [-{}-] {{+{}+}}", h.before, h.after);
    }
    match (&old.text, &new.text) {
        _ if change == Change::Unchanged => {}
        (Some(a), Some(b)) => out.push_str(&paragraph_diff(a, b, 12)),
        _ => out.push_str("(binary payloads: only their digests are compared)\n"),
    }
    out
}

/// A diff by paragraph: unchanged paragraphs elided to `context` words next to a change, a
/// removed or added paragraph shown whole, and a paragraph rewritten only in part shown as a word
/// diff.
#[must_use]
pub fn paragraph_diff(old: &str, new: &str, context: usize) -> String {
    use similar::DiffTag;
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = similar::capture_diff_slices(similar::Algorithm::Patience, &old_lines, &new_lines);
    let mut out = String::new();
    let last = diff.len().saturating_sub(1);
    for (k, op) in diff.iter().enumerate() {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                let lines = &old_lines[o];
                if k > 0 {
                    let _ = writeln!(out, "  {}", edge_words(lines[0], context, false));
                }
                if lines.len() > 2 || (k > 0 && k < last && lines.len() > 1) || k == 0 || k == last
                {
                    out.push_str("  …\n");
                }
                if k < last {
                    let _ = writeln!(
                        out,
                        "  {}",
                        edge_words(lines[lines.len() - 1], context, true)
                    );
                }
            }
            DiffTag::Delete => old_lines[o].iter().for_each(|l| {
                let _ = writeln!(out, "[-{l}-]");
            }),
            DiffTag::Insert => new_lines[n].iter().for_each(|l| {
                let _ = writeln!(out, "{{+{l}+}}");
            }),
            DiffTag::Replace => {
                let (olds, news) = (&old_lines[o], &new_lines[n]);
                for i in 0..olds.len().max(news.len()) {
                    match (olds.get(i), news.get(i)) {
                        (Some(a), Some(b)) if similarity(&shingles(a), &shingles(b)) >= 0.5 => {
                            out.push_str(&word_diff(a, b, context));
                        }
                        (a, b) => {
                            if let Some(a) = a {
                                let _ = writeln!(out, "[-{a}-]");
                            }
                            if let Some(b) = b {
                                let _ = writeln!(out, "{{+{b}+}}");
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The first or last `n` words of a line.
fn edge_words(line: &str, n: usize, from_end: bool) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() <= n {
        return line.to_owned();
    }
    if from_end {
        format!("… {}", words[words.len() - n..].join(" "))
    } else {
        format!("{} …", words[..n].join(" "))
    }
}

/// One piece of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    /// `same`, `removed`, `added`, or `gap` (unchanged words left out).
    pub kind: &'static str,
    pub text: String,
}

/// A word diff as pieces: unchanged stretches longer than `context` words on each side of a change
/// are cut to that and a `gap`.
#[must_use]
pub fn word_diff_segments(old: &str, new: &str, context: usize) -> Vec<Segment> {
    let diff = TextDiff::from_words(old, new);
    let changes: Vec<(ChangeTag, &str)> = diff
        .iter_all_changes()
        .map(|c| (c.tag(), c.value()))
        .collect();
    let mut out = Vec::new();
    let mut push = |kind: &'static str, text: String| {
        if !text.is_empty() {
            out.push(Segment { kind, text });
        }
    };
    let mut i = 0;
    while i < changes.len() {
        let tag = changes[i].0;
        let start = i;
        while i < changes.len() && changes[i].0 == tag {
            i += 1;
        }
        let run: Vec<&str> = changes[start..i].iter().map(|c| c.1).collect();
        match tag {
            ChangeTag::Equal => {
                let words = run.iter().filter(|w| !w.trim().is_empty()).count();
                if words > 2 * context {
                    if start > 0 {
                        push("same", take_words(&run, context, false));
                    }
                    push("gap", "…".to_owned());
                    if i < changes.len() {
                        push("same", take_words(&run, context, true));
                    }
                } else {
                    push("same", run.concat());
                }
            }
            ChangeTag::Delete => push("removed", run.concat().trim().to_owned()),
            ChangeTag::Insert => push("added", run.concat().trim().to_owned()),
        }
    }
    out
}

/// A word diff as text: `[-removed-]` and `{+added+}`, unchanged stretches longer than `context`
/// words on each side elided.
#[must_use]
pub fn word_diff(old: &str, new: &str, context: usize) -> String {
    let mut out = String::new();
    for segment in word_diff_segments(old, new, context) {
        match segment.kind {
            "removed" => {
                let _ = write!(out, "[-{}-] ", segment.text);
            }
            "added" => {
                let _ = write!(out, "{{+{}+}} ", segment.text);
            }
            "gap" => out.push_str(" … "),
            _ => out.push_str(&segment.text),
        }
    }
    let mut out = out.trim().to_owned();
    out.push('\n');
    out
}

/// The first (or last) `n` words of a run of tokens, with the whitespace between them.
fn take_words(run: &[&str], n: usize, from_end: bool) -> String {
    let mut count = 0;
    let mut taken = Vec::new();
    let iter: Box<dyn Iterator<Item = &&str>> = if from_end {
        Box::new(run.iter().rev())
    } else {
        Box::new(run.iter())
    };
    for token in iter {
        if !token.trim().is_empty() {
            count += 1;
            if count > n {
                break;
            }
        }
        taken.push(*token);
    }
    if from_end {
        taken.reverse();
    }
    taken.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_paragraph_is_shown_whole_and_the_rest_elided() {
        let old = "First paragraph stays the same here.\nSecond paragraph says one thing entirely.\nThird stays.";
        let new = "First paragraph stays the same here.\nA completely different claim is made now.\nThird stays.";
        let d = paragraph_diff(old, new, 4);
        assert!(
            d.contains("[-Second paragraph says one thing entirely.-]"),
            "{d}"
        );
        assert!(
            d.contains("{+A completely different claim is made now.+}"),
            "{d}"
        );
    }

    #[test]
    fn word_diff_marks_what_changed_and_elides_the_rest() {
        let old = "one two three four five six seven eight nine ten eleven twelve thirteen the old sentence ends here";
        let new = "one two three four five six seven eight nine ten eleven twelve thirteen the new sentence ends here";
        let d = word_diff(old, new, 3);
        assert!(d.contains("[-old-]") && d.contains("{+new+}"), "{d}");
        assert!(d.contains('…'), "{d}");
        assert!(!d.contains("four"), "{d}");
    }
}
