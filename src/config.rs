//! Configuration in two phases: raw values from `provcheck.toml` and from the command line are
//! merged (the command line wins) and validated into [`Settings`] of real types.
//!
//! Every key, with its default, is listed in [`KEYS`] and in the README. An unknown key in the
//! file is an error naming the key and the file.

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

/// Every configuration key, its default and what it does (the README's table is this one).
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "concurrency",
        "64",
        "requests in flight at once, over all hosts",
    ),
    (
        "host_concurrency",
        "4",
        "requests in flight at once to one host",
    ),
    (
        "host_interval",
        "\"100ms\"",
        "minimum time between request starts to one host",
    ),
    ("connect_timeout", "\"10s\"", "time allowed to connect"),
    (
        "timeout",
        "\"20s\"",
        "deadline for one request, body included",
    ),
    (
        "retries",
        "2",
        "retries of a transient failure (reset, timeout, 5xx, 429)",
    ),
    (
        "retry_after_cap",
        "\"10s\"",
        "longest Retry-After waited for; longer ones are not retried",
    ),
    (
        "max_redirects",
        "10",
        "redirects followed before too-many-redirects",
    ),
    (
        "max_body",
        "\"20MiB\"",
        "bodies larger than this are too-large",
    ),
    (
        "allow_net",
        "[]",
        "CIDR ranges the address guard lets through, e.g. [\"127.0.0.0/8\"]",
    ),
    ("contact", "\"\"", "contact address sent in the User-Agent"),
    (
        "archive",
        "\"archive\"",
        "the archive directory (WARC files and index.sqlite)",
    ),
    (
        "warc_max_size",
        "\"1GB\"",
        "a new WARC file is started past this size",
    ),
    (
        "warc_gzip_level",
        "3",
        "gzip level of WARC records, 0 (none) to 9 (smallest)",
    ),
    (
        "operator",
        "(none)",
        "who captures, written in every WARC file's warcinfo record (a newsroom's name and contact)",
    ),
    (
        "not_modified_record",
        "\"compact\"",
        "how a 304 to a conditional re-check is written: \"compact\" (one WARC metadata record per batch, a line per URL) or \"revisit\" (a server-not-modified revisit and a request record per URL)",
    ),
    (
        "edited_threshold",
        "0.30",
        "word-shingle similarity at or above which a changed page is edited, below replaced",
    ),
    (
        "soft404_probe",
        "true",
        "fetch a random sibling of each URL shape once per run to find sites that answer anything",
    ),
    (
        "confirm_failures",
        "3",
        "sweep: counted failures that confirm dead, soft-404 or replaced",
    ),
    (
        "confirm_spacing",
        "\"24h\"",
        "sweep: least time between two counted failures",
    ),
    (
        "count_server_errors",
        "true",
        "sweep: whether a 5xx counts as a failure",
    ),
    (
        "count_timeouts",
        "true",
        "sweep: whether a timeout counts as a failure",
    ),
    (
        "wayback_endpoint",
        "\"https://archive.org/wayback/available\"",
        "report and check: the Wayback Machine availability API asked for what to cite instead",
    ),
    (
        "exclude",
        "mailto, tel, sms, javascript",
        "what is not a citation (skipped, never requested, never failing): a table of schemes, domains (with subdomains) and urls (regular expressions), beside the default schemes",
    ),
    (
        "replay_url",
        "(none)",
        "check and report: link our copy of a source in the desk's replay tool (pywb, ReplayWeb.page): a URL with {timestamp} and {url}",
    ),
    (
        "accept",
        "(none)",
        "statuses that count as fine from some hosts, with the reason shown: [[accept]] tables of hosts (domains, with subdomains), statuses and reason",
    ),
    (
        "user_agent",
        "provcheck/VERSION (source checker for news desks; CONTACT)",
        "the User-Agent header of every request (by default provcheck's, with contact)",
    ),
    (
        "credentials",
        "(none)",
        "headers sent to some hosts only (a wire service's token, a cookie, basic auth): [[credentials]] tables of hosts, headers and basic_auth whose values are \"env:NAME\" or \"file:PATH\" (owner-only), never printed and archived redacted",
    ),
];

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
    pub exclude: Option<ExcludeConfig>,
    pub replay_url: Option<String>,
    pub accept: Option<Vec<AcceptConfig>>,
    pub user_agent: Option<String>,
    pub credentials: Option<Vec<CredentialsConfig>>,
}

/// `[[credentials]]`: headers for some hosts, whose values are references to secrets kept out
/// of the configuration: `"env:NAME"` (an environment variable) or `"file:PATH"` (a file only
/// its owner can read).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// Domains, with their subdomains.
    pub hosts: Vec<String>,
    /// Header name to secret reference (`Authorization`, `Cookie`, `X-Api-Key`...).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// HTTP basic authentication: `user` and a secret reference for `password`.
    pub basic_auth: Option<BasicAuthConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthConfig {
    pub user: String,
    pub password: String,
}

