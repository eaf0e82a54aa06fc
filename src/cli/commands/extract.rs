//! `provcheck extract`: the citations of articles, without fetching anything.

use crate::cli::args::{Global, InputArgs, TextOrJson};
use crate::cli::output::write_output;
use crate::cli::stories;
use anyhow::Result;
use clap::Args;
use provcheck::check::extract_all;
use provcheck::{config, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn exec(args: &ExtractArgs, global: Global<'_>) -> Result<ExitCode> {
    let (file, file_path) = config::load(global.config)?;
    let settings =
        config::article_settings(&file, file_path.as_deref(), args.input.base_url.as_ref())?;
    let (files, urls) = stories::split_operands(&args.input.articles);
    let (mut articles, mut unread) = args.input.read_operands(&files)?;
    if !urls.is_empty() {
        // A published story named by URL is fetched (through the guard, not archived) to read
        // its article body: the one request `extract` makes.
        let options = config::fetch_options(
            &file,
            file_path.as_deref(),
            &provcheck::config::Overrides::default(),
        )?;
        let fetcher = provcheck::fetch::Fetcher::new(options)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (read, failed) = stories::fetch(&runtime, &fetcher, &urls);
        articles.extend(read.into_iter().map(|s| s.article));
        unread += failed;
    }
    let extracted = extract_all(&articles, &settings);
    write_output(args.output.as_deref(), |out| match args.format {
        TextOrJson::Text => render::render_extract_text(&extracted, out),
        TextOrJson::Json => render::render_extract_json(&extracted, out),
    })?;
    // A file that could not be read was said on stderr; the rest were extracted.
    Ok(if unread > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
