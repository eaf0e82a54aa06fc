//! The command line: parse arguments, load the config, run a command, choose an exit code.
//!
//! Everything here is glue; the work is done by the library. Errors that stop a command are
//! `anyhow` errors with context naming the file or flag; `main` prints them and exits 2.

use crate::archive_cmd;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use provcheck::archive::writer::ArchiveWriter;
use provcheck::archive::{Archive, References};
use provcheck::check::{ArchiveSink, CheckOptions, check, extract_all};
use provcheck::config::{self, Overrides};
use provcheck::extract::{ArticleFormat, extract};
use provcheck::fetch::Fetcher;
use provcheck::input::{self, ReadOptions};
use provcheck::report::{self, CheckFormat, TerminalStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use url::Url;

const EXIT_CODES: &str = "Exit codes:
  0  every citation is fine (a redirect is fine, but reported)
  1  at least one citation is not (dead, blocked, invalid...)
  2  provcheck could not run (bad arguments, unreadable input or config)";

/// Fetches every source a news article cites and says which are still there.
#[derive(Debug, Parser)]
#[command(name = "provcheck", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Configuration file [default: provcheck.toml in the working directory, if present]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr, and no progress bar
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch every cited URL and report what each answered (the pre-publication gate)
    #[command(after_help = EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// Print the citations of articles without fetching anything
    Extract(ExtractArgs),
    /// Re-read every archived record and recompute its digests (exit 1 if any fails)
    Verify(VerifyArgs),
    /// List every check and snapshot of a URL, oldest first
    History(HistoryArgs),
    /// Write what was archived for a URL (the capture nearest before --at, default the latest)
    Show(ShowArgs),
    /// The nightly job: re-check every citation due, and report only what is new (exit 1 if anything is)
    #[command(
        after_help = "Exit codes:\n  0  nothing new went wrong (and nothing is printed)\n  1  something changed: newly failing, dead, recovered, edited, replaced, soft-404\n  2  could not run, another sweep is running, or stopped by a signal"
    )]
    Sweep(SweepArgs),
    /// Word-level diff of a source's main text: its reference against the latest capture, by default
    Diff(DiffArgs),
    /// Audit report for the standards desk, from the archive: verdicts, evidence, what to cite instead
    #[command(
        after_help = "Exit codes:\n  0  the report was written (whatever it says)\n  2  could not run (bad arguments, no archive, unwritable output)"
    )]
    Report(Box<ReportArgs>),
    /// Export the archive's index for other tools
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Directories of article files to register (new or changed files); already registered
    /// articles are swept either way
    #[arg(value_name = "ARTICLES_DIR")]
    dirs: Vec<PathBuf>,
    /// Re-check citations last checked longer ago than this
    #[arg(long, value_name = "DURATION", default_value = "20h")]
    max_age: String,
    /// Start no new request after this long; the rest waits for the next sweep, first in line
    #[arg(long, value_name = "DURATION")]
    budget: Option<String>,
    /// Output format (JSON is printed even when there is no news)
    #[arg(long, value_enum, default_value = "text")]
    format: ExtractFormat,
    #[command(flatten)]
    archive: ArchiveArg,
    #[command(flatten)]
    fetch: FetchArgs,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The URL, as cited (it is normalized)
    url: String,
    /// Use the reference of this article's citation [default: the first article citing the URL]
    #[arg(long, value_name = "ID")]
    article: Option<String>,
    /// Compare from the capture nearest at or before TIME instead of the reference
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Compare to the capture nearest at or before TIME instead of the latest
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    #[command(flatten)]
    archive: ArchiveArg,
}

