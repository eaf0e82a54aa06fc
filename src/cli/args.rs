//! Argument types shared by several commands, and their first validation: the inputs, the
//! archive directory, the fetch settings, the text-or-JSON format and a URL operand.
//!
//! Below the commands: nothing here imports a command.

use anyhow::Result;
use clap::Args;
use provcheck::archive::ArchiveOptions;
use provcheck::archive::index::IndexAt;
use provcheck::citation::Target;
use provcheck::config::{self, Overrides};
use provcheck::extract::ArticleFormat;
use provcheck::input::{self, ReadOptions};
use provcheck::normalize::normalize;
use std::path::{Path, PathBuf};
use url::Url;

/// The options every command sees: `--config` and `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Global<'a> {
    pub config: Option<&'a Path>,
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Article files, directories (walked for .txt .md .markdown .html .htm), - for stdin, or
    /// the http(s) URL of a published story (fetched through the guard; its article body is
    /// read)
    #[arg(required = true, value_name = "ARTICLE")]
    pub articles: Vec<PathBuf>,
    /// Read every article as this format [default: from the extension; stdin is sniffed]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<ArticleFormat>,
    /// Resolve relative links against this URL (an HTML <base href> wins)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<Url>,
}

impl InputArgs {
    /// Reads the files among the articles named (`operands`), warning about empty ones. A file
    /// that cannot be read gets an error line and the rest are read; returns how many could not
    /// be (the command exits 2 at the end). Fails when none could be.
    pub fn read_operands(&self, operands: &[PathBuf]) -> Result<(Vec<input::Article>, usize)> {
        if operands.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let (articles, errors) = input::read_articles_lenient(
            operands,
            ReadOptions {
                format: self.input_format,
            },
        )?;
        for error in &errors {
            eprintln!("provcheck: error: {error}; the other articles are read");
        }
        for article in &articles {
            if article.text.trim().is_empty() {
                tracing::warn!("{} is empty", article.source.display());
            }
        }
        Ok((articles, errors.len()))
    }
}

#[derive(Debug, Args)]
pub struct ArchiveArg {
    /// Archive directory [default: the config key archive, else ./archive]
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// The index in this PostgreSQL database, e.g. postgres://provcheck@db.internal/provcheck
    /// [default: $PROVCHECK_INDEX_URL, else the config key index_url, else index.sqlite in the
    /// archive directory]
    #[arg(
        long,
        value_name = "URL",
        env = "PROVCHECK_INDEX_URL",
        hide_env_values = true
    )]
    pub index_url: Option<String>,
}

impl ArchiveArg {
    /// The archive directory (the flag, else the config file's `archive`, else `./archive`)
    /// and where its index is (`--index-url`, else `index_url`, else in the directory).
    pub fn at(&self, config_path: Option<&Path>) -> Result<(PathBuf, IndexAt)> {
        let options = self.options(config_path)?;
        Ok((options.dir, options.index))
    }

    /// The archive's settings, with this argument's directory and index.
    pub fn options(&self, config_path: Option<&Path>) -> Result<ArchiveOptions> {
        let (file, file_path) = config::load(config_path)?;
        Ok(config::archive_options(
            &file,
            file_path.as_deref(),
            self.archive.as_deref(),
            None,
            self.index_url.as_deref(),
        )?)
    }
}

/// Output of the commands that print either lines of text or one JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// Fetch settings; each overrides the config key of the same name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fetching (each overrides the config key of the same name)")]
pub struct FetchArgs {
    /// Requests in flight at once [default: 64]
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Requests in flight at once to one host [default: 4]
    #[arg(long, value_name = "N")]
    host_concurrency: Option<usize>,
    /// Minimum time between request starts to one host [default: 100ms]
    #[arg(long, value_name = "DURATION")]
    host_interval: Option<String>,
    /// Deadline for one request, body included [default: 20s]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// Time allowed to connect [default: 10s]
    #[arg(long, value_name = "DURATION")]
    connect_timeout: Option<String>,
    /// Retries of transient failures (reset, timeout, 5xx, 429) [default: 2]
    #[arg(long, value_name = "N")]
    retries: Option<u32>,
    /// Longest Retry-After waited for [default: 10s]
    #[arg(long, value_name = "DURATION")]
    retry_after_cap: Option<String>,
    /// Redirects followed before giving up [default: 10]
    #[arg(long, value_name = "N")]
    max_redirects: Option<u32>,
    /// Largest body read, e.g. 20MiB [default: 20MiB]
    #[arg(long, value_name = "SIZE")]
    max_body: Option<String>,
    /// Let the address guard through to this CIDR range (repeatable), e.g. 127.0.0.0/8
    #[arg(long, value_name = "CIDR")]
    allow_net: Vec<String>,
}

impl FetchArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            concurrency: self.concurrency,
            host_concurrency: self.host_concurrency,
            host_interval: self.host_interval.clone(),
            connect_timeout: self.connect_timeout.clone(),
            timeout: self.timeout.clone(),
            retries: self.retries,
            retry_after_cap: self.retry_after_cap.clone(),
            max_redirects: self.max_redirects,
            max_body: self.max_body.clone(),
            allow_net: self.allow_net.clone(),
        }
    }
}

/// A URL operand ("the URL, as cited") in the archive's spelling; schemes that are never
/// archived and invalid URLs are errors.
pub fn normalized_url(url: &str) -> Result<String> {
    match normalize(url, None) {
        Target::Fetchable(u) => Ok(u.to_string()),
        Target::UnsupportedScheme { scheme } => {
            anyhow::bail!("{url}: {scheme}: URLs are never archived")
        }
        Target::Invalid { reason } => anyhow::bail!("{url} is not a valid URL: {reason}"),
    }
}

/// Parses a time flag (`--at`, `--from`, `--to`) into the index's time format.
pub fn time_arg(value: Option<&str>, flag: &str) -> Result<Option<String>> {
    value
        .map(provcheck::time::parse_user_time)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid {flag}: {e}"))
        .map(|t| t.map(provcheck::time::db_time))
}

/// A flag's value from the environment (`PROVCHECK_OFFLINE`): an empty variable reads as unset
/// (false), as shells and CI systems that "clear" a variable by setting it empty mean it; else
/// yes/no, true/false, on/off, 1/0 in any case.
pub fn env_flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "n" | "no" | "f" | "false" | "off" => Ok(false),
        "1" | "y" | "yes" | "t" | "true" | "on" => Ok(true),
        other => Err(format!(
            "{other:?} is not a yes or a no (1/0, true/false, yes/no, on/off)"
        )),
    }
}
