//! The grade confusion matrix on the labelled pairs `scripts/grade_pairs.py` builds: each pair
//! an "as cited" and a "now" page made from a real corpus article, labelled with the kind of
//! change made. Each pair is judged as the archive judges a new capture against a citation's
//! reference ([`compare_extracts`]), after the check's soft-404 rules on the new page.

use provcheck::content::extract;
use provcheck::content::judge::compare_extracts;
use provcheck::content::similarity::Thresholds;
use provcheck::content::soft404::page_evidence;
use provcheck::content::text::main_text;
use std::collections::BTreeMap;
use std::path::Path;

const KINDS: [&str; 10] = [
    "unchanged",
    "cosmetic",
    "dateline-only",
    "headline",
    "edited",
    "appended",
    "correction",
    "paywalled",
    "replaced",
    "soft-404",
];

/// What a desk can be told: every kind of change made but `dateline-only`, which has no grade
/// of its own (a dateline is kept out of the compared text).
fn verdicts() -> impl Iterator<Item = &'static str> {
    KINDS.into_iter().filter(|k| *k != "dateline-only")
}

/// What a desk is told of a pair, as one word: a soft-404 first, then a correction, then a
/// rewritten headline, else the grade.
fn verdict(old: &[u8], new: &[u8]) -> &'static str {
    let html = provcheck::content::decode::to_text(new, Some("text/html"));
    if page_evidence(&html, || Some(main_text(&html, None))).is_some() {
        return "soft-404";
    }
    let (Ok(old), Ok(new)) = (
        extract(Some("text/html"), None, old, None),
        extract(Some("text/html"), None, new, None),
    ) else {
        return "error";
    };
    let c = compare_extracts(Some(&old), Some(&new), true, Thresholds::default());
    if c.missing.is_some() {
        "soft-404"
    } else if c.correction.is_some() {
        "correction"
    } else if c.headline.is_some() {
        "headline"
    } else {
        c.change.as_str()
    }
}

/// Whether `said` is right for a pair of `kind`: the three quiet kinds may be told unchanged
/// or cosmetic (neither wakes the desk); every other kind must be named.
fn right(kind: &str, said: &str) -> bool {
    match kind {
        "unchanged" | "cosmetic" | "dateline-only" => matches!(said, "unchanged" | "cosmetic"),
        _ => kind == said,
    }
}

pub fn run(set: &Path) {
    let pairs: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(set.join("pairs.json"))
            .expect("pairs.json: build the pairs with scripts/grade_pairs.py first"),
    )
    .expect("pairs.json is JSON");
    let mut matrix: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    let mut wrong = Vec::new();
    let (mut good, mut all) = (0, 0);
    for pair in &pairs {
        let s = |k: &str| pair[k].as_str().unwrap_or_default().to_owned();
        let (Ok(old), Ok(new)) = (
            std::fs::read(set.join(s("old"))),
            std::fs::read(set.join(s("new"))),
        ) else {
            continue;
        };
        let kind = KINDS
            .iter()
            .find(|k| **k == s("kind"))
            .copied()
            .unwrap_or("?");
        let said = verdict(&old, &new);
        *matrix.entry((kind, said)).or_default() += 1;
        all += 1;
        if right(kind, said) {
            good += 1;
        } else {
            wrong.push(format!(
                "{kind} told {said}: {} ({})",
                s("new"),
                s("source")
            ));
        }
    }
    println!(
        "grade pairs: {all} pairs, {good} told right ({:.1} %); rows: the change made, columns: what the desk is told",
        100.0 * f64::from(good) / f64::from(all.max(1))
    );
    print!("  {:<14}", "");
    for v in verdicts() {
        print!("{v:>11}");
    }
    println!();
    for kind in KINDS {
        print!("  {kind:<14}");
        for v in verdicts() {
            let n = matrix.get(&(kind, v)).copied().unwrap_or(0);
            print!(
                "{:>11}",
                if n == 0 {
                    ".".to_owned()
                } else {
                    n.to_string()
                }
            );
        }
        println!();
    }
    for w in wrong.iter().take(30) {
        println!("    {w}");
    }
    if wrong.len() > 30 {
        println!("    … and {} more", wrong.len() - 30);
    }
}
