//! The command line: parse arguments, dispatch to a command, choose an exit code.
//!
//! Layers, top down, with imports only downwards (as cargo's `src/bin/cargo/commands/`):
//!
//! - this file: the `Cli` and its `Command` enum, logging, dispatch;
//! - `commands/`: one file per subcommand, each its arguments and an `exec`;
//! - `args`, `output`, `signal`, `session`: helpers the commands share; none imports a command.
//!
//! Everything here is glue; the work is done by the library. Errors that stop a command are
//! `anyhow` errors with context naming the file or flag; `main` prints them and exits 2.

mod args;
mod commands;
mod output;
mod session;
mod signal;
mod stories;

use anyhow::Result;
use args::Global;
use clap::{Parser, Subcommand};
use commands::{archive, check, diff, export, extract, history, report, show, sweep, verify};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes:
  0  every citation is fine (a redirect is fine, but reported)
  1  at least one citation is not (dead, blocked, invalid...)
  2  provcheck could not run (bad arguments, unreadable input or config)";

/// Fetches every source a news article cites and says which are still there.
#[derive(Debug, Parser)]
#[command(name = "provcheck", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Configuration file [default: provcheck.toml in the working directory, if present]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr, and no progress bar
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch every cited URL and report what each answered (the pre-publication gate)
    #[command(after_help = EXIT_CODES)]
    Check(Box<check::CheckArgs>),
    /// Print the citations of articles without fetching anything
    Extract(extract::ExtractArgs),
    /// Re-read every archived record and recompute its digests (exit 1 if any fails)
    Verify(verify::VerifyArgs),
    /// List every check and snapshot of a URL, oldest first
    History(history::HistoryArgs),
    /// Write what was archived for a URL (the capture nearest before --at, default the latest)
    Show(show::ShowArgs),
    /// The nightly job: re-check every citation due, and report only what is new (exit 1 if anything is)
    #[command(
        after_help = "Exit codes:\n  0  nothing new went wrong (and nothing is printed)\n  1  something changed: newly failing, dead, recovered, edited, appended, paywalled, replaced, correction, soft-404\n  2  could not run, another sweep is running, or stopped by a signal"
    )]
    Sweep(Box<sweep::SweepArgs>),
    /// Word-level diff of a source's main text: its reference against the latest capture, by default
    Diff(diff::DiffArgs),
    /// Audit report for the standards desk, from the archive: verdicts, evidence, what to cite instead
    #[command(
        after_help = "Exit codes:\n  0  the report was written (whatever it says)\n  2  could not run (bad arguments, no archive, unwritable output)"
    )]
    Report(Box<report::ReportArgs>),
    /// Export the archive's index for other tools
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Operations on a whole archive: migrate it to another directory or into a bucket
    #[command(subcommand)]
    Archive(archive::ArchiveCommand),
}

/// Runs the command line and returns the exit code.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    init_logging(cli.verbose, cli.quiet);
    let global = Global {
        config: cli.config.as_deref(),
        quiet: cli.quiet,
    };
    match &cli.command {
        Command::Check(args) => check::exec(args, global),
        Command::Extract(args) => extract::exec(args, global),
        Command::Verify(args) => verify::exec(args, global),
        Command::History(args) => history::exec(args, global),
        Command::Show(args) => show::exec(args, global),
        Command::Sweep(args) => sweep::exec(args, global),
        Command::Diff(args) => diff::exec(args, global),
        Command::Report(args) => report::exec(args, global),
        Command::Export(command) => export::exec(command, global),
        Command::Archive(command) => archive::exec(command, global),
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, _) => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
