//! Matching a quotation against a source's text, word by word: the exact search (parts in
//! order, through the rarest word's positions) and the nearest passage (one sliding pass, then
//! a word alignment of the best few windows).

use super::{Difference, INSERTION_WORDS, MAX_WORDS, QuoteCheck, QuoteStatus};
use std::collections::HashMap;
use std::ops::Range;

/// A word of a text and where it is.
#[derive(Debug, Clone)]
pub(super) struct Word {
    folded: String,
    span: Range<usize>,
}

/// The words of a text, lower-cased, with their byte spans: runs of letters and digits, an
/// apostrophe inside a word kept (`don't`), a decimal point or separator between digits kept
/// (`3.5`, `1,000`).
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let next = chars.get(k + 1).map(|n| n.1);
        let joins = match c {
            '\'' | '\u{2019}' => {
                prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)
            }
            '.' | ',' => {
                prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit())
            }
            // Soft hyphens and zero-width characters, which pages put inside words and copies
            // of them carry along: part of the word, never compared.
            c if INVISIBLE.contains(&c) => {
                prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)
            }
            c => c.is_alphanumeric(),
        };
        match (joins, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(word(text, s..i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(word(text, s..text.len()));
    }
    out
}

/// Characters inside a word that a reader does not see.
const INVISIBLE: &[char] = &[
    '\u{00ad}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
];

fn word(text: &str, span: Range<usize>) -> Word {
    Word {
        folded: text[span.clone()]
            .chars()
            .filter(|c| !INVISIBLE.contains(c))
            .flat_map(char::to_lowercase)
            .map(|c| if c == '\u{2019}' { '\'' } else { c })
            .collect(),
        span,
    }
}

/// A part of a quotation: words to find, and what may stand between it and the part before.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Words(Vec<String>),
    /// An elision: anything.
    Gap,
    /// An editorial insertion: up to [`INSERTION_WORDS`] words.
    Insertion,
}

/// A quotation read into its parts.
fn pieces(quote: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut rest = quote;
    let push_words = |out: &mut Vec<Piece>, text: &str| {
        let w: Vec<String> = words(text).into_iter().map(|w| w.folded).collect();
        if !w.is_empty() {
            match out.last_mut() {
                Some(Piece::Words(prev)) => prev.extend(w),
                _ => out.push(Piece::Words(w)),
            }
        }
    };
    loop {
        let ellipsis = rest.find("...").map(|i| (i, 3, Piece::Gap));
        let glyph = rest.find('\u{2026}').map(|i| (i, 3, Piece::Gap));
        let bracket = rest.find('[').and_then(|i| {
            let close = rest[i..].find(']')? + i;
            let inner = rest[i + 1..close].trim();
            let piece = if inner.is_empty() || inner == "..." || inner == "\u{2026}" {
                Piece::Gap
            } else if inner.eq_ignore_ascii_case("sic") {
                // Nothing in the source.
                Piece::Words(Vec::new())
            } else if !inner.contains(char::is_whitespace)
                && inner.contains(|c: char| c.is_ascii_digit())
            {
                // A footnote or reference marker ([3], [M5]) quoted from the source, not an
                // editor's words: it must be there.
                Piece::Words(vec![String::from(inner)])
            } else {
                Piece::Insertion
            };
            Some((i, close + 1 - i, piece))
        });
        let next = [ellipsis, glyph, bracket]
            .into_iter()
            .flatten()
            .min_by_key(|(i, _, _)| *i);
        let Some((i, len, piece)) = next else {
            push_words(&mut out, rest);
            break;
        };
        push_words(&mut out, &rest[..i]);
        match piece {
            Piece::Words(marker) => push_words(&mut out, &marker.join(" ")),
            piece => {
                if out.last() != Some(&Piece::Gap) || piece != Piece::Gap {
                    out.push(piece);
                }
            }
        }
        rest = &rest[i + len..];
    }
    out
}

/// Negation words, in the eight languages of the cues: a difference in one is never `close`.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "n't", "nicht",
    "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nichts", "ne", "pas",
    "jamais", "aucun", "aucune", "rien", "non", "nunca", "ningún", "ninguna", "nada", "não", "nem",
    "nenhum", "nenhuma", "nulla", "mai", "nessuno", "niet", "geen", "nooit", "nie", "żaden",
    "żadna", "nigdy",
];

