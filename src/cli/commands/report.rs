//! `provcheck report`: the audit report for the standards desk, from the archive (and the
//! Wayback Machine, unless offline).

use crate::cli::args::{ArchiveArg, FetchArgs, Global, env_flag};
use crate::cli::output::{check_writable, write_output};
use anyhow::{Context, Result};
use clap::Args;
use provcheck::archive::Archive;
use provcheck::config;
use provcheck::fetch::Fetcher;
use provcheck::report::render::{Format, render};
use provcheck::report::{
    Filter, Status, apply_wayback, apply_witness, gather, parse_since, unknown_articles,
    wayback_queries, witness_queries,
};
use provcheck::wayback::{self, Answer};
use provcheck::witness;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Formats of `provcheck report`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Md,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "html")]
    format: ReportFormat,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only what changed in the period: a duration back from the last check (7d, 36h) or a date
    /// (2026-11-01) or RFC 3339 time
    #[arg(long, value_name = "DURATION|DATE")]
    since: Option<String>,
    /// Only this article (repeatable)
    #[arg(long = "article", value_name = "ID")]
    articles: Vec<String>,
    /// Only citations with these statuses, comma-separated: dead, soft-404, replaced, failing,
    /// misquoted, edited, moved, blocked, rate-limited, unchecked, ok
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    status: Vec<String>,
    /// List fine citations too
    #[arg(long)]
    all: bool,
    /// Do not ask the Wayback Machine, for what to cite instead or as a witness (cached answers
    /// are still used)
    #[arg(long, env = "PROVCHECK_OFFLINE", value_parser = env_flag)]
    offline: bool,
    /// The Wayback Machine availability API [default: the config key wayback_endpoint]
    #[arg(long, value_name = "URL")]
    wayback_endpoint: Option<String>,
    /// The CDX server asked whether an independent archive holds the same bytes as each listed
    /// capture [default: the config key witness_endpoint]
    #[arg(long, value_name = "URL")]
    witness_endpoint: Option<String>,
    #[command(flatten)]
    archive: ArchiveArg,
    #[command(flatten)]
    fetch: FetchArgs,
}

