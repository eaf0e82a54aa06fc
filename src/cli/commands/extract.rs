//! `provcheck extract`: the citations of articles, without fetching anything.

use crate::cli::args::{InputArgs, TextOrJson};
use crate::cli::output::write_output;
use anyhow::Result;
use clap::Args;
use provcheck::extract::extract;
use provcheck::render;
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

pub fn exec(args: &ExtractArgs) -> Result<ExitCode> {
    let (articles, unread) = args.input.read()?;
    let base = args.input.base_url.as_ref();
    let extracted: Vec<_> = articles
        .iter()
        .map(|a| (a, extract(&a.id, a.format, &a.text, base)))
        .collect();
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
