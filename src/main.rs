//! The `provcheck` binary: a thin shell over the library. See `provcheck --help`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("provcheck: error: {}", message(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: an error whose text already ends with its cause's
/// (`cannot read a.txt: No such file or directory`) does not repeat it.
fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
