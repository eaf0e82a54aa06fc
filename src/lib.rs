//! provcheck: fetches every source a news article cites, and says which are still there.
//!
//! The library is a stack of small parts under a thin binary (`src/main.rs`, `src/cli/`):
//!
//! - [`input`] reads article files, directories and standard input;
//! - [`extract`] finds citations in text (pure);
//! - [`normalize`] gives each URL one spelling (pure);
//! - [`fetch`] fetches URLs politely behind the address guard;
//! - [`outcome`] names what a fetch saw (pure);
//! - [`content`] judges what a page says: main text, soft-404 cues, change grades, diffs;
//! - [`archive`] keeps the evidence: WARC files (a directory or an S3 bucket) and the index
//!   (SQLite or PostgreSQL, through [`db`]);
//! - [`check`] ties them together for the pre-publication gate (and the sweep);
//! - [`render`] renders `check`'s results as text, JSON or JUnit (pure);
//! - [`report`] gathers and renders the audit report for the standards desk;
//! - [`config`] merges `provcheck.toml` with the command line.
//!
//! See ARCHITECTURE.md for the layers, the map and the invariants.

pub mod archive;
pub mod check;
pub mod citation;
pub mod config;
pub mod content;
pub mod db;
pub mod exclude;
pub mod extract;
pub mod fetch;
pub mod htmlscan;
pub mod input;
pub mod normalize;
pub mod outcome;
pub mod printable;
pub mod quote;
pub mod render;
pub mod report;
pub mod robots;
pub mod suggestion;
pub mod sweep;
pub mod time;
pub mod tsa;
pub mod verdict;
pub mod warc;
pub mod wayback;
pub mod witness;
