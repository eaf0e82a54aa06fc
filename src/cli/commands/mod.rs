//! One file per subcommand: its arguments (clap derive) and an `exec` that calls the library.
//! Commands import the shared helpers in `cli::{args, output, session, signal}`, never each other.

pub mod archive;
pub mod check;
pub mod diff;
pub mod export;
pub mod extract;
pub mod history;
pub mod report;
pub mod show;
pub mod sweep;
mod sweep_batches;
pub mod verify;