/// Formats of `provcheck report`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    Html,
    Md,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only what changed in the period: a duration back from the last check (7d, 36h) or a date
    /// (2026-11-01) or RFC 3339 time
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// Only this article (repeatable)
    #[arg(long = "article", value_name = "ID")]
    pub articles: Vec<String>,
    /// Only citations with these statuses, comma-separated: dead, soft-404, replaced, failing,
    /// edited, moved, blocked, rate-limited, unchecked, ok
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub status: Vec<String>,
    /// List fine citations too
    #[arg(long)]
    pub all: bool,
    /// Do not ask the Wayback Machine (cached answers are still used)
    #[arg(long, env = "PROVCHECK_OFFLINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub offline: bool,
    /// The Wayback Machine availability API [default: the config key wayback_endpoint]
    #[arg(long, value_name = "URL")]
    pub wayback_endpoint: Option<String>,
    #[command(flatten)]
    pub archive: ArchiveArg,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ArchiveArg {
    /// Archive directory [default: the config key archive, else ./archive]
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    archive: ArchiveArg,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ExtractFormat,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// The URL, as cited (it is normalized)
    url: String,
    #[command(flatten)]
    archive: ArchiveArg,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ExtractFormat,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("part").multiple(false))]
struct ShowArgs {
    /// The URL, as cited (it is normalized)
    url: String,
    /// The capture nearest at or before this time: RFC 3339, or a date meaning the end of that day (UTC)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Only the HTTP response headers
    #[arg(long, group = "part")]
    headers: bool,
    /// Only the body, decoded from its Content-Encoding
    #[arg(long, group = "part")]
    body: bool,
    /// Only the title and main text of the body (as compared by change grading)
    #[arg(long, group = "part")]
    text: bool,
    #[command(flatten)]
    archive: ArchiveArg,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// A CDXJ index (SURT key, timestamp, JSON) that pywb can replay the archive with
    Cdxj {
        #[command(flatten)]
        archive: ArchiveArg,
        /// Write to FILE instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct InputArgs {
    /// Article files, directories (walked for .txt .md .markdown .html .htm), or - for stdin
    #[arg(required = true, value_name = "ARTICLE")]
    articles: Vec<PathBuf>,
    /// Read every article as this format [default: from the extension; stdin is sniffed]
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<ArticleFormat>,
    /// Resolve relative links against this URL (an HTML <base href> wins)
    #[arg(long, value_name = "URL")]
    base_url: Option<Url>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// Write the report to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Archive directory [default: the config key archive, else ./archive]
    #[arg(long, value_name = "DIR", conflicts_with = "no_archive")]
    archive: Option<PathBuf>,
    /// Only check: archive nothing
    #[arg(long)]
    no_archive: bool,
    /// Make this run's captures the references of these articles' citations (for an editor who
    /// deliberately cites an updated page)
    #[arg(long, conflicts_with = "no_archive")]
    rebaseline: bool,
    /// Do not ask the Wayback Machine what to cite instead of a problem source
    #[arg(long, env = "PROVCHECK_OFFLINE", value_parser = clap::builder::BoolishValueParser::new())]
    offline: bool,
    /// The Wayback Machine availability API [default: the config key wayback_endpoint]
    #[arg(long, value_name = "URL")]
    wayback_endpoint: Option<String>,
    #[command(flatten)]
    fetch: FetchArgs,
}

#[derive(Debug, Args)]
struct ExtractArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ExtractFormat,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ExtractFormat {
    Text,
    Json,
}

/// Fetch settings; each overrides the config key of the same name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fetching (each overrides the config key of the same name)")]
pub(crate) struct FetchArgs {
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
    pub(crate) fn overrides(&self) -> Overrides {
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

/// Runs the command line and returns the exit code.
pub fn run(cli: Cli) -> Result<ExitCode> {
    init_logging(cli.verbose, cli.quiet);
    match cli.command {
        Command::Check(args) => run_check(&args, cli.config.as_deref(), cli.quiet),
        Command::Extract(args) => run_extract(&args),
        Command::Verify(args) => archive_cmd::verify(
            &args.archive.dir(cli.config.as_deref())?,
            args.format,
            cli.quiet,
        ),
        Command::History(args) => archive_cmd::history(
            &args.archive.dir(cli.config.as_deref())?,
            &args.url,
            args.format,
        ),
        Command::Show(args) => {
            let part = if args.headers {
                archive_cmd::Part::Headers
            } else if args.body {
                archive_cmd::Part::Body
            } else if args.text {
                archive_cmd::Part::Text
            } else {
                archive_cmd::Part::Summary
            };
            let dir = args.archive.dir(cli.config.as_deref())?;
            archive_cmd::show(
                &dir,
                &args.url,
                args.at.as_deref(),
                part,
                args.output.as_deref(),
            )
        }
        Command::Sweep(args) => {
            let (file, file_path) = config::load(cli.config.as_deref())?;
            let fetch =
                config::fetch_options(&file, file_path.as_deref(), &args.fetch.overrides())?;
            let max_age = config::parse_duration(&args.max_age)
                .map_err(|e| anyhow::anyhow!("invalid --max-age: {e}"))?;
            let budget = args
                .budget
                .as_deref()
                .map(config::parse_duration)
                .transpose()
                .map_err(|e| anyhow::anyhow!("invalid --budget: {e}"))?;
            crate::sweep_cmd::run(&crate::sweep_cmd::SweepRequest {
                dirs: &args.dirs,
                max_age,
                budget,
                format: args.format,
                file: &file,
                file_path: file_path.as_deref(),
                archive_dir: args.archive.archive.as_deref(),
                fetch,
            })
        }
        Command::Diff(args) => {
            let (file, file_path) = config::load(cli.config.as_deref())?;
            let options = config::archive_options(
                &file,
                file_path.as_deref(),
                args.archive.archive.as_deref(),
            )?;
            archive_cmd::diff(
                &options,
                &args.url,
                args.article.as_deref(),
                args.from.as_deref(),
                args.to.as_deref(),
            )
        }
        Command::Report(args) => crate::report_cmd::run(cli.config.as_deref(), &args),
        Command::Export(ExportCommand::Cdxj { archive, output }) => {
            archive_cmd::export_cdxj(&archive.dir(cli.config.as_deref())?, output.as_deref())
        }
    }
}

impl ArchiveArg {
    /// The archive directory: the flag, else the config file's `archive`, else `./archive`.
    fn dir(&self, config_path: Option<&Path>) -> Result<PathBuf> {
        let (file, file_path) = config::load(config_path)?;
        Ok(config::archive_options(&file, file_path.as_deref(), self.archive.as_deref())?.dir)
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, _) => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn read_inputs(args: &InputArgs) -> Result<Vec<input::Article>> {
    let articles = input::read_articles(
        &args.articles,
        ReadOptions {
            format: args.input_format,
        },
    )?;
    for article in &articles {
        if article.text.trim().is_empty() {
            tracing::warn!("{} is empty", article.source.display());
        }
    }
    Ok(articles)
}

fn run_check(args: &CheckArgs, config_path: Option<&Path>, quiet: bool) -> Result<ExitCode> {
    let (file, file_path) = config::load(config_path)?;
    let options = config::fetch_options(&file, file_path.as_deref(), &args.fetch.overrides())?;
    let archive_options =
        config::archive_options(&file, file_path.as_deref(), args.archive.as_deref())?;
    let gzip_level = archive_options.gzip_level;
    let endpoint = config::wayback_endpoint(
        &file,
        file_path.as_deref(),
        args.wayback_endpoint.as_deref(),
    )?;
    let articles = read_inputs(&args.input)?;
    let fetcher = Arc::new(Fetcher::new(options)?);
    let extracted = extract_all(&articles, args.input.base_url.as_ref());

    let mut session = if args.no_archive {
        None
    } else {
        let references = if args.rebaseline {
            References::Rebaseline
        } else {
            References::Keep
        };
        Some(open_session(
            archive_options,
            "check",
            &extracted,
            references,
        )?)
    };
    let options = CheckOptions {
        archive: session.as_ref().map(|(writer, _, _)| ArchiveSink {
            writer: writer.handle(),
            gzip_level,
        }),
        soft404_probe: file.soft404_probe.unwrap_or(true),
        conditional: session
            .as_mut()
            .map(|(_, _, c)| std::mem::take(c))
            .unwrap_or_default(),
        // The pre-publication check asks once for the editor; robots.txt governs the sweep.
        robots: false,
        stop: None,
    };

    let progress = progress_bar(quiet);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut options = options;
    options.stop = Some(stop_on_signal(&runtime));
    let result = runtime.block_on(check(
        extracted,
        Arc::clone(&fetcher),
        options,
        |done, total| {
            progress.set_length(total as u64);
            progress.set_position(done as u64);
        },
    ));
    progress.finish_and_clear();
    let archive = match session {
        Some((writer, run_id, _)) => Some((finish_archive(writer, run_id)?, run_id)),
        None => None,
    };
    let mut report = result.map_err(|error| anyhow::anyhow!("archiving failed: {error}"))?;
    suggest(
        &mut report,
        archive
            .as_ref()
            .map(|(a, id)| (a, *id, args.archive.as_deref())),
        (!args.offline).then_some((&runtime, fetcher, &endpoint)),
    )?;
    // The runtime and its connection pool (a read buffer per connection) go before the report is
    // rendered, so that rendering reuses that memory; in the background, so that a DNS lookup of
    // a Wayback query cut at its deadline (a blocking thread) does not hold up the exit.
    runtime.shutdown_background();

    log_diagnostics(&report);

    let style = if args.output.is_none() && std::io::stdout().is_terminal() {
        TerminalStyle::Colour
    } else {
        TerminalStyle::Plain
    };
    write_output(args.output.as_deref(), |out| {
        report::render_check(&report, args.format, style, out)
    })?;
    if report.not_checked > 0 {
        eprintln!(
            "provcheck: interrupted: {} URL{} not checked; the report covers the rest",
            report.not_checked,
            if report.not_checked == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(2));
    }
    Ok(if report.all_fine() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Articles that cite nothing, and what extraction skipped, on stderr.
fn log_diagnostics(report: &provcheck::check::CheckReport) {
    for article in &report.articles {
        if article.citations.is_empty() {
            tracing::warn!("{} cites no URLs", article.source.display());
        }
        for d in &article.diagnostics {
            tracing::info!(
                "{}:{}:{}: {}",
                article.source.display(),
                d.line,
                d.column,
                d.message
            );
        }
    }
}

/// What to cite instead of each problem: a permanent redirect's new URL, our last good copy, and
/// (online) the Wayback Machine's capture closest to today, cached in the archive's index.
fn suggest(
    report: &mut provcheck::check::CheckReport,
    archive: Option<(&Archive, i64, Option<&Path>)>,
    online: Option<(&tokio::runtime::Runtime, Arc<Fetcher>, &Url)>,
) -> Result<()> {
    use provcheck::audit::{suggest, wayback};
    let arg = archive.and_then(|(_, _, p)| p.map(|p| p.display().to_string()));
    suggest::from_archive(
        report,
        archive.map(|(a, run_id, _)| (a.index(), run_id, arg.as_deref())),
    )
    .context("cannot read the archive's index")?;
    let Some((runtime, fetcher, endpoint)) = online else {
        return Ok(());
    };
    let queries = suggest::wayback_queries(report, jiff::Timestamp::now());
    let answers = wayback::answers(
        archive.map(|(a, _, _)| a.index()),
        endpoint,
        queries,
        |missing| {
            runtime.block_on(suggest::look_up_within(
                fetcher,
                endpoint,
                missing,
                std::time::Duration::from_secs(5),
            ))
        },
    )
    .context("cannot use the Wayback cache in the archive's index")?;
    let failed: std::collections::BTreeSet<&str> = answers
        .values()
        .filter_map(|a| match a {
            wayback::Answer::Failed(why) => Some(why.as_str()),
            _ => None,
        })
        .collect();
    for why in &failed {
        tracing::warn!(
            "{why} (no Wayback suggestion for those sources; --offline skips the lookup)"
        );
    }
    suggest::apply_wayback(report, &answers);
    Ok(())
}

/// Waits for the writer to drain, records how the run ended and closes the WARC file; a failed
/// archive is an error (exit 2).
pub(crate) fn finish_archive(writer: ArchiveWriter, run_id: i64) -> Result<Archive> {
    let (mut archive, failure) = writer.finish();
    let status = if failure.is_some() {
        "failed"
    } else {
        "finished"
    };
    archive
        .finish_run(run_id, status, jiff::Timestamp::now())
        .context("cannot close the archive")?;
    if let Some(error) = failure {
        anyhow::bail!("archiving failed, the run was stopped: {error}");
    }
    Ok(archive)
}

/// A flag set on SIGINT or SIGTERM: the run then starts no new request, lets those in flight
/// finish, closes the archive at a record boundary and reports what it has.
pub(crate) fn stop_on_signal(
    runtime: &tokio::runtime::Runtime,
) -> Arc<std::sync::atomic::AtomicBool> {
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let set = Arc::clone(&flag);
    runtime.spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminated => {}
        }
        tracing::warn!("stopping: no new requests; finishing those in flight");
        set.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    flag
}

/// Validators of earlier captures, by URL, with the snapshot each came from.
type Conditional = std::collections::HashMap<url::Url, (provcheck::fetch::Validators, i64)>;

/// Opens the archive, recovers what a crashed run left, records the run and its articles, looks
/// up the validators for conditional re-checks, and starts the writer.
fn open_session(
    options: provcheck::archive::ArchiveOptions,
    kind: &str,
    extracted: &[(&input::Article, provcheck::extract::Extraction)],
    references: References,
) -> Result<(ArchiveWriter, i64, Conditional)> {
    let dir = options.dir.clone();
    let (mut archive, recovered) = Archive::open(options)?;
    for note in recovered {
        tracing::warn!(
            "recovered {} in {} after an interrupted run: cut {} bytes of torn tail",
            note.warc_file,
            dir.display(),
            note.cut_bytes
        );
    }
    let run_id = archive.begin_run(kind, jiff::Timestamp::now())?;
    let pairs: Vec<_> = extracted.iter().map(|(a, e)| (*a, e)).collect();
    archive.register_articles(run_id, &pairs, references)?;
    let urls: Vec<url::Url> = extracted
        .iter()
        .flat_map(|(_, e)| e.citations.iter())
        .filter_map(|c| c.target.url().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let conditional = archive.validators(&urls)?;
    Ok((ArchiveWriter::spawn(archive, run_id), run_id, conditional))
}

fn run_extract(args: &ExtractArgs) -> Result<ExitCode> {
    let articles = read_inputs(&args.input)?;
    let base = args.input.base_url.as_ref();
    let extracted: Vec<_> = articles
        .iter()
        .map(|a| (a, extract(&a.id, a.format, &a.text, base)))
        .collect();
    write_output(args.output.as_deref(), |out| match args.format {
        ExtractFormat::Text => report::render_extract_text(&extracted, out),
        ExtractFormat::Json => report::render_extract_json(&extracted, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} fetching {pos}/{len} URLs {wide_bar} {elapsed}",
        )
        .expect("static template"),
    );
    bar
}

/// Writes to `path` (through a temporary file renamed into place, so a failed write never leaves
/// half a report) or to stdout. A closed stdout (`provcheck ... | head`) is not an error.
pub(crate) fn write_output(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(path) = path {
        // A device, FIFO or socket (`-o /dev/null`, `-o /dev/stdout`, a pipe) is written in
        // place: writing a temporary file and renaming it over the path would replace the device
        // with a regular file (run as root, that once turned /dev/null into a file here).
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let written = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|file| {
                    let mut out = std::io::BufWriter::new(file);
                    render(&mut out)?;
                    out.flush()
                });
            return written.with_context(|| format!("cannot write {}", path.display()));
        }
        // A symbolic link is followed, so that the rename replaces the file it points at.
        let resolved = std::fs::canonicalize(path).ok();
        let path = resolved.as_deref().unwrap_or(path);
        let tmp = path.with_extension("provcheck-tmp");
        let written = std::fs::File::create(&tmp).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            render(&mut out)?;
            out.into_inner()
                .map_err(std::io::IntoInnerError::into_error)?
                .sync_all()?;
            std::fs::rename(&tmp, path)
        });
        return written
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
            .with_context(|| format!("cannot write {}", path.display()));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match render(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