pub fn exec(args: &ReportArgs, global: Global<'_>) -> Result<ExitCode> {
    check_writable(args.output.as_deref())?;
    let (file, file_path) = config::load(global.config)?;
    let options = config::archive_options(
        &file,
        file_path.as_deref(),
        args.archive.archive.as_deref(),
        None,
        args.archive.index_url.as_deref(),
    )?;
    let policy = config::verdict_policy(&file, file_path.as_deref())?;
    let endpoint = config::wayback_endpoint(
        &file,
        file_path.as_deref(),
        args.wayback_endpoint.as_deref(),
    )?;
    let witness = config::witness(
        &file,
        file_path.as_deref(),
        args.witness_endpoint.as_deref(),
    )?;
    let statuses = args
        .status
        .iter()
        .map(|s| {
            Status::parse(s.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown status {s:?} in --status (known: {})",
                    Status::ALL.map(Status::as_str).join(", ")
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let since = args
        .since
        .as_deref()
        .map(parse_since)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid --since: {e}"))?;

    let mut index = Archive::open_reader(&options.dir, &options.index)?;
    let unknown = unknown_articles(&index, &args.articles)
        .with_context(|| format!("cannot read the index in {}", options.dir.display()))?;
    if !unknown.is_empty() {
        anyhow::bail!(
            "no article {} in the archive {}",
            unknown.join(", "),
            options.dir.display()
        );
    }
    let filter = Filter {
        since,
        articles: args.articles.clone(),
        statuses,
        all: args.all,
        archive_arg: args
            .archive
            .archive
            .as_ref()
            .map(|p| p.display().to_string()),
        replay_url: file.replay_url.clone(),
    };
    let (policy, set_at) = archive_policy(&index, policy)
        .with_context(|| format!("cannot read the index in {}", options.dir.display()))?;
    let mut report = gather(&options.dir, &mut index, &filter, &policy)
        .with_context(|| format!("cannot read the index in {}", options.dir.display()))?;
    report.policy = provcheck::report::PolicyInfo::of(&policy, set_at);

    // The Wayback Machine and the witness: cached answers, and fresh lookups unless offline.
    let online = if args.offline {
        None
    } else {
        let fetch = config::fetch_options(&file, file_path.as_deref(), &args.fetch.overrides())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        Some((runtime, Arc::new(Fetcher::new(fetch)?)))
    };
    suggestions(
        &mut report,
        &index,
        &options.dir,
        &endpoint,
        online.as_ref(),
    )?;
    if let Some(settings) = witness {
        witnesses(
            &mut report,
            &index,
            &options.dir,
            &settings,
            online.as_ref(),
        )?;
    }

    let format = match args.format {
        ReportFormat::Html => Format::Html,
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Json => Format::Json,
    };
    write_output(args.output.as_deref(), |out| render(&report, format, out))?;
    Ok(ExitCode::SUCCESS)
}

/// What to cite instead: cached Wayback answers, and fresh lookups unless offline.
fn suggestions(
    report: &mut provcheck::report::AuditReport,
    index: &provcheck::archive::index::Index,
    dir: &std::path::Path,
    endpoint: &url::Url,
    online: Option<&(tokio::runtime::Runtime, Arc<Fetcher>)>,
) -> Result<()> {
    let answers =
        wayback::answers(
            Some(index),
            endpoint,
            wayback_queries(report),
            |missing| match online {
                Some((runtime, fetcher)) => {
                    runtime.block_on(wayback::look_up(Arc::clone(fetcher), endpoint, missing))
                }
                None => HashMap::new(),
            },
        )
        .with_context(|| format!("cannot use the Wayback cache in {}", dir.display()))?;
    for (query, answer) in &answers {
        if let Answer::Failed(why) = answer {
            tracing::warn!("{}: {why}", query.0);
        }
    }
    apply_wayback(report, &answers);
    Ok(())
}

/// What an independent archive holds of each listed capture: cached answers, and fresh
/// lookups unless offline (for the captures whose cached answer is not final yet).
fn witnesses(
    report: &mut provcheck::report::AuditReport,
    index: &provcheck::archive::index::Index,
    dir: &std::path::Path,
    settings: &config::WitnessSettings,
    online: Option<&(tokio::runtime::Runtime, Arc<Fetcher>)>,
) -> Result<()> {
    let ask = online.map(|(runtime, fetcher)| {
        |missing: &[witness::Query]| {
            runtime.block_on(witness::look_up(
                Arc::clone(fetcher),
                &settings.endpoint,
                settings.window,
                missing,
            ))
        }
    });
    let answers = witness::answers(
        index,
        &settings.endpoint,
        settings.window,
        witness_queries(report),
        ask,
        |query| provcheck::archive::judging::capture_text(index, dir, query.snapshot),
    )
    .with_context(|| format!("cannot use the witness cache in {}", dir.display()))?;
    for (query, answer) in &answers {
        if let witness::Witness::Failed(why) = answer {
            tracing::warn!("{}: {why}", query.url);
        }
    }
    apply_witness(report, &answers);
    Ok(())
}

/// The archive's verdict policy, the sweep's, and when it was set; the configuration's only
/// until a sweep stores one. A configuration that differs is said on stderr.
fn archive_policy(
    index: &provcheck::archive::index::Index,
    configured: provcheck::verdict::Policy,
) -> provcheck::db::Result<(provcheck::verdict::Policy, Option<String>)> {
    Ok(match provcheck::archive::policy::stored(index)? {
        Some(stored) => {
            if stored.policy != configured {
                tracing::warn!(
                    "the configuration's verdict policy differs from the archive's (set {}); the report uses the archive's",
                    stored.set_at
                );
            }
            (stored.policy, Some(stored.set_at))
        }
        None => (configured, None),
    })
}
