//! `provcheck export`: the archive's index for other tools (a CDXJ index pywb replays with).

use crate::cli::args::{ArchiveArg, Global};
use crate::cli::output::write_output;
use anyhow::{Context, Result};
use clap::Subcommand;
use provcheck::archive::Archive;
use provcheck::archive::query;
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
}

pub fn exec(command: &ExportCommand, global: Global<'_>) -> Result<ExitCode> {
    match command {
        ExportCommand::Cdxj { archive, output } => {
            export_cdxj(&archive.dir(global.config)?, output.as_deref())
        }
    }
}

fn export_cdxj(dir: &Path, output: Option<&Path>) -> Result<ExitCode> {
    let index = Archive::open_existing(dir)?;
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