/// The value a secret reference names: `env:NAME` or `file:PATH` (a file no one but its owner
/// can read). A literal value is refused: secrets are never written in the configuration.
fn secret(reference: &str) -> Result<String, String> {
    if let Some(name) = reference.strip_prefix("env:") {
        return std::env::var(name)
            .map_err(|_| format!("the environment variable {name} is not set"));
    }
    if let Some(path) = reference.strip_prefix("file:") {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        if meta.mode() & 0o077 != 0 {
            return Err(format!(
                "{path} can be read by others than its owner: chmod 600 {path}"
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
    }
    Err("write a secret as \"env:NAME\" or \"file:PATH\", never in the configuration".to_owned())
}

/// The `[[credentials]]` of the configuration, their secrets read.
fn credentials(
    file: &FileConfig,
    origin: &str,
) -> Result<Vec<crate::fetch::HostCredentials>, ConfigError> {
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        origin: origin.to_owned(),
        key,
        value: String::new(),
        message,
    };
    let mut all = Vec::new();
    for entry in file.credentials.iter().flatten() {
        let mut headers = Vec::new();
        for (name, reference) in &entry.headers {
            let value = secret(reference)
                .map_err(|m| invalid("credentials.headers", format!("{name}: {m}")))?;
            headers.push((name.clone(), value));
        }
        if let Some(basic) = &entry.basic_auth {
            let password = secret(&basic.password)
                .map_err(|m| invalid("credentials.basic_auth.password", m))?;
            let token =
                data_encoding::BASE64.encode(format!("{}:{password}", basic.user).as_bytes());
            headers.push(("Authorization".to_owned(), format!("Basic {token}")));
        }
        all.push(crate::fetch::HostCredentials {
            hosts: entry.hosts.clone(),
            headers,
        });
    }
    Ok(all)
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
        credentials: Arc::new(credentials(file, &file_origin)?),
        guard: AddressGuard::new(allow),
        lookup: Arc::new(SystemLookup),
    })
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

/// Validated archive settings: `--archive DIR` wins over the `archive` key.
pub fn archive_options(
    file: &FileConfig,
    file_path: Option<&Path>,
    dir: Option<&Path>,
) -> Result<crate::archive::ArchiveOptions, ConfigError> {
    let origin = file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let rotate_at = match &file.warc_max_size {
        None => 1_000_000_000,
        Some(Size::Bytes(n)) => *n,
        Some(Size::Text(t)) => parse_size(t).map_err(|message| ConfigError::Invalid {
            origin: origin.clone(),
            key: "warc_max_size",
            value: t.clone(),
            message,
        })?,
    };
    let gzip_level = file.warc_gzip_level.unwrap_or(3);
    if gzip_level > 9 {
        return Err(ConfigError::Invalid {
            origin,
            key: "warc_gzip_level",
            value: gzip_level.to_string(),
            message: "must be 0 to 9".to_owned(),
        });
    }
    let not_modified = match file.not_modified_record.as_deref() {
        None | Some("compact") => crate::archive::NotModifiedRecord::Compact,
        Some("revisit") => crate::archive::NotModifiedRecord::Revisit,
        Some(other) => {
            return Err(ConfigError::Invalid {
                origin,
                key: "not_modified_record",
                value: other.to_owned(),
                message: "must be \"compact\" or \"revisit\"".to_owned(),
            });
        }
    };
    let dir = dir
        .map(Path::to_path_buf)
        .or_else(|| file.archive.clone())
        .unwrap_or_else(|| PathBuf::from("archive"));
    let edited = file.edited_threshold.unwrap_or(0.30);
    if !(0.0..=1.0).contains(&edited) {
        return Err(ConfigError::Invalid {
            origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
            key: "edited_threshold",
            value: edited.to_string(),
            message: "must be between 0 and 1".to_owned(),
        });
    }
    Ok(crate::archive::ArchiveOptions {
        dir,
        rotate_at,
        gzip_level,
        not_modified,
        thresholds: crate::content::similarity::Thresholds { edited },
        warcinfo: crate::archive::WarcinfoFields {
            operator: file.operator.clone().filter(|o| !o.trim().is_empty()),
            user_agent: user_agent(file),
            robots: String::new(),
        },
    })
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

/// Reads a byte size: `"1048576"`, `"512KB"`, `"20 MiB"`. KB/MB/GB are powers of 1000,
/// KiB/MiB/GiB powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        "expected a number of bytes, optionally with a unit (KB, MiB...)".to_owned()
    })?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "kib" => 1 << 10,
        "mb" | "m" => 1_000_000,
        "mib" => 1 << 20,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?} (use B, KB, KiB, MB, MiB, GB or GiB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| "too large".to_owned())
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
    fn sizes_read_decimal_and_binary_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("20MiB"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("512 KB"), Ok(512_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

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
