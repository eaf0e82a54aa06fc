//! `provcheck check`: the pre-publication gate. Extract, fetch, archive, judge, suggest what to
//! cite instead, render; exit 0 when every citation is fine, 1 when one is not.

use crate::cli::args::{FetchArgs, Global, InputArgs, env_flag};
use crate::cli::output::{check_writable, progress_bar, write_output};
use crate::cli::session::{finish_archive, open_archive, timestamp_run};
use crate::cli::signal::stop_on_signal;
use crate::cli::stories;
use anyhow::{Context, Result};
use clap::Args;
use provcheck::archive::writer::ArchiveWriter;
use provcheck::archive::{Archive, ArchiveOptions, References};
use provcheck::check::{ArchiveSink, CheckOptions, CheckReport, check, extract_all};
use provcheck::config;
use provcheck::fetch::{Fetcher, Validators};
use provcheck::input;
use provcheck::render::{self, CheckFormat, TerminalStyle};
use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use url::Url;

#[derive(Debug, Args)]
pub struct CheckArgs {
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
    /// Write the WARC files to this S3-compatible bucket, e.g. s3://evidence/provcheck/
    /// [default: $PROVCHECK_WARC_URL, else the config key warc_url, else the archive directory]
    // Not in conflict with --no-archive: a desk may export the variable for every command.
    #[arg(long, value_name = "URL", env = "PROVCHECK_WARC_URL")]
    warc_url: Option<String>,
    /// The index in this PostgreSQL database, e.g. postgres://provcheck@db.internal/provcheck
    /// [default: $PROVCHECK_INDEX_URL, else the config key index_url, else index.sqlite in the
    /// archive directory]
    // Not in conflict with --no-archive: a desk may export the variable for every command.
    #[arg(
        long,
        value_name = "URL",
        env = "PROVCHECK_INDEX_URL",
        hide_env_values = true
    )]
    index_url: Option<String>,
    /// Only check: archive nothing
    #[arg(long)]
    no_archive: bool,
    /// Make this run's captures the references of these articles' citations (for an editor who
    /// deliberately cites an updated page)
    #[arg(long, conflicts_with = "no_archive")]
    rebaseline: bool,
    /// Do not ask the Wayback Machine what to cite instead of a problem source
    #[arg(long, env = "PROVCHECK_OFFLINE", value_parser = env_flag)]
    offline: bool,
    /// The Wayback Machine availability API [default: the config key wayback_endpoint]
    #[arg(long, value_name = "URL")]
    wayback_endpoint: Option<String>,
    #[command(flatten)]
    fetch: FetchArgs,
}

/// Everything the configuration and the flags decide, validated before anything is fetched.
struct Setup {
    fetch: provcheck::fetch::FetchOptions,
    archive: provcheck::archive::ArchiveOptions,
    endpoint: Url,
    articles: provcheck::extract::ArticleSettings,
    soft404_probe: bool,
    replay_url: Option<String>,
    tsa: Option<Url>,
    exclude: provcheck::exclude::Exclusions,
    accept: provcheck::exclude::Acceptances,
    quote_gate: provcheck::check::QuoteGate,
}

fn setup(args: &CheckArgs, global: Global<'_>) -> Result<Setup> {
    check_writable(args.output.as_deref())?;
    let (file, file_path) = config::load(global.config)?;
    let path = file_path.as_deref();
    let fetch = config::fetch_options(&file, path, &args.fetch.overrides())?;
    let mut archive = config::archive_options(
        &file,
        path,
        args.archive.as_deref(),
        args.warc_url.as_deref(),
        args.index_url.as_deref(),
    )?;
    "ignore: the pre-publication check fetches each cited URL once, at an editor's request"
        .clone_into(&mut archive.warcinfo.robots);
    let endpoint = config::wayback_endpoint(&file, path, args.wayback_endpoint.as_deref())?;
    let articles = config::article_settings(&file, path, args.input.base_url.as_ref())?;
    Ok(Setup {
        fetch,
        archive,
        endpoint,
        articles,
        soft404_probe: file.soft404_probe.unwrap_or(true),
        exclude: config::exclusions(&file, path)?,
        accept: config::acceptances(&file),
        replay_url: file.replay_url.clone(),
        tsa: config::tsa_url(&file, path)?,
        quote_gate: config::quote_gate(&file, path)?,
    })
}

