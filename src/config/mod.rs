//! Configuration in two phases: raw values from `provcheck.toml` and from the command line are
//! merged (the command line wins) and validated into [`Settings`] of real types.
//!
//! Every key, with its default, is listed in [`KEYS`] and in the README. An unknown key in the
//! file is an error naming the key and the file.

mod archive;
mod articles;
mod credentials;
mod keys;
mod quotes;
mod rules;
mod witness;

pub use archive::{archive_options, parse_size, worker_lease};
pub use articles::{article_settings, tsa_url};
pub use credentials::{BasicAuthConfig, CredentialsConfig};
pub use keys::KEYS;
pub use quotes::quote_gate;
pub use rules::{AcceptConfig, ExcludeConfig, acceptances, exclusions};
pub use witness::{WitnessSettings, witness};

use crate::fetch::FetchOptions;
use crate::fetch::guard::AddressGuard;
use crate::fetch::resolve::SystemLookup;
use crate::fetch::retry::RetryPolicy;
use ipnet::IpNet;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The name of the configuration file looked for in the working directory.
pub const DEFAULT_FILE: &str = "provcheck.toml";

/// `provcheck.toml`, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub concurrency: Option<usize>,
    pub host_concurrency: Option<usize>,
    #[serde(default, deserialize_with = "duration_text")]
    pub host_interval: Option<String>,
    #[serde(default, deserialize_with = "duration_text")]
    pub connect_timeout: Option<String>,
    #[serde(default, deserialize_with = "duration_text")]
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    #[serde(default, deserialize_with = "duration_text")]
    pub retry_after_cap: Option<String>,
    pub max_redirects: Option<u32>,
    pub max_body: Option<Size>,
    pub allow_net: Option<Vec<String>>,
    pub contact: Option<String>,
    pub archive: Option<PathBuf>,
    pub warc_url: Option<String>,
    pub index_url: Option<String>,
    pub warc_max_size: Option<Size>,
    pub warc_gzip_level: Option<u32>,
    pub not_modified_record: Option<String>,
    pub operator: Option<String>,
    pub edited_threshold: Option<f64>,
    pub soft404_probe: Option<bool>,
    pub confirm_failures: Option<u32>,
    #[serde(default, deserialize_with = "duration_text")]
    pub confirm_spacing: Option<String>,
    pub count_server_errors: Option<bool>,
    pub count_timeouts: Option<bool>,
    pub robots: Option<bool>,
    pub wayback_endpoint: Option<String>,
    pub witness: Option<bool>,
    pub sweep_batch: Option<usize>,
    #[serde(default, deserialize_with = "duration_text")]
    pub worker_lease: Option<String>,
    pub quote_not_found: Option<String>,
    pub quote_not_found_articles: Option<std::collections::BTreeMap<String, String>>,
    pub witness_endpoint: Option<String>,
    #[serde(default, deserialize_with = "duration_text")]
    pub witness_window: Option<String>,
    pub exclude: Option<ExcludeConfig>,
    pub replay_url: Option<String>,
    pub accept: Option<Vec<AcceptConfig>>,
    pub user_agent: Option<String>,
    pub credentials: Option<Vec<CredentialsConfig>>,
    pub ca_file: Option<PathBuf>,
    pub proxy: Option<String>,
    pub proxy_auth: Option<credentials::BasicAuthConfig>,
    pub base_urls: Option<std::collections::BTreeMap<PathBuf, String>>,
    pub sources_headings: Option<Vec<String>>,
    pub sources_sections: Option<Vec<String>>,
    pub tsa_url: Option<String>,
}

/// The `User-Agent` every request carries: the configured one, else provcheck's with the
/// `contact`.
#[must_use]
pub fn user_agent(file: &FileConfig) -> String {
    file.user_agent
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map_or_else(
            || FetchOptions::user_agent_for(file.contact.as_deref().unwrap_or_default()),
            |u| u.replace(['\r', '\n'], " "),
        )
}

/// A duration key's value: text such as `"20s"`. A bare number says how to write it instead of
/// "invalid type: integer, expected a string".
fn duration_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Number(f64),
    }
    match Value::deserialize(d)? {
        Value::Text(text) => Ok(Some(text)),
        Value::Number(n) => Err(serde::de::Error::custom(format!(
            "a duration is text with its unit: write \"{n}s\" (or \"{n}ms\", \"{n}m\", \"{n}h\")"
        ))),
    }
}