fn substantive(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) || NEGATIONS.contains(&word) || word.ends_with("n't")
}

/// Checks a quotation against the source's text.
#[must_use]
pub fn check(quote: &str, source: &str) -> QuoteCheck {
    let parts = pieces(quote);
    let text = words(source);
    let folded: Vec<&str> = text.iter().map(|w| w.folded.as_str()).collect();
    let index = WordIndex::new(&folded);
    if let Some(span) = find_in_order(&parts, &index) {
        return QuoteCheck {
            status: QuoteStatus::Found,
            paragraph: paragraph(source, &text, span.clone()),
            passage: Some(passage(source, &text, span)),
            differences: Vec::new(),
        };
    }
    // Not verbatim: the nearest passage of each part, by word edit distance.
    let mut differences = Vec::new();
    let mut edits = 0usize;
    let mut total = 0usize;
    let mut spans = Vec::new();
    let mut unmatched = false;
    // Parts are looked for in order: an elided quotation that reorders the source is not it.
    let mut from = 0;
    for part in &parts {
        let Piece::Words(part) = part else { continue };
        let part: Vec<&str> = part.iter().take(MAX_WORDS).map(String::as_str).collect();
        total += part.len();
        if let Some(at) = index.find(&part, from) {
            spans.push(at..at + part.len());
            from = at + part.len();
            continue;
        }
        match nearest(&part, &folded[from.min(folded.len())..]) {
            Some((span, distance, diffs)) if distance * 2 <= part.len() => {
                edits += distance;
                differences.extend(diffs);
                let span = span.start + from..span.end + from;
                from = span.end;
                spans.push(span);
            }
            _ => unmatched = true,
        }
    }
    let shown = spans
        .iter()
        .map(|s| passage(source, &text, s.clone()))
        .collect::<Vec<_>>()
        .join(" [...] ");
    let small = edits <= (total / 10).max(1);
    let substantive = differences.iter().any(|d| {
        words(&d.quoted)
            .iter()
            .chain(words(&d.source).iter())
            .any(|w| substantive(&w.folded))
    });
    let status = if !unmatched && small && !substantive {
        QuoteStatus::Close
    } else {
        QuoteStatus::NotFound
    };
    QuoteCheck {
        status,
        passage: (!shown.is_empty() && !unmatched).then_some(shown),
        differences,
        paragraph: None,
    }
}

/// The lines of the source from the one the span starts in to the one it ends in.
fn paragraph(source: &str, text: &[Word], span: Range<usize>) -> Option<String> {
    let start = text.get(span.start)?.span.start;
    let end = text.get(span.end.checked_sub(1)?)?.span.end;
    let from = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = source[end..].find('\n').map_or(source.len(), |i| end + i);
    Some(source[from..to].trim().to_owned())
}

/// The source's text from the first to the last word of `span`.
fn passage(source: &str, text: &[Word], span: Range<usize>) -> String {
    match (text.get(span.start), text.get(span.end.saturating_sub(1))) {
        (Some(first), Some(last)) if span.end > span.start => source
            [first.span.start..last.span.end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// Where each word occurs in the source.
struct WordIndex<'t> {
    words: &'t [&'t str],
    at: HashMap<&'t str, Vec<usize>>,
}

impl<'t> WordIndex<'t> {
    fn new(words: &'t [&'t str]) -> Self {
        let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            at.entry(*w).or_default().push(i);
        }
        Self { words, at }
    }

    /// The first occurrence of `part` at or after `from`. Candidates are the occurrences of its
    /// rarest word, so a common first word never makes the search quadratic.
    fn find(&self, part: &[&str], from: usize) -> Option<usize> {
        let (offset, rarest) = part
            .iter()
            .enumerate()
            .min_by_key(|(_, w)| self.at.get(*w).map_or(0, Vec::len))?;
        let positions = self.at.get(rarest)?;
        let first = positions.partition_point(|&p| p < from + offset);
        positions[first..].iter().find_map(|&p| {
            let start = p - offset;
            (self.words.get(start..start + part.len()) == Some(part)).then_some(start)
        })
    }
}

