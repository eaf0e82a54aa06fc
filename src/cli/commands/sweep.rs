//! `provcheck sweep`: the nightly cron job. Glue over the library: lock, register articles,
//! choose what is due, check it through the same fetch, archive and judgement path as `check`,
//! then report only what is new.

use super::sweep_batches::{Batch, Due, Swept, batch_size, sweep_batches};
use crate::cli::args::{ArchiveArg, FetchArgs, Global, TextOrJson};
use crate::cli::output::write_output;
use crate::cli::session::{finish_archive, open_archive, timestamp_run};
use crate::cli::signal::stop_on_signal;
use crate::cli::stories::{self, Story};
use anyhow::{Context, Result};
use clap::Args;
use provcheck::archive::workers::Worker;
use provcheck::archive::writer::ArchiveWriter;
use provcheck::archive::{Archive, References};
use provcheck::check::{ArchiveSink, CheckOptions, extract_all};
use provcheck::config;
use provcheck::fetch::Fetcher;
use provcheck::input::{self, ReadOptions};
use provcheck::sweep::{Closing, render_text};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Directories of article files, or URLs of published stories, to register (new or changed
    /// articles); already registered articles are swept either way
    #[arg(value_name = "ARTICLES_DIR|STORY_URL")]
    dirs: Vec<PathBuf>,
    /// A file listing the URLs of published stories, one per line (a feed the CMS writes;
    /// blank lines and lines starting with # are skipped)
    #[arg(long, value_name = "FILE")]
    stories: Option<PathBuf>,
    /// Re-check citations last checked longer ago than this
    #[arg(long, value_name = "DURATION", default_value = "20h")]
    max_age: String,
    /// Start no new request after this long; the rest waits for the next sweep, first in line
    #[arg(long, value_name = "DURATION")]
    budget: Option<String>,
    /// Output format (JSON is printed even when there is no news)
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Make the configuration's verdict policy (confirm_failures, confirm_spacing,
    /// count_server_errors, count_timeouts) the archive's from now on; without it, a
    /// configuration that differs from the archive's policy is said and not used
    #[arg(long)]
    set_policy: bool,
    /// Resolve the relative links of newly registered articles against this URL (an HTML
    /// article's <base href> wins; without either, its canonical link or og:url is used)
    #[arg(long, value_name = "URL")]
    base_url: Option<url::Url>,
    /// Sweep as one of several workers on this archive (on this machine, each its own
    /// process): they share the night's queue of due URLs, claimed in batches, and each host's
    /// politeness budget; a worker that dies is taken over once its lease (worker_lease) lapses
    #[arg(long)]
    worker: bool,
    #[command(flatten)]
    archive: ArchiveArg,
    /// Write the WARC files to this S3-compatible bucket, e.g. s3://evidence/provcheck/
    /// [default: $PROVCHECK_WARC_URL, else the config key warc_url, else the archive directory]
    #[arg(long, value_name = "URL", env = "PROVCHECK_WARC_URL")]
    warc_url: Option<String>,
    #[command(flatten)]
    fetch: FetchArgs,
}

/// Holds `sweep.lock` in the archive for the whole run: a second sweep is refused at once, with
/// the pid and start time of the one running. Workers (`--worker`) hold it shared: any number
/// of them, but never beside a sweep that is not a worker. A `check` does not take it.
fn lock(dir: &Path, worker: bool) -> Result<SweepLock> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create archive directory {}", dir.display()))?;
    let path = dir.join("sweep.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if worker {
        if file.try_lock_shared().is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            anyhow::bail!(
                "a sweep that is not a worker is running on {} ({}); not starting a worker beside it",
                dir.display(),
                holder.trim()
            );
        }
        return Ok(SweepLock {
            file,
            holder: false,
        });
    }
    if file.try_lock().is_err() {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        // Workers hold the lock shared and write nothing in it.
        let holder = match holder.trim() {
            "" => "sweep workers (sweep --worker)",
            text => text,
        };
        anyhow::bail!(
            "another sweep is running on {} ({holder}); not starting a second one",
            dir.display(),
        );
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(
        file,
        "pid {} started {}",
        std::process::id(),
        jiff::Timestamp::now()
    )?;
    file.flush()?;
    Ok(SweepLock { file, holder: true })
}

