//! How a desk's articles are read (`base_urls`, `sources_headings`, `sources_sections`,
//! `--base-url`) and where run manifests are time-stamped (`tsa_url`).

use super::{ConfigError, FileConfig};
use std::path::Path;

/// How the desk's articles are read: `--base-url` (`cli`), the `base_urls` directories (relative
/// to the working directory), and the desk's own `sources_headings` and `sources_sections`.
pub fn article_settings(
    file: &FileConfig,
    file_path: Option<&Path>,
    cli: Option<&url::Url>,
) -> Result<crate::extract::ArticleSettings, ConfigError> {
    let origin = file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let mut base_urls = Vec::new();
    for (dir, text) in file.base_urls.iter().flatten() {
        let base = url::Url::parse(text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| ConfigError::Invalid {
                origin: origin.clone(),
                key: "base_urls",
                value: format!("{} = {text}", dir.display()),
                message: "the base must be an absolute http or https URL".to_owned(),
            })?;
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        base_urls.push((dir, base));
    }
    let lower = |list: &Option<Vec<String>>| -> Vec<String> {
        list.iter()
            .flatten()
            .map(|h| h.trim().trim_end_matches(':').trim().to_lowercase())
            .filter(|h| !h.is_empty())
            .collect()
    };
    Ok(crate::extract::ArticleSettings {
        base_url: cli.cloned(),
        base_urls,
        headings: lower(&file.sources_headings),
        sections: lower(&file.sources_sections),
    })
}

/// The time-stamp authority every run's manifest is sent to (`tsa_url`), when set.
pub fn tsa_url(
    file: &FileConfig,
    file_path: Option<&Path>,
) -> Result<Option<url::Url>, ConfigError> {
    let Some(text) = &file.tsa_url else {
        return Ok(None);
    };
    url::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(Some)
        .ok_or_else(|| ConfigError::Invalid {
            origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
            key: "tsa_url",
            value: text.clone(),
            message: "must be an http or https URL".to_owned(),
        })
}
