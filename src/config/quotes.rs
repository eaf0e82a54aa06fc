//! Whether a quotation not found in its source fails the gate (`quote_not_found`, globally,
//! and `quote_not_found_articles`, per article id).

use super::{ConfigError, FileConfig};
use crate::check::QuoteGate;
use std::path::Path;

/// Reads `"problem"` (fails the gate, exit 1) or `"report"` (said, not failing).
fn problem(value: &str, key: &'static str, origin: &str) -> Result<bool, ConfigError> {
    match value.trim() {
        "problem" => Ok(true),
        "report" => Ok(false),
        other => Err(ConfigError::Invalid {
            origin: origin.to_owned(),
            key,
            value: other.to_owned(),
            message: "expected \"problem\" or \"report\"".to_owned(),
        }),
    }
}

/// The quotation gate of the configuration: a problem everywhere by default.
pub fn quote_gate(file: &FileConfig, file_path: Option<&Path>) -> Result<QuoteGate, ConfigError> {
    let origin = file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let default_problem = match &file.quote_not_found {
        Some(value) => problem(value, "quote_not_found", &origin)?,
        None => true,
    };
    let mut per_article = std::collections::HashMap::new();
    for (article, value) in file.quote_not_found_articles.iter().flatten() {
        per_article.insert(
            article.clone(),
            problem(value, "quote_not_found_articles", &origin)?,
        );
    }
    Ok(QuoteGate {
        default_problem,
        per_article,
    })
}