/// `sweep.lock`, held: a sweep that is not a worker writes its pid and start in it, and clears
/// them when it ends, so that workers who come later are not named after it.
struct SweepLock {
    file: File,
    holder: bool,
}

impl Drop for SweepLock {
    fn drop(&mut self) {
        if self.holder {
            let _ = self.file.set_len(0);
        }
    }
}

/// `--max-age` and `--budget`.
fn durations(args: &SweepArgs) -> Result<(Duration, Option<Duration>)> {
    let max_age = config::parse_duration(&args.max_age)
        .map_err(|e| anyhow::anyhow!("invalid --max-age: {e}"))?;
    let budget = args
        .budget
        .as_deref()
        .map(config::parse_duration)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid --budget: {e}"))?;
    Ok((max_age, budget))
}

/// The verdict policy the sweep uses: the archive's. The configuration's becomes the
/// archive's the first time, or when `set` (`--set-policy`); otherwise a difference is said
/// on stderr and the archive's is kept, so that the sweep and the report agree.
fn settle_policy(
    archive: &Archive,
    configured: provcheck::verdict::Policy,
    set: bool,
) -> Result<provcheck::verdict::Policy> {
    use provcheck::archive::policy;
    let index = archive.index();
    match policy::stored(index)? {
        Some(stored) if stored.policy == configured || !set => {
            if stored.policy != configured {
                tracing::warn!(
                    "the configuration's verdict policy differs from the archive's (set {}); \
                     the archive's is used: sweep --set-policy makes the configuration's the archive's",
                    stored.set_at
                );
            }
            Ok(stored.policy)
        }
        _ => {
            policy::store(index, &configured, jiff::Timestamp::now())?;
            Ok(configured)
        }
    }
}

/// The articles under `dirs`; each one that cannot be read is said on stderr, and the rest
/// are swept.
fn read_desk(dirs: &[PathBuf]) -> Result<(Vec<input::Article>, Vec<input::InputError>)> {
    if dirs.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let (articles, unread) = input::read_articles_lenient(dirs, ReadOptions::default())?;
    for error in &unread {
        eprintln!("provcheck: error: {error}; the other articles are swept");
    }
    Ok((articles, unread))
}

/// What a sweep registers: the articles read (files and story pages), the story pages to
/// archive, and how many operands, feed lines or stories could not be read (said on stderr).
struct Desk {
    articles: Vec<input::Article>,
    stories: Vec<Story>,
    unread: usize,
}

/// Reads the directories and the published stories (operands and the `--stories` feed), each
/// story fetched through the guard; what cannot be read is said and counted, the rest read.
fn read_sources(
    args: &SweepArgs,
    runtime: &tokio::runtime::Runtime,
    fetcher: &Fetcher,
) -> Result<Desk> {
    let (dirs, mut urls) = stories::split_operands(&args.dirs);
    let mut unread = 0;
    if let Some(feed) = &args.stories {
        let text = std::fs::read_to_string(feed)
            .with_context(|| format!("cannot read the story feed {}", feed.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match url::Url::parse(line) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => urls.push(url),
                _ => {
                    eprintln!(
                        "provcheck: error: {}:{}: not the http(s) URL of a story: {line:?}; \
                         the other stories are swept",
                        feed.display(),
                        n + 1
                    );
                    unread += 1;
                }
            }
        }
    }
    let (mut articles, unreadable) = read_desk(&dirs)?;
    let (stories, failed) = stories::fetch(runtime, fetcher, &urls);
    articles.extend(stories.iter().map(|s| s.article.clone()));
    Ok(Desk {
        articles,
        stories,
        unread: unread + unreadable.len() + failed,
    })
}

