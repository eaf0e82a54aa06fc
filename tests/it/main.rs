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
