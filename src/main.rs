//! The `provcheck` binary: a thin shell over the library. See `provcheck --help`.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("provcheck: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