/// A byte size: a number of bytes, or text such as `"20MiB"`, `"512 KB"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// The command line's values for the same keys; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub concurrency: Option<usize>,
    pub host_concurrency: Option<usize>,
    pub host_interval: Option<String>,
    pub connect_timeout: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub retry_after_cap: Option<String>,
    pub max_redirects: Option<u32>,
    pub max_body: Option<String>,
    /// Added to the file's ranges.
    pub allow_net: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{origin}: invalid {key} {value:?}: {message}")]
    Invalid {
        origin: String,
        key: &'static str,
        value: String,
        message: String,
    },
}

/// Loads the config file: `explicit` if given (it must exist), else `provcheck.toml` in the
/// working directory if there is one. Returns the file's path alongside, for messages.
pub fn load(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let path = if let Some(path) = explicit {
        path.to_path_buf()
    } else {
        let default = PathBuf::from(DEFAULT_FILE);
        if !default.exists() {
            return Ok((FileConfig::default(), None));
        }
        default
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.clone(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    Ok((config, Some(path)))
}

/// Validated settings for fetching.
pub fn fetch_options(
    file: &FileConfig,
    file_path: Option<&Path>,
    cli: &Overrides,
) -> Result<FetchOptions, ConfigError> {
    let file_origin = file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    // Each value is validated with the origin it came from, so the message points at the flag
    // or at the file.
    let pick =
        |cli_value: Option<String>, file_value: &Option<String>| -> (Option<String>, String) {
            match cli_value {
                Some(v) => (Some(v), "command line".to_owned()),
                None => (file_value.clone(), file_origin.clone()),
            }
        };
    let duration = |key: &'static str,
                    cli_value: &Option<String>,
                    file_value: &Option<String>,
                    default: Duration| {
        match pick(cli_value.clone(), file_value) {
            (Some(text), origin) => parse_duration(&text).map_err(|message| ConfigError::Invalid {
                origin,
                key,
                value: text,
                message,
            }),
            (None, _) => Ok(default),
        }
    };
    let positive = |key: &'static str, value: Option<usize>, default: usize| match value {
        Some(0) => Err(ConfigError::Invalid {
            origin: file_origin.clone(),
            key,
            value: "0".to_owned(),
            message: "must be at least 1".to_owned(),
        }),
        Some(n) => Ok(n),
        None => Ok(default),
    };

    let concurrency = positive("concurrency", cli.concurrency.or(file.concurrency), 64)?;
    let host_concurrency = positive(
        "host_concurrency",
        cli.host_concurrency.or(file.host_concurrency),
        4,
    )?;
    let host_interval = duration(
        "host_interval",
        &cli.host_interval,
        &file.host_interval,
        Duration::from_millis(100),
    )?;
    let connect_timeout = duration(
        "connect_timeout",
        &cli.connect_timeout,
        &file.connect_timeout,
        Duration::from_secs(10),
    )?;
    let timeout = duration(
        "timeout",
        &cli.timeout,
        &file.timeout,
        Duration::from_secs(20),
    )?;
    let retry_after_cap = duration(
        "retry_after_cap",
        &cli.retry_after_cap,
        &file.retry_after_cap,
        Duration::from_secs(10),
    )?;

    let file_max_body = file.max_body.as_ref().map(|s| match s {
        Size::Bytes(n) => n.to_string(),
        Size::Text(t) => t.clone(),
    });
    let max_body = match pick(cli.max_body.clone(), &file_max_body) {
        (Some(text), origin) => parse_size(&text).map_err(|message| ConfigError::Invalid {
            origin,
            key: "max_body",
            value: text,
            message,
        })?,
        (None, _) => 20 * 1024 * 1024,
    };

    let allow = allow_nets(file, &file_origin, cli)?;

    Ok(FetchOptions {
        concurrency,
        host_concurrency,
        host_interval,
        connect_timeout,
        timeout,
        retry: RetryPolicy {
            max_retries: cli.retries.or(file.retries).unwrap_or(2),
            retry_after_cap,
            ..RetryPolicy::default()
        },
        max_redirects: cli.max_redirects.or(file.max_redirects).unwrap_or(10),
        max_body,
        user_agent: user_agent(file),
        credentials: Arc::new(credentials::credentials(file, &file_origin)?),
        extra_roots: Arc::new(extra_roots(file, &file_origin)?),
        proxy: credentials::proxy(file, &file_origin)?,
        guard: AddressGuard::new(allow),
        lookup: Arc::new(SystemLookup),
    })
}

/// The certificates of `ca_file` (PEM), trusted besides the system's roots.
fn extra_roots(
    file: &FileConfig,
    file_origin: &str,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ConfigError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let Some(path) = &file.ca_file else {
        return Ok(Vec::new());
    };
    let invalid = |message: String| ConfigError::Invalid {
        origin: file_origin.to_owned(),
        key: "ca_file",
        value: path.display().to_string(),
        message,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| invalid(format!("cannot read it: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(format!("not a PEM file of certificates: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(
            "holds no certificate (expected PEM \"BEGIN CERTIFICATE\" blocks)".to_owned(),
        ));
    }
    Ok(certs)
}

/// The file's `allow_net` ranges followed by the command line's.
fn allow_nets(
    file: &FileConfig,
    file_origin: &str,
    cli: &Overrides,
) -> Result<Vec<IpNet>, ConfigError> {
    let file_nets = file.allow_net.iter().flatten().map(|n| (n, file_origin));
    let cli_nets = cli.allow_net.iter().map(|n| (n, "command line"));
    file_nets
        .chain(cli_nets)
        .map(|(net, origin)| {
            parse_net(net).map_err(|message| ConfigError::Invalid {
                origin: origin.to_owned(),
                key: "allow_net",
                value: net.clone(),
                message,
            })
        })
        .collect()
}

/// The Wayback Machine availability API: the flag, else the config key, else the public one.
pub fn wayback_endpoint(
    file: &FileConfig,
    file_path: Option<&Path>,
    cli: Option<&str>,
) -> Result<url::Url, ConfigError> {
    let (text, origin) = match (cli, &file.wayback_endpoint) {
        (Some(text), _) => (text.to_owned(), "command line".to_owned()),
        (None, Some(text)) => (
            text.clone(),
            file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
        ),
        (None, None) => (
            crate::wayback::DEFAULT_ENDPOINT.to_owned(),
            "default".to_owned(),
        ),
    };
    let invalid = |message: String| ConfigError::Invalid {
        origin: origin.clone(),
        key: "wayback_endpoint",
        value: text.clone(),
        message,
    };
    let url = url::Url::parse(&text).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("not an http or https URL".to_owned()));
    }
    Ok(url)
}

