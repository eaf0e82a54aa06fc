//! `provcheck verify`: fixity. Every indexed record re-read and re-hashed; exit 1 if any fails.

use crate::cli::args::{ArchiveArg, Global, TextOrJson};
use crate::cli::output::write_output;
use anyhow::{Context, Result};
use clap::Args;
use provcheck::archive::Archive;
use provcheck::archive::index::IndexAt;
use provcheck::archive::verify::{ProblemKind, verify as verify_archive};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    archive: ArchiveArg,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Also hash every response's payload again (the block digest already covers every byte;
    /// this checks that each WARC-Payload-Digest was computed right), at about half the speed
    #[arg(long)]
    deep: bool,
    /// Also recompute the chain of run manifests from the index and the WARC files, and fail
    /// on the first link that does not hold (an edited, removed or reordered row or record)
    #[arg(long)]
    chain: bool,
}

pub fn exec(args: &VerifyArgs, global: Global<'_>) -> Result<ExitCode> {
    let (dir, at) = args.archive.at(global.config)?;
    let fixity = verify(&dir, &at, args.format, args.deep, global.quiet)?;
    if !args.chain {
        return Ok(fixity);
    }
    let index = Archive::open_existing(&dir, &at)?;
    let chain = provcheck::archive::manifest::verify_chain(&dir, &index)?;
    let head = chain
        .head
        .as_ref()
        .map(|(run, sha)| {
            let stamp = chain
                .head_time
                .as_ref()
                .map(|t| format!(", time-stamped {t}"))
                .unwrap_or_default();
            format!(
                "; {} time-stamped; head: run {run}, sha256 {sha}{stamp}",
                chain.stamped
            )
        })
        .unwrap_or_default();
    // On stdout after a text report; on stderr after a JSON one, which stays one document.
    let say = |line: String| {
        if args.format == TextOrJson::Json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let plural = if chain.verified == 1 { "" } else { "s" };
    if let Some(broken) = &chain.broken {
        say(format!(
            "chain: FAIL after {} manifest{plural}: {}",
            chain.verified, broken.message
        ));
        return Ok(ExitCode::from(1));
    }
    say(format!(
        "chain: OK: {} manifest{plural} linked{head}",
        chain.verified
    ));
    Ok(fixity)
}

fn verify(
    dir: &Path,
    at: &IndexAt,
    format: TextOrJson,
    deep: bool,
    quiet: bool,
) -> Result<ExitCode> {
    let index = Archive::open_existing(dir, at)?;
    let started = Instant::now();
    let progress = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    let report = verify_archive(dir, &index, deep, |n| {
        if n % 256 == 0 {
            progress.set_message(format!("{n} records"));
        }
    })
    .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = report.bytes as f64 / 1e6;
    write_output(None, |out| match format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
        TextOrJson::Text => {
            for p in &report.problems {
                if p.kind == ProblemKind::Index {
                    writeln!(out, "index: {}: {}", p.warc_file, p.detail)?;
                    continue;
                }
                writeln!(
                    out,
                    "{}: {} offset {} ({} {}): {}",
                    serde_json::to_value(p.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    p.warc_file,
                    p.offset,
                    p.record_type,
                    p.target_uri.as_deref().unwrap_or("-"),
                    p.detail
                )?;
            }
            writeln!(
                out,
                "{}: {} records in {} WARC files, {megabytes:.1} MB verified in {seconds:.2} s ({:.0} MB/s), {} problem{}",
                if report.problems.is_empty() {
                    "OK"
                } else {
                    "FAIL"
                },
                report.records,
                report.files,
                megabytes / seconds.max(1e-9),
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" },
            )
        }
    })?;
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
