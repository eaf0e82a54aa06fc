//! `provcheck extract`: the citations of articles, without fetching anything.

use crate::cli::args::{Global, InputArgs, TextOrJson};
use crate::cli::output::write_output;
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
    let (articles, unread) = args.input.read()?;
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
