//! provcheck: fetches every source a news article cites, and says which are still there.
//!
//! The library is a stack of small parts under a thin binary (`src/main.rs`, `src/cli.rs`):
//!
//! - [`input`] reads article files, directories and standard input;
//! - [`extract`] finds citations in text (pure);
//! - [`normalize`] gives each URL one spelling (pure);
//! - [`fetch`] fetches URLs politely behind the address guard;
//! - [`outcome`] names what a fetch saw (pure);
//! - [`check`] ties them together for the pre-publication gate;
//! - [`report`] renders results as text, JSON or JUnit (pure);
//! - [`config`] merges `provcheck.toml` with the command line.
//!
//! See ARCHITECTURE.md for the map and the invariants.

pub mod archive;
pub mod audit;
pub mod check;
pub mod citation;
pub mod config;
pub mod content;
pub mod extract;
pub mod fetch;
pub mod input;
pub mod normalize;
pub mod outcome;
pub mod report;
pub mod robots;
pub mod sweep;
pub mod time;
pub mod verdict;
pub mod warc;
