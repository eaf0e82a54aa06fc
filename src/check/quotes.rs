//! Quotations in the check: which articles a misquote fails, the quotations of each URL, and,
//! without an archive, the check against the page in memory (with one, the archive's judge
//! checks them, against the reference too).

use crate::citation::Citation;
use crate::content;
use crate::content::judge::Judgement;
use crate::extract::Extraction;
use crate::fetch::Fetched;
use crate::input::Article;
use std::collections::HashMap;

/// Whether a quotation not found in its source fails an article: `quote_not_found` globally
/// ("problem" or "report") and per article id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteGate {
    pub default_problem: bool,
    pub per_article: HashMap<String, bool>,
}

impl Default for QuoteGate {
    fn default() -> Self {
        Self {
            default_problem: true,
            per_article: HashMap::new(),
        }
    }
}

impl QuoteGate {
    #[must_use]
    pub fn is_problem(&self, article: &str) -> bool {
        self.per_article
            .get(article)
            .copied()
            .unwrap_or(self.default_problem)
    }
}

/// The quotations of each URL's citations (all articles), once each.
pub(super) fn quotes_by_url(extracted: &[(&Article, Extraction)]) -> HashMap<String, Vec<String>> {
    let mut by_url: HashMap<String, Vec<String>> = HashMap::new();
    for c in extracted.iter().flat_map(|(_, e)| &e.citations) {
        if let (Some(url), false) = (c.target.url(), c.quotes.is_empty()) {
            let quotes = by_url.entry(url.as_str().to_owned()).or_default();
            for q in &c.quotes {
                if !quotes.contains(q) {
                    quotes.push(q.clone());
                }
            }
        }
    }
    by_url
}

/// Quotations checked against a fetched page's main text (none when it answered no text).
pub(super) fn quotes_in_page(
    fetched: &Fetched,
    quotes: &[String],
) -> Vec<crate::quote::QuoteResult> {
    let Some(exchange) = fetched
        .final_exchange()
        .filter(|e| (200..300).contains(&e.status))
    else {
        return Vec::new();
    };
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok());
    let Ok(extracted) = content::extract(
        header("content-type"),
        header("content-encoding"),
        &exchange.body,
        Some(exchange.url.as_str()),
    ) else {
        return Vec::new();
    };
    extracted
        .text
        .map(|text| crate::quote::check_all(quotes, &text))
        .unwrap_or_default()
}

/// A citation's own quotations as checked: by the archive's judge, else against the page.
pub(super) fn citation_quotes(
    citation: &Citation,
    judgement: Option<&Judgement>,
    quote_results: &HashMap<Box<str>, Vec<crate::quote::QuoteResult>>,
) -> Vec<crate::quote::QuoteResult> {
    if citation.quotes.is_empty() {
        return Vec::new();
    }
    let checked = match judgement {
        Some(j) => &j.quotes,
        None => match citation
            .target
            .url()
            .and_then(|u| quote_results.get(u.as_str()))
        {
            Some(results) => results,
            None => return Vec::new(),
        },
    };
    checked
        .iter()
        .filter(|r| citation.quotes.contains(&r.quote))
        .cloned()
        .collect()
}
