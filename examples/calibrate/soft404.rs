//! Soft-404 precision and recall on the labelled set `scripts/soft404_set.py` builds: real
//! not-found texts in package pages and in real site chrome (positives), every real page of the
//! corpus (negatives). Only what one page says about itself is measured here (title, heading,
//! `og:title`, a short main text's first lines): the sibling probe and the transition from the
//! reference need a site and a history, and have their own tests.

use provcheck::content::decode::to_text;
use provcheck::content::soft404::page_evidence;
use provcheck::content::text::main_text;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

#[derive(Default)]
struct Tally {
    tp: u32,
    fn_: u32,
    fp: u32,
    tn: u32,
}

impl Tally {
    fn add(&mut self, truth: bool, said: bool) {
        match (truth, said) {
            (true, true) => self.tp += 1,
            (true, false) => self.fn_ += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
        }
    }

    fn line(&self) -> String {
        let p = f64::from(self.tp) / f64::from(self.tp + self.fp).max(1.0);
        let r = f64::from(self.tp) / f64::from(self.tp + self.fn_).max(1.0);
        format!(
            "precision {p:.3}  recall {r:.3}  (tp {} fn {} fp {} tn {})",
            self.tp, self.fn_, self.fp, self.tn
        )
    }
}

fn read(path: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .ok()?;
        return Some(out);
    }
    Some(bytes)
}

/// Measures on `set` (its `labels.json`), corpus pages resolved against `corpus`.
pub fn run(set: &Path, corpus: &Path) {
    let labels: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(set.join("labels.json"))
            .expect("labels.json: build the set with scripts/soft404_set.py first"),
    )
    .expect("labels.json is JSON");
    let mut all = Tally::default();
    let mut by_source: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_lang: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rules: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut false_alarms = Vec::new();
    let mut templates = std::collections::HashSet::new();
    let started = std::time::Instant::now();
    for label in &labels {
        let s = |k: &str| label[k].as_str().unwrap_or_default().to_owned();
        let root = if s("root") == "corpus" { corpus } else { set };
        let Some(bytes) = read(&root.join(s("file"))) else {
            continue;
        };
        let html = to_text(&bytes, Some("text/html"));
        let evidence = page_evidence(&html, || Some(main_text(&html, None)));
        let truth = s("label") == "not-found";
        if truth {
            templates.insert(s("template"));
        }
        let said = evidence.is_some();
        all.add(truth, said);
        let source = if truth {
            s("source").replace("chrome+", "chrome: ")
        } else {
            format!("article: {}", s("source"))
        };
        let group = source.split(": ").next().unwrap_or_default().to_owned();
        by_source
            .entry(format!("{group} {}", s("variant")).trim().to_owned())
            .or_default()
            .add(truth, said);
        if truth {
            by_lang.entry(s("lang")).or_default().add(truth, said);
        }
        if let Some(e) = &evidence {
            *rules.entry(e.rule).or_default() += 1;
            if !truth {
                false_alarms.push(format!("{}: {}", s("file"), e.detail));
            }
        } else if truth {
            misses.push(format!("{} ({}, {})", s("file"), s("source"), s("lang")));
        }
    }
    println!(
        "soft-404 set: {} pages ({} not-found from {} templates, {} real articles) in {:.1} s",
        all.tp + all.fn_ + all.fp + all.tn,
        all.tp + all.fn_,
        templates.len(),
        all.fp + all.tn,
        started.elapsed().as_secs_f64()
    );
    println!("  all            {}", all.line());
    for (group, tally) in &by_source {
        println!("  {group:<14} {}", tally.line());
    }
    let langs: Vec<String> = by_lang
        .iter()
        .map(|(lang, t)| format!("{lang} {}/{}", t.tp, t.tp + t.fn_))
        .collect();
    println!("  recall by language: {}", langs.join(", "));
    println!("  rules that fired: {rules:?}");
    for f in &false_alarms {
        println!("    false alarm: {f}");
    }
    for m in misses.iter().take(40) {
        println!("    missed: {m}");
    }
    if misses.len() > 40 {
        println!("    … and {} more missed", misses.len() - 40);
    }
}