/// The sweep's confirmation policy.
pub fn verdict_policy(
    file: &FileConfig,
    file_path: Option<&Path>,
) -> Result<crate::verdict::Policy, ConfigError> {
    let defaults = crate::verdict::Policy::default();
    let spacing = match &file.confirm_spacing {
        Some(text) => parse_duration(text).map_err(|message| ConfigError::Invalid {
            origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
            key: "confirm_spacing",
            value: text.clone(),
            message,
        })?,
        None => defaults.spacing,
    };
    Ok(crate::verdict::Policy {
        confirmations: file
            .confirm_failures
            .unwrap_or(defaults.confirmations)
            .max(1),
        spacing,
        server_errors_count: file
            .count_server_errors
            .unwrap_or(defaults.server_errors_count),
        timeouts_count: file.count_timeouts.unwrap_or(defaults.timeouts_count),
    })
}

/// Reads `"100ms"`, `"20s"`, `"1m 30s"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| e.to_string())
}

/// Reads a CIDR range; a bare address is a range of one.
pub fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| "expected a CIDR range such as 127.0.0.0/8 or ::1/128".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nets_accept_bare_addresses() {
        assert_eq!(parse_net("127.0.0.1"), Ok("127.0.0.1/32".parse().unwrap()));
        assert_eq!(parse_net("10.0.0.0/8"), Ok("10.0.0.0/8".parse().unwrap()));
        assert!(parse_net("localhost").is_err());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<FileConfig>("concurency = 3\n").unwrap_err();
        assert!(err.to_string().contains("concurency"), "{err}");
    }

    #[test]
    fn the_command_line_wins_and_defaults_fill_the_rest() {
        let file: FileConfig =
            toml::from_str("concurrency = 8\ntimeout = \"5s\"\nallow_net = [\"127.0.0.1\"]\n")
                .unwrap();
        let cli = Overrides {
            concurrency: Some(2),
            ..Overrides::default()
        };
        let options = fetch_options(&file, None, &cli).unwrap();
        assert_eq!(options.concurrency, 2);
        assert_eq!(options.timeout, Duration::from_secs(5));
        assert_eq!(options.host_concurrency, 4);
        assert_eq!(options.max_body, 20 * 1024 * 1024);
        assert!(options.guard.check("127.0.0.1".parse().unwrap()).is_ok());
    }

    #[test]
    fn invalid_values_name_the_key_and_where_they_came_from() {
        let file: FileConfig = toml::from_str("host_interval = \"soon\"\n").unwrap();
        let err = fetch_options(&file, Some(Path::new("p.toml")), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p.toml") && err.contains("host_interval"),
            "{err}"
        );
    }
}