/// Opens the archive, registers the articles found, retires what they no longer cite, and
/// returns the archive, the run id and the URLs due (ids, least recently checked first).
fn start_run(
    options: provcheck::archive::ArchiveOptions,
    articles: &[input::Article],
    settings: &provcheck::extract::ArticleSettings,
    max_age: Duration,
    retire: bool,
) -> Result<(Archive, i64, jiff::Timestamp)> {
    let mut archive = open_archive(options)?;
    let now = jiff::Timestamp::now();
    let run_id = archive.begin_run("sweep", now)?;
    // One article at a time: what registering holds is the largest article's citations, not
    // the desk's.
    let mut uncheckable = 0;
    for article in articles {
        let extracted = extract_all(std::slice::from_ref(article), settings);
        uncheckable += extracted
            .iter()
            .flat_map(|(_, e)| &e.citations)
            .filter(|c| matches!(c.target, provcheck::citation::Target::Invalid { .. }))
            .count();
        let pairs: Vec<_> = extracted.iter().map(|(a, e)| (*a, e)).collect();
        archive.register_articles(run_id, &pairs, References::Keep)?;
    }
    // Said, not only counted: a relative link without a base is never checked, and the report
    // lists it with why.
    if uncheckable > 0 {
        tracing::warn!(
            "{uncheckable} citation(s) of the articles read name no URL that can be checked \
             (relative links without a base: give --base-url, or base_urls in the configuration); \
             provcheck report lists them"
        );
    }
    let ids: Vec<_> = articles.iter().map(|a| a.id.clone()).collect();
    let retired = if retire {
        archive.retire_missing(run_id, &ids)?
    } else {
        0
    };
    if retired > 0 {
        tracing::info!("retired {retired} citations their articles no longer have");
    }
    let max_age = jiff::SignedDuration::try_from(max_age).unwrap_or(jiff::SignedDuration::MAX);
    let cutoff = now.checked_sub(max_age).unwrap_or(jiff::Timestamp::MIN);
    Ok((archive, run_id, cutoff))
}

/// The archive's settings, and how the sweep treats robots.txt (said in every `warcinfo`).
fn archive_options(
    args: &SweepArgs,
    file: &config::FileConfig,
    file_path: Option<&std::path::Path>,
) -> Result<provcheck::archive::ArchiveOptions> {
    let mut options = config::archive_options(
        file,
        file_path,
        args.archive.archive.as_deref(),
        args.warc_url.as_deref(),
        args.archive.index_url.as_deref(),
    )?;
    options.warcinfo.robots = if file.robots.unwrap_or(true) {
        "obey".to_owned()
    } else {
        "ignore: robots = false in the configuration".to_owned()
    };
    Ok(options)
}