/// The span of the source where the parts occur in order (gaps and insertions between them).
fn find_in_order(parts: &[Piece], index: &WordIndex<'_>) -> Option<Range<usize>> {
    let mut from = 0;
    let mut first = None;
    let mut bound: Option<usize> = None; // an insertion: the next part starts within this many
    let mut end = 0;
    for piece in parts {
        match piece {
            Piece::Gap => bound = None,
            Piece::Insertion => bound = Some(INSERTION_WORDS),
            Piece::Words(part) => {
                let part: Vec<&str> = part.iter().take(MAX_WORDS).map(String::as_str).collect();
                let at = index.find(&part, from)?;
                if first.is_some() && bound.is_some_and(|b| at > from + b) {
                    return None;
                }
                first.get_or_insert(at);
                end = at + part.len();
                from = end;
                bound = Some(0);
            }
        }
    }
    first.map(|f| f..end)
}

/// The nearest passage of the source to `part`: windows of its length ranked by the words
/// they share with it (one pass), the best few aligned word by word. Its span, the word edit
/// distance and the differing words.
fn nearest(part: &[&str], words: &[&str]) -> Option<(Range<usize>, usize, Vec<Difference>)> {
    let m = part.len();
    if m == 0 || words.is_empty() {
        return None;
    }
    let mut want: HashMap<&str, i64> = HashMap::new();
    for w in part {
        *want.entry(*w).or_default() += 1;
    }
    let width = m.min(words.len());
    let mut have: HashMap<&str, i64> = HashMap::new();
    let mut shared = 0i64;
    let mut best: Vec<(i64, usize)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(&need) = want.get(w) {
            let h = have.entry(w).or_default();
            if *h < need {
                shared += 1;
            }
            *h += 1;
        }
        if i >= width {
            let gone = words[i - width];
            if let Some(&need) = want.get(gone) {
                let h = have.entry(gone).or_default();
                *h -= 1;
                if *h < need {
                    shared -= 1;
                }
            }
        }
        if i + 1 >= width {
            best.push((shared, i + 1 - width));
        }
    }
    best.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    best.dedup_by(|a, b| a.1.abs_diff(b.1) < 3);
    best.into_iter()
        .take(3)
        .filter(|(shared, _)| *shared > 0)
        .map(|(_, start)| {
            let lo = start.saturating_sub(3);
            let hi = (start + width + 3).min(words.len());
            align(part, &words[lo..hi], lo)
        })
        .min_by_key(|(_, distance, _)| *distance)
}

