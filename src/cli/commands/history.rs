//! `provcheck history`: every check and snapshot of a URL, oldest first.

use crate::cli::args::{ArchiveArg, Global, TextOrJson, normalized_url};
use crate::cli::output::write_output;
use anyhow::{Context, Result};
use clap::Args;
use provcheck::archive::Archive;
use provcheck::archive::index::IndexAt;
use provcheck::archive::query;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The URL, as cited (it is normalized)
    url: String,
    #[command(flatten)]
    archive: ArchiveArg,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

pub fn exec(args: &HistoryArgs, global: Global<'_>) -> Result<ExitCode> {
    let (dir, at) = args.archive.at(global.config)?;
    history(&dir, &at, &args.url, args.format)
}

fn history(dir: &Path, at: &IndexAt, url: &str, format: TextOrJson) -> Result<ExitCode> {
    let url = normalized_url(url)?;
    let index = Archive::open_existing(dir, at)?;
    let entries = query::history(&index, &url)
        .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    write_output(None, |out| match format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({"schema_version": 1, "url": url, "history": entries}),
            )?;
            writeln!(out)
        }
        TextOrJson::Text => {
            for e in &entries {
                let status = e
                    .http_status
                    .map_or_else(|| "---".to_owned(), |s| s.to_string());
                let mut line = format!("{}  {:<8} {:<18} {status:>3}", e.at, e.kind, e.what);
                if let Some(f) = e.final_url.as_deref().filter(|f| *f != url) {
                    let _ = write!(line, "  -> {f}");
                }
                // Every record pointer the index has: a compact 304's check has no payload of
                // its own, but the revalidation record that holds its line.
                if let Some(sha) = &e.payload_sha256 {
                    let _ = write!(line, "  sha256:{}", &sha[..sha.len().min(16)]);
                }
                if let (Some(file), Some(offset)) = (&e.warc_file, e.offset) {
                    let _ = write!(line, "  {file}@{offset}");
                }
                if let Some(via) = &e.via {
                    let _ = write!(line, "  (redirect hop of {via})");
                }
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    })?;
    if entries.is_empty() {
        eprintln!("provcheck: no history for {url} in {}", dir.display());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
