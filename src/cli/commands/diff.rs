//! `provcheck diff`: a word-level diff of a source's main text, by default its reference
//! against the latest capture.

use crate::cli::args::{ArchiveArg, Global, normalized_url, time_arg};
use crate::cli::output::write_output;
use anyhow::Result;
use clap::Args;
use provcheck::archive::Archive;
use provcheck::archive::query::{Pick, PickError, diff_sides};
use provcheck::config;
use provcheck::content::diff::describe;
use provcheck::printable::escape_controls;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DiffArgs {
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

pub fn exec(args: &DiffArgs, global: Global<'_>) -> Result<ExitCode> {
    let (file, file_path) = config::load(global.config)?;
    let options = config::archive_options(
        &file,
        file_path.as_deref(),
        args.archive.archive.as_deref(),
        None,
        args.archive.index_url.as_deref(),
    )?;
    let url = normalized_url(&args.url)?;
    let from = match time_arg(args.from.as_deref(), "--from")? {
        Some(t) => Pick::AtOrBefore(Some(t)),
        None => Pick::Reference {
            article: args.article.clone(),
        },
    };
    let to = Pick::AtOrBefore(time_arg(args.to.as_deref(), "--to")?);
    let mut index = Archive::open_reader(&options.dir, &options.index)?;
    match diff_sides(&options.dir, &mut index, &url, &from, &to) {
        Ok((old, new)) => {
            let text = describe(&url, &old, &new, options.thresholds);
            let text = escape_controls(&text);
            write_output(None, |out| out.write_all(text.as_bytes()))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(PickError::NotFound(message)) => {
            eprintln!("provcheck: {message} in {}", options.dir.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