/// Aligns `part` with the best substring of `window` (free start and end in the window): its
/// span (offset by `base`), the word edit distance and the differing words.
fn align(part: &[&str], window: &[&str], base: usize) -> (Range<usize>, usize, Vec<Difference>) {
    let (m, n) = (part.len(), window.len());
    // cost[i][j]: part[..i] aligned ending at window[..j].
    let mut cost = vec![vec![0usize; n + 1]; m + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    for i in 1..=m {
        for j in 1..=n {
            let same = usize::from(part[i - 1] != window[j - 1]);
            cost[i][j] = (cost[i - 1][j - 1] + same)
                .min(cost[i - 1][j] + 1)
                .min(cost[i][j - 1] + 1);
        }
    }
    let (end, distance) = (0..=n)
        .map(|j| (j, cost[m][j]))
        .min_by_key(|&(j, c)| (c, std::cmp::Reverse(j)))
        .unwrap_or((0, m));
    // Walk back for the start and the differences.
    let (mut i, mut j) = (m, end);
    let mut ops: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    while i > 0 {
        if j > 0 && cost[i][j] == cost[i - 1][j - 1] + usize::from(part[i - 1] != window[j - 1]) {
            ops.push((Some(part[i - 1]), Some(window[j - 1])));
            i -= 1;
            j -= 1;
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            ops.push((Some(part[i - 1]), None));
            i -= 1;
        } else {
            ops.push((None, Some(window[j - 1])));
            j -= 1;
        }
    }
    ops.reverse();
    let mut differences: Vec<Difference> = Vec::new();
    let mut open = false;
    for (quoted, source) in ops {
        if quoted.is_some() && quoted == source {
            open = false;
            continue;
        }
        if !open {
            differences.push(Difference {
                quoted: String::new(),
                source: String::new(),
            });
            open = true;
        }
        let last = differences.last_mut().expect("pushed above");
        for (into, word) in [(&mut last.quoted, quoted), (&mut last.source, source)] {
            if let Some(word) = word {
                if !into.is_empty() {
                    into.push(' ');
                }
                into.push_str(word);
            }
        }
    }
    (base + j..base + end, distance, differences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quote::{MAX_QUOTES, find_quotes};

    const SOURCE: &str = "The minister said on Tuesday that talks with regional partners would \
        resume after the summit, officials confirmed. \u{201c}We will not sign a deal that hurts \
        farmers,\u{201d} she told reporters. The budget of 14 billion euros was approved.\n\
        Analysts cautioned that any agreement would depend on parliament.";

    fn status(quote: &str) -> QuoteStatus {
        check(quote, SOURCE).status
    }

    #[test]
    fn exact_quotations_are_found_whatever_the_typography() {
        assert_eq!(
            status("We will NOT sign a deal that hurts farmers."),
            QuoteStatus::Found
        );
        assert_eq!(
            status("talks with regional partners would resume"),
            QuoteStatus::Found
        );
        // Across a paragraph break.
        assert_eq!(
            status("The budget of 14 billion euros was approved. Analysts cautioned"),
            QuoteStatus::Found
        );
        let found = check("we will not sign a deal", SOURCE);
        assert_eq!(found.passage.as_deref(), Some("We will not sign a deal"));
    }

    #[test]
    fn elisions_and_insertions_are_read_as_editors_write_them() {
        assert_eq!(
            status("The minister said ... talks with regional partners would resume"),
            QuoteStatus::Found
        );
        assert_eq!(
            status(
                "The minister said [\u{2026}] that talks \u{2026} would resume after the summit"
            ),
            QuoteStatus::Found
        );
        assert_eq!(
            status("[The ministry] will not sign a deal that hurts farmers"),
            QuoteStatus::Found
        );
        assert_eq!(
            status("any agreement [sic] would depend on parliament"),
            QuoteStatus::Found
        );
        // Out of order is not an elision.
        assert_eq!(
            status("officials confirmed ... The minister said on Tuesday"),
            QuoteStatus::NotFound
        );
    }

    #[test]
    fn a_changed_word_is_close_a_number_or_negation_not_found() {
        let close = check(
            "talks with regional allies would resume after the summit",
            SOURCE,
        );
        assert_eq!(close.status, QuoteStatus::Close);
        assert_eq!(
            close.differences,
            [Difference {
                quoted: "allies".into(),
                source: "partners".into()
            }]
        );
        assert_eq!(
            status("We will sign a deal that hurts farmers"),
            QuoteStatus::NotFound
        );
        assert_eq!(
            status("The budget of 40 billion euros was approved"),
            QuoteStatus::NotFound
        );
        let changed = check("The budget of 40 billion euros was approved", SOURCE);
        assert_eq!(
            changed.passage.as_deref(),
            Some("The budget of 14 billion euros was approved")
        );
        assert_eq!(
            status("Analysts said the agreement would never depend on parliament at all"),
            QuoteStatus::NotFound
        );
        assert_eq!(
            status("completely unrelated words about the weather tomorrow"),
            QuoteStatus::NotFound
        );
    }

    #[test]
    fn hostile_sizes_stay_linear() {
        let source = "the ".repeat(200_000);
        let quote = format!("{}end", "the ".repeat(300));
        // 300 words of 301 are there: close, and found without a quadratic search.
        assert_eq!(check(&quote, &source).status, QuoteStatus::Close);
        let many = "\"a b c d\" ".repeat(10_000);
        assert_eq!(find_quotes(&many).len(), MAX_QUOTES);
        // Openings without their closing mark: each style is scanned once.
        let unclosed = "\u{00ab}\u{201e}\u{2018}".repeat(300_000);
        assert!(find_quotes(&unclosed).is_empty());
    }
}
