//! Measures main-text extraction against real pages and calibrates the change thresholds.
//!
//! ```sh
//! cargo run --release --example calibrate -- ../shared/corpus/readability-pages
//! cargo run --release --example calibrate -- --trafilatura-eval ../shared/corpus/trafilatura-eval
//! cargo run --release --example calibrate -- --soft404 target/soft404-set ../shared/corpus
//! cargo run --release --example calibrate -- --all ../shared/corpus
//! ```
//!
//! `--all CORPUS_DIR` runs every measurement: both corpora (beside
//! `target/reference-trafilatura.json` when it is there), then the labelled sets under `target/`
//! that the scripts build; `scripts/calibrate.sh` builds what is missing and runs it.
//!
//! With `--reference FILE` (texts of the same pages by another extractor, as
//! `scripts/reference_extract.py` writes them), the other extractor is scored beside ours; with
//! `CALIBRATE_PER_PAGE=1` set too, `--trafilatura-eval` prints each page's segment counts for
//! both (`PAGE name ours found missed false theirs found missed false`).
//! `CALIBRATE_DUMP=NAME` prints our main text of the page NAME (`*`: of every page).
//!
//! With `--soft404`, it measures soft-404 precision and recall on the labelled set that
//! `scripts/soft404_set.py` builds (see [`soft404`]).
//!
//! With `--trafilatura-eval`, it scores main text on that corpus as trafilatura's own evaluation
//! does: each `with` segment found in the text is a true positive (missing: a false negative),
//! each `without` segment found a false positive (absent: a true negative); precision, recall, F1
//! and accuracy over all pages. Segments are normalized as our text is (quotes, dashes,
//! whitespace), so that typography does not count.
//!
//! For each page folder (`source.html`, and `expected.html`: the article a reference Readability
//! extractor produced), it extracts the main text of `source.html` and compares it with the text
//! of `expected.html` by word 3-shingles: precision, recall and F1, averaged over pages. It then
//! measures the similarity of unrelated pages, and of pages with one paragraph rewritten and with
//! half of their paragraphs replaced, which is what the `edited` threshold must separate; and
//! counts the real pages whose title or heading would be read as "page not found".

// A measuring script reads best as one story; percentiles index with rounded non-negative floats.
#![allow(clippy::too_many_lines, clippy::cast_sign_loss)]

use provcheck::content::cues::{missing_cue, og_title, title_and_heading};
use provcheck::content::similarity::{shingles, similarity};
use provcheck::content::text::{main_text, normalize};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod pairs;
mod quotes;
mod soft404;

/// Main texts of the corpus pages by a reference extractor (`scripts/reference_extract.py`),
/// keyed `readability-pages/NAME` and `trafilatura-eval/FILE`, with `_meta.extractor`.
struct Reference(serde_json::Value);

impl Reference {
    fn text(&self, key: &str) -> Option<String> {
        self.0[key].as_str().map(normalize)
    }

