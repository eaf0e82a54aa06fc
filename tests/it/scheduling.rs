//! Dedupe and politeness, observed from the server's side.

use crate::options;
use crate::server::{Resp, TestServer};
use provcheck::check::{CheckOptions, CheckReport, check, extract_all};
use provcheck::citation::ArticleId;
use provcheck::extract::ArticleFormat;
use provcheck::fetch::Fetcher;
use provcheck::input::Article;
use std::sync::Arc;
use std::time::Duration;

async fn run(articles: &[Article], fetcher: Arc<Fetcher>) -> CheckReport {
    check(
        extract_all(articles, &provcheck::extract::ArticleSettings::default()),
        fetcher,
        CheckOptions::default(),
        |_, _| {},
    )
    .await
    .unwrap()
}

fn article(id: &str, text: String) -> Article {
    Article {
        id: ArticleId::new(id),
        source: format!("{id}.txt").into(),
        format: ArticleFormat::Text,
        text,
    }
}

#[tokio::test]
async fn a_url_cited_five_times_is_fetched_once() {
    let server = TestServer::start(|_| Resp::ok("x"));
    let base = server.url("");
    let a = article(
        "a",
        format!("{base}/same\n{base}/same#frag\nsee {base}/same.\n"),
    );
    let b = article("b", format!("- {base}/same\n- {base}/%73ame\n"));
    let fetcher = Arc::new(Fetcher::new(options()).unwrap());
    let report = run(&[a, b], fetcher).await;
    assert_eq!(report.citations().count(), 5);
    assert_eq!(report.fetched_urls, 1);
    assert_eq!(server.hits("/same"), 1);
    assert!(report.all_fine());
}

#[tokio::test]
async fn the_server_never_sees_more_than_the_per_host_limit() {
    let server = TestServer::start(|_| Resp::ok("x").delay(Duration::from_millis(50)));
    let text: String = (0..24)
        .map(|i| format!("{}\n", server.url(&format!("/p{i}"))))
        .collect();
    let mut opts = options();
    opts.concurrency = 16;
    opts.host_concurrency = 3;
    let fetcher = Arc::new(Fetcher::new(opts).unwrap());
    let report = run(&[article("a", text)], fetcher).await;
    assert!(report.all_fine());
    assert_eq!(server.total_hits(), 24);
    assert_eq!(
        server.max_in_flight(),
        3,
        "the limit is reached and never passed"
    );
}

#[tokio::test]
async fn request_starts_to_one_host_are_spaced_by_the_interval() {
    let server = TestServer::start(|_| Resp::ok("x"));
    let text: String = (0..5)
        .map(|i| format!("{}\n", server.url(&format!("/p{i}"))))
        .collect();
    let mut opts = options();
    opts.host_concurrency = 5;
    opts.host_interval = Duration::from_millis(150);
    let fetcher = Arc::new(Fetcher::new(opts).unwrap());
    run(&[article("a", text)], fetcher).await;
    let starts = server.starts();
    assert_eq!(starts.len(), 5);
    // Arrivals are seen by the server, whose threads may be late on a loaded machine: a late
    // arrival shortens the next gap (and, if it is the first, the span by as much). Without
    // spacing, every gap is ~0.
    let span = starts[4] - starts[0];
    assert!(span >= Duration::from_millis(4 * 150 - 50), "span {span:?}");
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(75), "gap {gap:?}");
    }
}

#[tokio::test]
async fn throttled_urls_waiting_out_retry_after_hold_no_global_slot() {
    // Concurrency 2, and two URLs that answer 429 with Retry-After: 2 first: while they wait, the
    // other 20 URLs (on other hosts) use both slots; and never more than 2 requests at once.
    let server = TestServer::start(|req| match (req.target.as_str(), req.previous) {
        ("/throttled-a" | "/throttled-b", 0) => Resp::status(429).header("retry-after", "2"),
        _ => Resp::ok("x").delay(Duration::from_millis(20)),
    });
    let mut text = format!(
        "{}\n{}\n",
        server.url("/throttled-a"),
        server.url("/throttled-b")
    );
    for i in 0..20 {
        // site.test is 127.0.0.1 too, but another host for politeness.
        text.push_str(&format!(
            "{}\n",
            server
                .url(&format!("/p{i}"))
                .replace("127.0.0.1", "site.test")
        ));
    }
    let mut opts = options();
    opts.concurrency = 2;
    opts.host_concurrency = 2;
    let fetcher = Arc::new(Fetcher::new(opts).unwrap());
    let report = run(&[article("a", text)], fetcher).await;
    assert!(report.all_fine());
    assert_eq!(server.hits("/throttled-a"), 2);
    assert_eq!(server.max_in_flight(), 2, "the global limit still holds");
    let starts = server.starts();
    assert_eq!(starts.len(), 24);
    // The 20 others were all requested before the throttled ones came back for their retry.
    assert!(
        starts[21] - starts[0] < Duration::from_secs(2),
        "the throttled URLs held the global slots while waiting"
    );
}

#[tokio::test]
async fn a_throttled_url_does_not_hold_up_its_host() {
    // One URL answers 429 with Retry-After: 2; the host's other URLs go on meanwhile.
    let server = TestServer::start(|req| match (req.target.as_str(), req.previous) {
        ("/throttled", 0) => Resp::status(429).header("retry-after", "2"),
        _ => Resp::ok("x").delay(Duration::from_millis(20)),
    });
    let mut text = format!("{}\n", server.url("/throttled"));
    for i in 0..20 {
        text.push_str(&format!("{}\n", server.url(&format!("/p{i}"))));
    }
    let mut opts = options();
    opts.host_concurrency = 1;
    let fetcher = Arc::new(Fetcher::new(opts).unwrap());
    let report = run(&[article("a", text)], fetcher).await;
    assert!(report.all_fine());
    let starts = server.starts();
    // Every other URL was requested before the throttled one was retried (the last request).
    assert_eq!(starts.len(), 22);
    assert_eq!(server.hits("/throttled"), 2);
    let first = starts[0];
    let others_done = starts[20];
    assert!(
        others_done - first < Duration::from_secs(2),
        "host was stalled"
    );
}
