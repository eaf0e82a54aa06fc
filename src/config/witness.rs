//! Where the independent witness is asked (`witness`, `witness_endpoint`, `witness_window`).

use super::{ConfigError, FileConfig, parse_duration};
use std::path::Path;
use std::time::Duration;

/// The other archive asked about our captures, and the window around each one.
#[derive(Debug, Clone)]
pub struct WitnessSettings {
    pub endpoint: url::Url,
    pub window: Duration,
}

/// The witness settings: `None` when `witness = false`. The endpoint is the flag's, else the
/// config key's, else the Wayback Machine's CDX server; the window defaults to three days.
pub fn witness(
    file: &FileConfig,
    file_path: Option<&Path>,
    cli_endpoint: Option<&str>,
) -> Result<Option<WitnessSettings>, ConfigError> {
    if file.witness == Some(false) {
        return Ok(None);
    }
    let origin = |from_file: bool| {
        if from_file {
            file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string())
        } else {
            "command line".to_owned()
        }
    };
    let (text, from_file) = match (cli_endpoint, &file.witness_endpoint) {
        (Some(text), _) => (text.to_owned(), false),
        (None, Some(text)) => (text.clone(), true),
        (None, None) => (crate::witness::DEFAULT_ENDPOINT.to_owned(), true),
    };
    let endpoint = url::Url::parse(&text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| ConfigError::Invalid {
            origin: origin(from_file),
            key: "witness_endpoint",
            value: text.clone(),
            message: "must be an http or https URL".to_owned(),
        })?;
    let window = match &file.witness_window {
        Some(text) => parse_duration(text).map_err(|message| ConfigError::Invalid {
            origin: origin(true),
            key: "witness_window",
            value: text.clone(),
            message,
        })?,
        None => Duration::from_secs(3 * 86_400),
    };
    Ok(Some(WitnessSettings { endpoint, window }))
}
