//! `provcheck report`: the audit report for the standards desk, from the archive.

use crate::cli::{ReportArgs, ReportFormat, write_output};
use anyhow::{Context, Result};
use provcheck::archive::Archive;
use provcheck::audit::render::{Format, render};
use provcheck::audit::wayback::{self, Answer};
use provcheck::audit::{Filter, Status, gather, parse_since, unknown_articles};
use provcheck::config;
use provcheck::fetch::Fetcher;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(config_path: Option<&Path>, args: &ReportArgs) -> Result<ExitCode> {
    let (file, file_path) = config::load(config_path)?;
    let options =
        config::archive_options(&file, file_path.as_deref(), args.archive.archive.as_deref())?;
    let policy = config::verdict_policy(&file, file_path.as_deref())?;
    let endpoint = config::wayback_endpoint(
        &file,
        file_path.as_deref(),
        args.wayback_endpoint.as_deref(),
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

    let mut index = Archive::open_existing(&options.dir)?;
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
    };
    let mut report = gather(&options.dir, &mut index, &filter, &policy)
        .with_context(|| format!("cannot read the index in {}", options.dir.display()))?;

    // What to cite instead: cached Wayback answers, and fresh lookups unless offline.
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
    let answers = wayback::answers(
        Some(&index),
        &endpoint,
        wayback::queries(&report),
        |missing| match online {
            Some((runtime, fetcher)) => {
                runtime.block_on(wayback::look_up(fetcher, &endpoint, missing))
            }
            None => HashMap::new(),
        },
    )
    .with_context(|| format!("cannot use the Wayback cache in {}", options.dir.display()))?;
    for (query, answer) in &answers {
        if let Answer::Failed(why) = answer {
            tracing::warn!("{}: {why}", query.0);
        }
    }
    wayback::apply(&mut report, &answers);

    let format = match args.format {
        ReportFormat::Html => Format::Html,
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Json => Format::Json,
    };
    write_output(args.output.as_deref(), |out| render(&report, format, out))?;
    Ok(ExitCode::SUCCESS)
}
