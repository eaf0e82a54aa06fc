//! `provcheck archive`: operations on a whole archive. `migrate` copies one into a new archive
//! directory, its index into that directory or a PostgreSQL database, its WARC files into that
//! directory or into an S3-compatible bucket.

use crate::cli::args::{ArchiveArg, Global};
use anyhow::Result;
use clap::Subcommand;
use provcheck::archive::index::IndexAt;
use provcheck::archive::migrate::migrate;
use provcheck::archive::objects::Bucket;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Copy the archive (its index and every WARC file it names) into a new archive directory,
    /// the WARC files into a bucket with --to-warc-url (or out of one, without it); the source
    /// is left as it was, and `verify` finds the same records with the same digests on both
    Migrate {
        #[command(flatten)]
        archive: ArchiveArg,
        /// The new archive directory (it must not hold an archive yet)
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Put the WARC files in this S3-compatible bucket, e.g. s3://evidence/provcheck/
        /// [default: under the new archive directory]
        #[arg(long, value_name = "URL")]
        to_warc_url: Option<String>,
        /// Put the index in this PostgreSQL database, e.g. postgres://provcheck@db/provcheck
        /// (it must hold no archive yet) [default: index.sqlite in the new archive directory]
        #[arg(long, value_name = "URL")]
        to_index_url: Option<String>,
    },
}

pub fn exec(command: &ArchiveCommand, global: Global<'_>) -> Result<ExitCode> {
    match command {
        ArchiveCommand::Migrate {
            archive,
            to,
            to_warc_url,
            to_index_url,
        } => {
            let (from, from_at) = archive.at(global.config)?;
            let to_at = match to_index_url {
                Some(url) => IndexAt::from_url(url)
                    .map_err(|e| anyhow::anyhow!("invalid --to-index-url {url}: {e}"))?,
                None => IndexAt::File(to.join("index.sqlite")),
            };
            let bucket = to_warc_url
                .as_deref()
                .map(Bucket::from_url)
                .transpose()
                .map_err(|e| anyhow::anyhow!("invalid --to-warc-url: {e}"))?;
            let moved = migrate(
                (&from, &from_at),
                (to, &to_at),
                bucket.as_ref(),
                |old, new| {
                    tracing::info!("{old} -> {new}");
                },
            )?;
            eprintln!(
                "provcheck: copied {} into {}: {} WARC file(s), {} bytes{}",
                from.display(),
                to.display(),
                moved.files,
                moved.bytes,
                to_warc_url
                    .as_deref()
                    .map(|url| format!(" (to {url})"))
                    .unwrap_or_default()
                    + &to_index_url
                        .as_ref()
                        .map(|_| format!(", the index into {}", to_at.display()))
                        .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