pub fn exec(args: &CheckArgs, global: Global<'_>) -> Result<ExitCode> {
    let Setup {
        fetch: options,
        archive: archive_options,
        endpoint,
        articles: settings,
        soft404_probe,
        replay_url,
        tsa,
        exclude,
        accept,
        quote_gate,
    } = setup(args, global)?;
    let gzip_level = archive_options.gzip_level;
    let fetcher = Arc::new(Fetcher::new(options)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (articles, stories, unread) = read_inputs(&args.input, &runtime, &fetcher)?;
    let extracted = extract_all(&articles, &settings);

    let mut session = if args.no_archive {
        None
    } else {
        let references = if args.rebaseline {
            References::Rebaseline
        } else {
            References::Keep
        };
        Some(open_session(archive_options, &extracted, references)?)
    };
    let progress = progress_bar(
        global.quiet,
        "{spinner} fetching {pos}/{len} URLs {wide_bar} {elapsed}",
    );
    // Each story page is archived like any capture: the evidence of what was checked.
    if let Some((writer, _, _)) = &session {
        let sink = ArchiveSink {
            writer: writer.handle(),
            gzip_level,
        };
        stories::archive(&runtime, &sink, stories)?;
    }
    let options = CheckOptions {
        archive: session.as_ref().map(|(writer, _, _)| ArchiveSink {
            writer: writer.handle(),
            gzip_level,
        }),
        soft404_probe,
        conditional: session
            .as_mut()
            .map(|(_, _, c)| std::mem::take(c))
            .unwrap_or_default(),
        // The pre-publication check asks once for the editor; robots.txt governs the sweep.
        robots: false,
        stop: Some(stop_on_signal(&runtime)),
        exclude: Arc::new(exclude),
        accept: Arc::new(accept),
        quote_gate,
        memo: None,
    };
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
        Some((writer, run_id, _)) => {
            let mut archive = finish_archive(writer, run_id)?;
            timestamp_run(&runtime, &fetcher, &mut archive, run_id, tsa.as_ref());
            Some((archive, run_id))
        }
        None => None,
    };
    let mut report = result.map_err(|error| anyhow::anyhow!("archiving failed: {error}"))?;
    suggest(
        &mut report,
        replay_url.as_deref(),
        archive
            .as_ref()
            .map(|(a, id)| (a, *id, args.archive.as_deref())),
        (!args.offline).then_some((&runtime, fetcher, &endpoint)),
    )?;
    // The runtime (and any connection still open) goes before the report is
    // rendered, so that rendering reuses that memory; in the background, so that a DNS lookup of
    // a Wayback query cut at its deadline (a blocking thread) does not hold up the exit.
    runtime.shutdown_background();

    log_diagnostics(&report);

    let style = if args.output.is_none() && std::io::stdout().is_terminal() {
        TerminalStyle::Colour
    } else {
        TerminalStyle::Plain
    };
    let width = text_width(args.output.is_none());
    write_output(args.output.as_deref(), |out| {
        render::render_check(&report, args.format, style, width, out)
    })?;
    Ok(exit_code(&report, unread))
}

/// The articles named: files read (each failure said on stderr), and published stories named
/// by URL fetched through the guard; how many could not be read. Fails when none could.
fn read_inputs(
    input: &InputArgs,
    runtime: &tokio::runtime::Runtime,
    fetcher: &Fetcher,
) -> Result<(Vec<input::Article>, Vec<stories::Story>, usize)> {
    let (files, story_urls) = stories::split_operands(&input.articles);
    let (mut articles, unread) = input.read_operands(&files)?;
    let (stories, unreadable) = stories::fetch(runtime, fetcher, &story_urls);
    articles.extend(stories.iter().map(|s| s.article.clone()));
    if articles.is_empty() {
        anyhow::bail!("nothing to check: no article could be read");
    }
    Ok((articles, stories, unread + unreadable))
}

/// 2 when the run was interrupted or an article could not be read (said on stderr), else 1
/// when a citation fails the gate, else 0.
fn exit_code(report: &CheckReport, unread: usize) -> ExitCode {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if report.not_checked > 0 {
        eprintln!(
            "provcheck: interrupted: {} URL{} not checked; the report covers the rest",
            report.not_checked,
            plural(report.not_checked)
        );
        return ExitCode::from(2);
    }
    if unread > 0 {
        eprintln!(
            "provcheck: {unread} article{} could not be read (see above); the report covers the rest",
            plural(unread)
        );
        return ExitCode::from(2);
    }
    if report.all_fine() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Articles that cite nothing, and what extraction skipped, on stderr.
fn log_diagnostics(report: &CheckReport) {
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

/// The width text is laid out for: the terminal's as the shell says it (`COLUMNS`) when printing
/// to stdout, else 80 columns.
fn text_width(to_stdout: bool) -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|_| to_stdout)
        .unwrap_or(render::DEFAULT_WIDTH)
}

/// What to cite instead of each problem: a permanent redirect's new URL, our last good copy, and
/// (online) the Wayback Machine's capture closest to today, cached in the archive's index.
fn suggest(
    report: &mut CheckReport,
    replay_url: Option<&str>,
    archive: Option<(&Archive, i64, Option<&Path>)>,
    online: Option<(&tokio::runtime::Runtime, Arc<Fetcher>, &Url)>,
) -> Result<()> {
    use provcheck::check::suggest;
    use provcheck::wayback;
    let arg = archive.and_then(|(_, _, p)| p.map(|p| p.display().to_string()));
    suggest::from_archive(
        report,
        archive.map(|(a, run_id, _)| (a.index(), run_id, arg.as_deref())),
        replay_url,
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
    let failed: BTreeSet<&str> = answers
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

/// Validators of earlier captures, by URL, with the snapshot each came from.
type Conditional = HashMap<Url, (Validators, i64)>;

/// Opens the archive, records the run and its articles, looks up the validators for conditional
/// re-checks, and starts the writer.
fn open_session(
    options: ArchiveOptions,
    extracted: &[(&input::Article, provcheck::extract::Extraction)],
    references: References,
) -> Result<(ArchiveWriter, i64, Conditional)> {
    let mut archive = open_archive(options)?;
    let run_id = archive.begin_run("check", jiff::Timestamp::now())?;
    let pairs: Vec<_> = extracted.iter().map(|(a, e)| (*a, e)).collect();
    archive.register_articles(run_id, &pairs, references)?;
    let urls: Vec<Url> = extracted
        .iter()
        .flat_map(|(_, e)| e.citations.iter())
        .filter_map(|c| c.target.url().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let conditional = archive.validators(&urls)?;
    Ok((ArchiveWriter::spawn(archive, run_id), run_id, conditional))
}
