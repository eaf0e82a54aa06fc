//! Quotations on the labelled set `scripts/quote_pairs.py` builds: short articles quoting real
//! corpus pages exactly, with elisions, across paragraphs, not at all (paraphrases), and with the
//! quotation altered (a word swapped, a negation added or removed, a number changed). Each
//! article is read as `extract` reads it and each quotation checked against the source page's
//! main text, as `check` does. The target: every altered quotation flagged (`close` or
//! `not-found`), no exact, elided or across quotation flagged, no quotation in a paraphrase.

use provcheck::citation::ArticleId;
use provcheck::content::decode::to_text;
use provcheck::content::text::main_text;
use provcheck::extract::{ArticleFormat, extract};
use provcheck::quote::{QuoteStatus, check};
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

/// Per kind: pairs, no quotation extracted, found, close, not-found.
#[derive(Default)]
struct Row {
    pairs: u32,
    none: u32,
    found: u32,
    close: u32,
    not_found: u32,
}

pub fn run(set: &Path, corpus: &Path) {
    let pairs: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(set.join("pairs.json")).expect("pairs.json in the set directory"),
    )
    .expect("pairs.json is JSON");
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut wrong = Vec::new();
    let started = std::time::Instant::now();
    for pair in &pairs {
        let field = |k: &str| pair[k].as_str().unwrap_or_default();
        let kind = field("kind").to_owned();
        let html = std::fs::read_to_string(set.join(field("article"))).expect("article");
        let extraction = extract(&ArticleId::new("a"), ArticleFormat::Html, &html, None);
        let quotes: Vec<String> = extraction
            .citations
            .iter()
            .flat_map(|c| c.quotes.clone())
            .collect();
        let text = texts
            .entry(field("source").to_owned())
            .or_insert_with(|| source_text(&corpus.join(field("source")), field("url")));
        let row = rows.entry(kind.clone()).or_default();
        row.pairs += 1;
        if quotes.is_empty() {
            row.none += 1;
            if kind != "paraphrase" {
                wrong.push(format!(
                    "{kind}: no quotation extracted from {}",
                    field("article")
                ));
            }
            continue;
        }
        let status = quotes
            .iter()
            .map(|q| check(q, text).status)
            .max_by_key(|s| match s {
                QuoteStatus::Found => 0,
                QuoteStatus::Close => 1,
                QuoteStatus::NotFound => 2,
            })
            .unwrap_or(QuoteStatus::Found);
        match status {
            QuoteStatus::Found => row.found += 1,
            QuoteStatus::Close => row.close += 1,
            QuoteStatus::NotFound => row.not_found += 1,
        }
        let flagged = status != QuoteStatus::Found;
        let should = kind.starts_with("altered");
        if flagged != should || kind == "paraphrase" {
            wrong.push(format!(
                "{kind}: {} for {:?} ({})",
                status.as_str(),
                field("quote"),
                field("source")
            ));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "quotations: {} pairs from {} source pages in {elapsed:.1} s",
        pairs.len(),
        texts.len()
    );
    println!(
        "  {:<18} {:>6} {:>10} {:>6} {:>6} {:>10} {:>9}",
        "kind", "pairs", "no quote", "found", "close", "not-found", "flagged"
    );
    for (kind, r) in &rows {
        println!(
            "  {kind:<18} {:>6} {:>10} {:>6} {:>6} {:>10} {:>8.1}%",
            r.pairs,
            r.none,
            r.found,
            r.close,
            r.not_found,
            100.0 * f64::from(r.close + r.not_found) / f64::from(r.pairs.max(1))
        );
    }
    for line in wrong.iter().take(30) {
        println!("    wrong: {line}");
    }
    if wrong.len() > 30 {
        println!("    ... and {} more", wrong.len() - 30);
    }
}

/// The main text of a corpus page (gzipped for trafilatura-eval), as `check` reads a capture.
fn source_text(path: &Path, url: &str) -> String {
    let raw = std::fs::read(path).expect("the source page");
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("gzip");
        out
    } else {
        raw
    };
    main_text(&to_text(&bytes, Some("text/html")), Some(url))
}