    fn name(&self) -> String {
        self.0["_meta"]["extractor"]
            .as_str()
            .unwrap_or("reference")
            .to_owned()
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let reference = args.iter().position(|a| a == "--reference").map(|at| {
        let path = args
            .get(at + 1)
            .expect("usage: calibrate … --reference FILE")
            .clone();
        args.drain(at..=at + 1);
        Reference(
            serde_json::from_slice(&std::fs::read(&path).expect("the reference file"))
                .expect("the reference file is JSON"),
        )
    });
    if args.first().map(String::as_str) == Some("--pairs") {
        pairs::run(&PathBuf::from(
            args.get(1).expect("usage: calibrate --pairs PAIRS_DIR"),
        ));
        return;
    }
    if args.first().map(String::as_str) == Some("--quotes") {
        let usage = "usage: calibrate --quotes SET_DIR CORPUS_DIR";
        quotes::run(
            &PathBuf::from(args.get(1).expect(usage)),
            &PathBuf::from(args.get(2).expect(usage)),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--soft404") {
        let usage = "usage: calibrate --soft404 SET_DIR CORPUS_DIR";
        soft404::run(
            &PathBuf::from(args.get(1).expect(usage)),
            &PathBuf::from(args.get(2).expect(usage)),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--trafilatura-eval") {
        trafilatura_eval(
            &PathBuf::from(
                args.get(1)
                    .expect("usage: calibrate --trafilatura-eval DIR"),
            ),
            reference.as_ref(),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--all") {
        let corpus = PathBuf::from(args.get(1).expect("usage: calibrate --all CORPUS_DIR"));
        all(&corpus, reference);
        return;
    }
    let dir = PathBuf::from(args.first().expect("usage: calibrate CORPUS_DIR"));
    readability_pages(&dir, reference.as_ref());
}

/// Every measurement in one run: extraction on both corpora (beside the reference texts, given
/// or at `target/reference-trafilatura.json`), then the labelled sets the scripts build under
/// `target/` (soft-404 pages, grade pairs, quotations); a set not built yet is named with the
/// command that builds it.
fn all(corpus: &Path, reference: Option<Reference>) {
    let reference = reference.or_else(|| {
        let bytes = std::fs::read("target/reference-trafilatura.json").ok()?;
        serde_json::from_slice(&bytes).ok().map(Reference)
    });
    if reference.is_none() {
        println!(
            "(no reference texts: scripts/reference_extract.py writes \
             target/reference-trafilatura.json)"
        );
    }
    println!("== readability-pages");
    readability_pages(&corpus.join("readability-pages"), reference.as_ref());
    println!("\n== trafilatura-eval");
    trafilatura_eval(&corpus.join("trafilatura-eval"), reference.as_ref());
    let set = |name: &str, script: &str| {
        let dir = PathBuf::from("target").join(name);
        if dir.exists() {
            println!("\n== {name}");
            Some(dir)
        } else {
            println!(
                "\n== {name}: not built; target/refvenv/bin/python scripts/{script} --corpus {} \
                 --out target/{name}",
                corpus.display()
            );
            None
        }
    };
    if let Some(dir) = set("soft404-set", "soft404_set.py") {
        soft404::run(&dir, corpus);
    }
    if let Some(dir) = set("grade-pairs", "grade_pairs.py") {
        pairs::run(&dir);
    }
    if let Some(dir) = set("quote-pairs", "quote_pairs.py") {
        quotes::run(&dir, corpus);
    }
}

/// Extraction on folders of `source.html` and `expected.html`, the similarity of unrelated and
/// edited pages, and false not-found cues.
fn readability_pages(dir: &Path, reference: Option<&Reference>) {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").exists() && p.join("expected.html").exists())
        .collect();
    pages.sort();

    let mut scores = Vec::new();
    let mut reference_scores: Vec<(f64, f64, f64)> = Vec::new();
    let mut texts = Vec::new();
    let mut false_cues = Vec::new();
    let started = Instant::now();
    let mut bytes = 0usize;
    for page in &pages {
        let source =
            String::from_utf8_lossy(&std::fs::read(page.join("source.html")).unwrap()).into_owned();
        let expected = String::from_utf8_lossy(&std::fs::read(page.join("expected.html")).unwrap())
            .into_owned();
        bytes += source.len();
        let ours = main_text(&source, Some("http://fakehost/test/page.html"));
        let name = page.file_name().unwrap_or_default().to_string_lossy();
        if std::env::var("CALIBRATE_DUMP").is_ok_and(|dump| dump == name || dump == "*") {
            println!("DUMP {name}\n{ours}\nEND DUMP");
        }
        // The reference text without any boilerplate logic of ours: every word of the expected
        // article counts.
        let theirs = normalize(&provcheck::htmlscan::plain_text(&expected));
        let (p, r, f1) = shingle_prf(&ours, &theirs);
        if let Some(reference) = reference {
            let key = format!(
                "readability-pages/{}",
                page.file_name().unwrap().to_string_lossy()
            );
            if let Some(text) = reference.text(&key) {
                reference_scores.push(shingle_prf(&text, &theirs));
            }
        }
        scores.push((
            page.file_name().unwrap().to_string_lossy().into_owned(),
            p,
            r,
            f1,
        ));
        let (title, heading) = title_and_heading(&source);
        let og = og_title(&source);
        if [&title, &heading, &og]
            .iter()
            .any(|t| t.as_deref().and_then(missing_cue).is_some())
        {
            false_cues.push(format!("{} ({:?} / {:?})", page.display(), title, heading));
        }
        texts.push(ours);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = scores.len() as f64;
    let mean = |f: fn(&(String, f64, f64, f64)) -> f64| scores.iter().map(f).sum::<f64>() / n;
    let mut f1s: Vec<f64> = scores.iter().map(|s| s.3).collect();
    f1s.sort_by(f64::total_cmp);
    println!(
        "main-text extraction on {} pages ({:.1} MB) in {elapsed:.2} s ({:.1} ms/page)",
        scores.len(),
        bytes as f64 / 1e6,
        elapsed * 1000.0 / n
    );
    println!(
        "  word-shingle precision {:.3}  recall {:.3}  F1 {:.3}  (median F1 {:.3}, worst {:.3})",
        mean(|s| s.1),
        mean(|s| s.2),
        mean(|s| s.3),
        f1s[f1s.len() / 2],
        f1s[0]
    );
    if let Some(reference) = reference {
        let n = reference_scores.len().max(1) as f64;
        let mean = |f: fn(&(f64, f64, f64)) -> f64| reference_scores.iter().map(f).sum::<f64>() / n;
        println!(
            "  beside it, {} on {} pages: precision {:.3}  recall {:.3}  F1 {:.3}",
            reference.name(),
            reference_scores.len(),
            mean(|s| s.0),
            mean(|s| s.1),
            mean(|s| s.2)
        );
    }
    let mut worst: Vec<_> = scores.iter().collect();
    worst.sort_by(|a, b| a.3.total_cmp(&b.3));
    for s in worst.iter().take(5) {
        println!(
            "    low: {:<40} P {:.2} R {:.2} F1 {:.2}",
            s.0, s.1, s.2, s.3
        );
    }

    // Unrelated pages: each against one 37 places on (folders are sorted by site, so this pairs
    // different sites), leaving out pages with no text.
    let mut unrelated = Vec::new();
    for i in 0..texts.len() {
        let j = (i + 37) % texts.len();
        if texts[i].is_empty() || texts[j].is_empty() {
            continue;
        }
        let s = similarity(&shingles(&texts[i]), &shingles(&texts[j]));
        if s > 0.2 {
            println!(
                "    similar unrelated pair: {} / {} {s:.3}",
                scores[i].0, scores[j].0
            );
        }
        unrelated.push(s);
    }
    unrelated.sort_by(f64::total_cmp);
    // Edits: one paragraph of five or more rewritten (replaced by a paragraph of another page),
    // and half of the paragraphs replaced.
    let mut one = Vec::new();
    let mut half = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let paragraphs: Vec<&str> = text
            .lines()
            .filter(|l| l.split_whitespace().count() >= 8)
            .collect();
        let donor: Vec<&str> = texts[(i + 7) % texts.len()]
            .lines()
            .filter(|l| l.split_whitespace().count() >= 8)
            .collect();
        if paragraphs.len() < 5 || donor.is_empty() {
            continue;
        }
        let original = shingles(&paragraphs.join("\n"));
        let mut edited = paragraphs.clone();
        edited[paragraphs.len() / 2] = donor[0];
        one.push(similarity(&original, &shingles(&edited.join("\n"))));
        let mut replaced = paragraphs.clone();
        for (k, p) in replaced.iter_mut().enumerate() {
            if k % 2 == 0 {
                *p = donor[k % donor.len()];
            }
        }
        half.push(similarity(&original, &shingles(&replaced.join("\n"))));
    }
    one.sort_by(f64::total_cmp);
    half.sort_by(f64::total_cmp);
    let pct = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!("similarity (word 3-shingle Jaccard):");
    println!(
        "  unrelated pages ({}):          median {:.3}  p99 {:.3}  max {:.3}  (third highest {:.3})",
        unrelated.len(),
        pct(&unrelated, 0.5),
        pct(&unrelated, 0.99),
        unrelated[unrelated.len() - 1],
        unrelated[unrelated.len() - 3]
    );
    println!(
        "  one paragraph rewritten ({}):  min {:.3}  p1 {:.3}  median {:.3}",
        one.len(),
        one[0],
        pct(&one, 0.01),
        pct(&one, 0.5)
    );
    println!(
        "  half the paragraphs ({}):      min {:.3}  median {:.3}  max {:.3}",
        half.len(),
        half[0],
        pct(&half, 0.5),
        half[half.len() - 1]
    );
    println!(
        "soft-404 page cues on real articles: {} of {} pages",
        false_cues.len(),
        pages.len()
    );
    for cue in &false_cues {
        println!("    false cue: {cue}");
    }
}

/// Word 3-shingle precision, recall and F1 of `ours` against `theirs`.
fn shingle_prf(ours: &str, theirs: &str) -> (f64, f64, f64) {
    let (a, b) = (shingles(ours), shingles(theirs));
    let inter = a.intersection(&b).count() as f64;
    let p = if a.is_empty() {
        0.0
    } else {
        inter / a.len() as f64
    };
    let r = if b.is_empty() {
        1.0
    } else {
        inter / b.len() as f64
    };
    let f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f1)
}

/// Segments of one page: (must-have found, must-have missing, must-not found, must-not absent).
fn segments(text: &str, entry: &serde_json::Value, squash: &dyn Fn(&str) -> String) -> [u32; 4] {
    let mut counts = [0; 4];
    for segment in entry["with"].as_array().into_iter().flatten() {
        let found = text.contains(&squash(segment.as_str().unwrap_or_default()));
        counts[usize::from(!found)] += 1;
    }
    for segment in entry["without"].as_array().into_iter().flatten() {
        let found = text.contains(&squash(segment.as_str().unwrap_or_default()));
        counts[if found { 2 } else { 3 }] += 1;
    }
    counts
}

/// Precision, recall, F1 and accuracy of segment counts.
fn segment_scores([tp, fn_, fp, tn]: [u32; 4]) -> String {
    let precision = f64::from(tp) / f64::from(tp + fp).max(1.0);
    let recall = f64::from(tp) / f64::from(tp + fn_).max(1.0);
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    let accuracy = f64::from(tp + tn) / f64::from(tp + tn + fp + fn_).max(1.0);
    format!(
        "precision {precision:.3}  recall {recall:.3}  F1 {f1:.4}  accuracy {accuracy:.3}  (tp {tp} fn {fn_} fp {fp} tn {tn})"
    )
}

/// The trafilatura evaluation: `with` and `without` segments over 990 pages.
fn trafilatura_eval(dir: &std::path::Path, reference: Option<&Reference>) {
    use std::io::Read as _;
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("evaldata.json")).expect("evaldata.json"))
            .expect("evaldata.json is JSON");
    let mut entries: Vec<(&String, &serde_json::Value)> =
        data.as_object().expect("an object").iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let (mut tp, mut fn_, mut fp, mut tn) = (0u32, 0u32, 0u32, 0u32);
    let mut reference_counts = [0u32; 4];
    let mut reference_pages = 0;
    let mut pages = 0;
    let mut worst: Vec<(f64, String)> = Vec::new();
    let mut false_cues = Vec::new();
    let started = Instant::now();
    let squash = |t: &str| {
        normalize(t)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (url, entry) in entries {
        let name = entry["file"].as_str().unwrap_or_default();
        let Some(gz) = ["eval", "cache"]
            .iter()
            .find_map(|d| std::fs::read(dir.join(d).join(format!("{name}.gz"))).ok())
        else {
            continue;
        };
        let mut bytes = Vec::new();
        if flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut bytes)
            .is_err()
        {
            continue;
        }
        pages += 1;
        let html = provcheck::content::decode::to_text(&bytes, Some("text/html"));
        let text = squash(&main_text(&html, Some(url)));
        if std::env::var("CALIBRATE_DUMP").is_ok_and(|dump| dump == name || dump == "*") {
            println!("DUMP {name}\n{}\nEND DUMP", main_text(&html, Some(url)));
        }
        let (title, heading) = title_and_heading(&html);
        let og = og_title(&html);
        if let Some(cue) = [&title, &heading, &og]
            .iter()
            .find_map(|t| t.as_deref().and_then(missing_cue))
        {
            false_cues.push(format!("{name}: {cue:?} in {title:?} / {heading:?}"));
        }
        let [page_found, page_miss, page_false, page_tn] = segments(&text, entry, &squash);
        tp += page_found;
        fn_ += page_miss;
        fp += page_false;
        tn += page_tn;
        if let Some(text) = reference.and_then(|r| r.text(&format!("trafilatura-eval/{name}"))) {
            let counts = segments(&squash(&text), entry, &squash);
            if std::env::var_os("CALIBRATE_PER_PAGE").is_some() {
                println!(
                    "PAGE {name} ours {page_found} {page_miss} {page_false} theirs {} {} {}",
                    counts[0], counts[1], counts[2]
                );
            }
            for (total, count) in reference_counts.iter_mut().zip(counts) {
                *total += count;
            }
            reference_pages += 1;
        }
        let total = f64::from(page_found + page_miss).max(1.0);
        worst.push((f64::from(page_found) / total, name.to_owned()));
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "trafilatura-eval: {pages} pages in {elapsed:.1} s ({:.1} ms/page)",
        elapsed * 1000.0 / f64::from(pages.max(1))
    );
    println!("  {}", segment_scores([tp, fn_, fp, tn]));
    if let Some(reference) = reference {
        println!(
            "  beside it, {} on {reference_pages} pages: {}",
            reference.name(),
            segment_scores(reference_counts)
        );
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (share, name) in worst.iter().take(8) {
        println!(
            "    kept {:.0} % of the must-have segments: {name}",
            share * 100.0
        );
    }
    println!(
        "soft-404 page cues on these real pages (each a false positive): {} of {pages}",
        false_cues.len()
    );
    for cue in &false_cues {
        println!("    false cue: {cue}");
    }
}
