//! Integration tests: real HTTP servers on 127.0.0.1 (port 0) inside the test process, and
//! provcheck pointed at them, as a library and as a binary.

// Tests build strings and name things for the reader, not for speed or API hygiene.
#![allow(
    clippy::format_collect,
    clippy::format_push_string,
    clippy::similar_names,
    clippy::must_use_candidate,
    clippy::too_many_lines
)]

mod archive;
mod backends;
mod batches;
mod cli;
mod fetching;
mod fixtures;
mod guard;
mod hostile;
mod judgement;
mod postgres;
mod proxy;
mod quotes;
mod replay;
mod reports;
mod s3;
mod scheduling;
mod server;
mod sweep;
mod wire;
mod witness;
mod workers;

use provcheck::fetch::guard::AddressGuard;
use provcheck::fetch::resolve::StaticLookup;
use provcheck::fetch::retry::RetryPolicy;
use provcheck::fetch::{FetchOptions, Fetcher};
use provcheck::outcome::Outcome;
use std::sync::Arc;
use std::time::Duration;

/// Options for tests: loopback 127.0.0.1 allowed (as a user would, through `allow_net`), short
/// timeouts and backoffs, and a resolver that knows only `site.test` (127.0.0.1) so no test ever
/// asks a real DNS server.
pub fn options() -> FetchOptions {
    let mut names = std::collections::HashMap::new();
    names.insert("site.test".to_owned(), vec!["127.0.0.1".parse().unwrap()]);
    FetchOptions {
        credentials: Arc::default(),
        extra_roots: Arc::default(),
        proxy: None,
        concurrency: 16,
        host_concurrency: 4,
        host_interval: Duration::ZERO,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            retry_after_cap: Duration::from_secs(5),
        },
        max_redirects: 10,
        max_body: 1024 * 1024,
        user_agent: FetchOptions::user_agent_for("desk@example.com"),
        guard: AddressGuard::new(vec!["127.0.0.1/32".parse().unwrap()]),
        lookup: Arc::new(StaticLookup(names)),
    }
}

/// Fetches one URL with `options`.
pub async fn fetch_with(options: FetchOptions, url: &str) -> Outcome {
    let fetcher = Fetcher::new(options).unwrap();
    fetcher.fetch(&url.parse().unwrap(), None).await.outcome
}

/// The tests of the commands that keep an archive, again with the index in PostgreSQL (when
/// `PROVCHECK_TEST_PG` names a server): the suite runs them in a child process in which every
/// `provcheck` gets a database of its own (see `backends::postgres_pass`). Tests about the
/// SQLite file itself skip themselves there.
#[test]
fn the_archive_tests_again_on_postgresql() {
    if backends::postgres_pass().is_some() || backends::Pg::from_env().is_none() {
        return;
    }
    run_pass("postgres");
}

/// The same with the WARC files in a bucket too (when `PROVCHECK_TEST_S3` names an S3
/// server): every `provcheck` also gets `PROVCHECK_WARC_URL`, a prefix of its own, and the
/// tests read the WARC files they check from copies of the objects. Tests about WARC files in
/// the directory (a full disk, a file cut by kill -9) skip themselves there.
#[test]
fn the_archive_tests_again_on_postgresql_and_s3() {
    if backends::postgres_pass().is_some()
        || backends::Pg::from_env().is_none()
        || s3::S3::from_env().is_none()
    {
        return;
    }
    run_pass("postgres+s3");
}

/// Runs the archive-keeping modules in a child process with `PROVCHECK_TEST_PASS=pass`.
fn run_pass(pass: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("PROVCHECK_TEST_PASS", pass)
        .args(PASS_MODULES)
        .args(["--skip", "the_archive_tests_again"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the {pass} pass failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ran: usize = stdout
        .lines()
        .filter(|l| l.starts_with("test result:"))
        .filter_map(|l| l.split_whitespace().nth(3)?.parse::<usize>().ok())
        .sum();
    assert!(ran >= 50, "the {pass} pass ran {ran} tests:\n{stdout}");
}

/// The modules whose tests run `provcheck` on an archive.
const PASS_MODULES: &[&str] = &[
    "archive::",
    "batches::",
    "cli::",
    "judgement::",
    "quotes::",
    "replay::",
    "reports::",
    "sweep::",
    "wire::",
    "witness::",
];
