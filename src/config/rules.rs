//! `[exclude]` and `[[accept]]`: what is not a citation, and which statuses count as fine
//! from which hosts.

use super::{ConfigError, FileConfig};
use serde::Deserialize;
use std::path::Path;

/// `[[accept]]`: statuses that count as fine from some hosts, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptConfig {
    /// Domains, with their subdomains.
    pub hosts: Vec<String>,
    pub statuses: Vec<u16>,
    /// Shown with every citation it accepts.
    pub reason: String,
}

/// The run's `[[accept]]` rules.
#[must_use]
pub fn acceptances(file: &FileConfig) -> crate::exclude::Acceptances {
    crate::exclude::Acceptances(
        file.accept
            .iter()
            .flatten()
            .map(|a| crate::exclude::Accept {
                hosts: a.hosts.clone(),
                statuses: a.statuses.clone(),
                reason: a.reason.clone(),
            })
            .collect(),
    )
}

/// `[exclude]`: what is not a citation, beside the default contact-link schemes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludeConfig {
    /// Schemes (`"ftp"`).
    #[serde(default)]
    pub schemes: Vec<String>,
    /// Domains, with their subdomains (`"social.example"`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Regular expressions matched against the normalized URL.
    #[serde(default)]
    pub urls: Vec<String>,
}

/// The run's exclusions: the defaults and the config's `[exclude]`.
pub fn exclusions(
    file: &FileConfig,
    file_path: Option<&Path>,
) -> Result<crate::exclude::Exclusions, ConfigError> {
    let config = file.exclude.clone().unwrap_or_default();
    crate::exclude::Exclusions::new(&config.schemes, &config.domains, &config.urls).map_err(
        |message| ConfigError::Invalid {
            origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
            key: "exclude.urls",
            value: config.urls.join(", "),
            message,
        },
    )
}