pub fn exec(args: &SweepArgs, global: Global<'_>) -> Result<ExitCode> {
    let (file, file_path) = config::load(global.config)?;
    let fetch = config::fetch_options(&file, file_path.as_deref(), &args.fetch.overrides())?;
    let (max_age, budget) = durations(args)?;
    let options = archive_options(args, &file, file_path.as_deref())?;
    let configured = config::verdict_policy(&file, file_path.as_deref())?;
    let soft404_probe = file.soft404_probe.unwrap_or(true);
    let gzip_level = options.gzip_level;
    let _lock = lock(&options.dir, args.worker)?;
    let worker = args
        .worker
        .then(|| -> Result<Worker> {
            let lease = config::worker_lease(&file, file_path.as_deref())?;
            Ok(Worker::start(&options.index, lease)?)
        })
        .transpose()?;

    let settings = config::article_settings(&file, file_path.as_deref(), args.base_url.as_ref())?;
    let exclude = config::exclusions(&file, file_path.as_deref())?;
    let tsa = config::tsa_url(&file, file_path.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let fetcher = Arc::new(match &worker {
        Some(worker) => Fetcher::new(fetch)?.sharing_hosts(worker.shared_hosts()?),
        None => Fetcher::new(fetch)?,
    });
    let desk = read_sources(args, &runtime, &fetcher)?;
    let (archive, run_id, cutoff) = start_run(
        options,
        &desk.articles,
        &settings,
        max_age,
        // An article that could not be read is not gone: its citations are not retired.
        desk.unread == 0,
    )?;
    let policy = settle_policy(&archive, configured, args.set_policy)?;
    let due = Due::of(worker.as_ref(), &archive, cutoff)?;
    let index_at = archive.index().at().clone();
    let writer = ArchiveWriter::spawn(archive, run_id);
    // The batches are read through a connection of their own (the writer owns the other).
    let reader = provcheck::archive::index::Index::open_at(&index_at)?;
    let sink = ArchiveSink {
        writer: writer.handle(),
        gzip_level,
    };
    stories::archive(&runtime, &sink, desk.stories)?;
    let stop = stop_on_signal(&runtime);
    if let Some(budget) = budget {
        let flag = Arc::clone(&stop);
        runtime.spawn(async move {
            tokio::time::sleep(budget).await;
            tracing::warn!("budget spent: no new requests; the rest waits for the next sweep");
            flag.store(true, Ordering::SeqCst);
        });
    }
    let check_options = CheckOptions {
        archive: Some(sink),
        soft404_probe,
        conditional: std::collections::HashMap::new(),
        robots: file.robots.unwrap_or(true),
        stop: Some(Arc::clone(&stop)),
        exclude: Arc::new(exclude),
        accept: Arc::new(config::acceptances(&file)),
        quote_gate: config::quote_gate(&file, file_path.as_deref())?,
        memo: Some(Arc::default()),
    };
    let archive_arg = args
        .archive
        .archive
        .as_ref()
        .map(|p| p.display().to_string());
    let swept = sweep_batches(
        &runtime,
        &fetcher,
        &reader,
        &due,
        &check_options,
        Batch {
            size: batch_size(&file, args.worker),
            run_id,
            policy: &policy,
            archive_arg: archive_arg.as_deref(),
            replay_url: file.replay_url.as_deref(),
        },
    );
    drop(check_options);
    tracing::debug!("fetching done");
    let mut archive = finish_archive(writer, run_id)?;
    timestamp_run(&runtime, &fetcher, &mut archive, run_id, tsa.as_ref());
    tracing::debug!("archive closed");
    let swept = swept?;
    print_news(args.format, &swept, run_id, archive_arg.as_deref())?;
    Ok(if desk.unread > 0 {
        ExitCode::from(2)
    } else if swept.news.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The sweep's news on stdout: the mail (text, nothing when there is no news) or JSON; and on
/// stderr what it left unchecked.
fn print_news(
    format: TextOrJson,
    swept: &Swept,
    run_id: i64,
    archive_arg: Option<&str>,
) -> Result<()> {
    if swept.not_checked_urls > 0 {
        tracing::warn!(
            "{} URLs not checked in this sweep; the next one starts with them",
            swept.not_checked_urls
        );
    }
    let news = &swept.news;
    match format {
        TextOrJson::Json => write_output(None, |out| {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({
                    "schema_version": 1,
                    "run": run_id,
                    "checked_urls": swept.checked_urls,
                    "not_checked_urls": swept.not_checked_urls,
                    "news": news,
                }),
            )?;
            writeln!(out)
        })?,
        TextOrJson::Text => {
            let closing = Closing {
                checked_urls: swept.checked_urls,
                not_checked_urls: swept.not_checked_urls,
                report_command: match archive_arg {
                    Some(dir) => format!(
                        "provcheck report --archive {}",
                        provcheck::suggestion::shell_quote(dir)
                    ),
                    None => "provcheck report".to_owned(),
                },
            };
            write_output(None, |out| render_text(news, &closing, out))?;
        }
    }
    Ok(())
}
