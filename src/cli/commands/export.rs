//! `provcheck export`: the archive for other tools: a CDXJ index pywb replays with, or a WACZ
//! package of an article's evidence that opens in ReplayWeb.page and pywb.

use crate::cli::args::{ArchiveArg, Global};
use crate::cli::output::write_output;
use anyhow::{Context, Result};
use clap::Subcommand;
use provcheck::archive::Archive;
use provcheck::archive::index::IndexAt;
use provcheck::archive::query;
use provcheck::archive::wacz::{self, WaczSelection};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A CDXJ index (SURT key, timestamp, JSON) that pywb can replay the archive with
    Cdxj {
        #[command(flatten)]
        archive: ArchiveArg,
        /// Write to FILE instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// A WACZ 1.1.1 package (WARC data, CDXJ index, pages, datapackage) of the captures of some
    /// articles' citations: one file with all the evidence, for a lawyer, a reader or ReplayWeb.page
    Wacz {
        #[command(flatten)]
        archive: ArchiveArg,
        /// Only this article's citations (its id, as `report` lists it); repeat for more.
        /// Default: every article's
        #[arg(long = "article", value_name = "ID")]
        articles: Vec<String>,
        /// Only checks since then: a duration back from now (7d, 36h), a date or an RFC 3339 time
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// The package's title
        #[arg(long)]
        title: Option<String>,
        /// The package to write (a .wacz file)
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

pub fn exec(command: &ExportCommand, global: Global<'_>) -> Result<ExitCode> {
    match command {
        ExportCommand::Cdxj { archive, output } => {
            let (dir, at) = archive.at(global.config)?;
            export_cdxj(&dir, &at, output.as_deref())
        }
        ExportCommand::Wacz {
            archive,
            articles,
            since,
            title,
            output,
        } => {
            let since = since
                .as_deref()
                .map(|text| {
                    provcheck::report::parse_since(text).map(|since| match since {
                        provcheck::report::Since::At(at) => at,
                        provcheck::report::Since::Ago(ago) => {
                            jiff::Timestamp::now()
                                - jiff::SignedDuration::try_from(ago).unwrap_or_default()
                        }
                    })
                })
                .transpose()
                .map_err(|e| anyhow::anyhow!("invalid --since: {e}"))?;
            let selection = WaczSelection {
                articles: articles.clone(),
                since: since.map(provcheck::time::db_time),
                title: title.clone(),
            };
            {
                let (dir, at) = archive.at(global.config)?;
                export_wacz(&dir, &at, &selection, output)
            }
        }
    }
}

fn export_wacz(
    dir: &Path,
    at: &IndexAt,
    selection: &WaczSelection,
    output: &Path,
) -> Result<ExitCode> {
    let index = Archive::open_existing(dir, at)?;
    let unknown = provcheck::report::unknown_articles(&index, &selection.articles)
        .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    if !unknown.is_empty() {
        eprintln!(
            "provcheck: no article {} in {}",
            unknown.join(", "),
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    // Written to a temporary file beside the output and renamed into place: a failed export
    // never leaves half a package.
    let tmp = output.with_extension("provcheck-tmp");
    let result = std::fs::File::create(&tmp)
        .map_err(wacz::WaczError::from)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            let summary = wacz::export(dir, &index, selection, &mut out)?;
            let file = out
                .into_inner()
                .map_err(|e| wacz::WaczError::Io(e.into_error()))?;
            file.sync_all()?;
            std::fs::rename(&tmp, output)?;
            Ok(summary)
        });
    match result {
        Ok(summary) => {
            eprintln!(
                "{}: {} pages, {} records, {} bytes of WARC",
                output.display(),
                summary.pages,
                summary.records,
                summary.warc_bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(wacz::WaczError::Empty) => {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("provcheck: nothing to export: no capture matches the selection");
            Ok(ExitCode::from(1))
        }
        Err(error) => {
            let _ = std::fs::remove_file(&tmp);
            Err(anyhow::Error::new(error).context(format!("cannot write {}", output.display())))
        }
    }
}

fn export_cdxj(dir: &Path, at: &IndexAt, output: Option<&Path>) -> Result<ExitCode> {
    let index = Archive::open_existing(dir, at)?;
    let lines = query::cdxj(&index)
        .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    write_output(output, |out| {
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
