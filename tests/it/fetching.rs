//! Every outcome a fetch can have, each provoked by a real server on loopback.

use crate::server::{ResettingServer, Resp, TestServer};
use crate::{fetch_with, options};
use provcheck::fetch::Fetcher;
use provcheck::outcome::OutcomeKind;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[tokio::test]
async fn ok_records_status_chain_and_sends_an_honest_user_agent() {
    let server = TestServer::start(|req| {
        let ua = req.headers.get("user-agent").cloned().unwrap_or_default();
        Resp::ok(&ua)
    });
    let url = server.url("/page");
    let fetcher = Fetcher::new(options()).unwrap();
    let fetched = fetcher.fetch(&url.parse().unwrap(), None).await;
    let o = fetched.outcome.clone();
    assert_eq!(o.kind, OutcomeKind::Ok);
    assert_eq!(o.http_status, Some(200));
    assert_eq!(o.chain.len(), 1);
    assert_eq!(o.final_url().unwrap().as_str(), url);
    let ua = String::from_utf8(fetched.final_exchange().unwrap().body.clone()).unwrap();
    assert!(
        ua.starts_with(&format!("provcheck/{}", env!("CARGO_PKG_VERSION")))
            && ua.contains("desk@example.com"),
        "{ua}"
    );
}

#[tokio::test]
async fn redirects_are_followed_hop_by_hop_and_recorded() {
    let port = Arc::new(OnceLock::new());
    let own_port = Arc::clone(&port);
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/old" => Resp::redirect(301, "/newer"),
        // Another name for the same server: the hop is resolved and guarded anew.
        "/newer" => Resp::redirect(
            308,
            &format!("http://site.test:{}/new", own_port.get().unwrap()),
        ),
        "/temp" => Resp::redirect(302, "/new"),
        "/new" => Resp::ok("here"),
        _ => Resp::status(404),
    });
    port.set(server.addr.port()).unwrap();

    let o = fetch_with(options(), &server.url("/old")).await;
    assert_eq!(o.kind, OutcomeKind::Redirected);
    assert_eq!(o.permanent, Some(true));
    let statuses: Vec<_> = o.chain.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [Some(301), Some(308), Some(200)]);
    assert_eq!(
        o.final_url().unwrap().as_str(),
        format!("http://site.test:{}/new", server.addr.port())
    );

    let o = fetch_with(options(), &server.url("/temp")).await;
    assert_eq!(o.kind, OutcomeKind::Redirected);
    assert_eq!(o.permanent, Some(false));
    assert_eq!(server.hits("/new"), 2);
}

#[tokio::test]
async fn a_redirect_to_a_missing_page_is_not_found_with_its_chain() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/moved" => Resp::redirect(301, "/gone"),
        "/gone" => Resp::status(410),
        _ => Resp::status(404),
    });
    let o = fetch_with(options(), &server.url("/moved")).await;
    assert_eq!(o.kind, OutcomeKind::NotFound);
    assert_eq!(o.http_status, Some(410));
    assert_eq!(o.chain.len(), 2);
    assert_eq!(
        fetch_with(options(), &server.url("/nothing")).await.kind,
        OutcomeKind::NotFound
    );
}

#[tokio::test]
async fn blocked_by_status_or_by_a_bot_challenge() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/401" => Resp::status(401),
        "/403" => Resp::status(403),
        "/451" => Resp::status(451),
        "/challenge" => Resp::status(200).header("cf-mitigated", "challenge"),
        _ => Resp::ok("fine"),
    });
    for path in ["/401", "/403", "/451", "/challenge"] {
        let o = fetch_with(options(), &server.url(path)).await;
        assert_eq!(o.kind, OutcomeKind::Blocked, "{path}");
        assert!(o.detail.is_some(), "{path} says why");
    }
}

#[tokio::test]
async fn rate_limited_and_server_errors_are_retried_then_reported() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/429" => Resp::status(429).header("retry-after", "0"),
        _ => Resp::status(503),
    });
    let o = fetch_with(options(), &server.url("/429")).await;
    assert_eq!(o.kind, OutcomeKind::RateLimited);
    assert_eq!(o.attempts, 3);
    assert_eq!(o.retry_after, Some(Duration::ZERO));
    assert_eq!(server.hits("/429"), 3);

    let o = fetch_with(options(), &server.url("/500")).await;
    assert_eq!(o.kind, OutcomeKind::ServerError);
    assert_eq!(o.http_status, Some(503));
    assert_eq!(server.hits("/500"), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_the_cap() {
    let server = TestServer::start(|req| match (req.target.as_str(), req.previous) {
        ("/busy", 0) => Resp::status(503).header("retry-after", "1"),
        ("/busy", _) => Resp::ok("now"),
        ("/later", _) => Resp::status(429).header("retry-after", "3600"),
        _ => Resp::status(404),
    });
    let o = fetch_with(options(), &server.url("/busy")).await;
    assert_eq!(o.kind, OutcomeKind::Ok);
    assert_eq!(o.attempts, 2);
    assert!(
        o.elapsed >= Duration::from_secs(1),
        "waited {:?}",
        o.elapsed
    );

    // An hour is past the cap: no waiting, no retry, and the request is recorded.
    let o = fetch_with(options(), &server.url("/later")).await;
    assert_eq!(o.kind, OutcomeKind::RateLimited);
    assert_eq!(o.attempts, 1);
    assert_eq!(o.retry_after, Some(Duration::from_secs(3600)));
    assert!(o.detail.unwrap().contains("3600"));
    assert!(o.elapsed < Duration::from_secs(60));
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = TestServer::start(|_| Resp::ok("late").delay(Duration::from_secs(3)));
    let mut opts = options();
    opts.timeout = Duration::from_millis(200);
    opts.retry.max_retries = 1;
    let o = fetch_with(opts, &server.url("/slow")).await;
    assert_eq!(o.kind, OutcomeKind::Timeout);
    assert_eq!(o.attempts, 2, "a timeout is retried");
}

#[tokio::test]
async fn an_unknown_name_is_a_dns_failure() {
    let o = fetch_with(options(), "http://no-such-host.test/").await;
    assert_eq!(o.kind, OutcomeKind::DnsFailure);
    assert!(o.detail.unwrap().contains("no-such-host.test"));
}

#[tokio::test]
async fn refused_and_reset_connections_are_connect_failures() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let o = fetch_with(options(), &format!("http://127.0.0.1:{port}/")).await;
    assert_eq!(o.kind, OutcomeKind::ConnectFailure);
    assert_eq!(o.attempts, 1, "a refused connection is not retried");

    let resetting = ResettingServer::start();
    let o = fetch_with(options(), &format!("http://{}/", resetting.addr)).await;
    assert_eq!(o.kind, OutcomeKind::ConnectFailure);
    assert_eq!(o.attempts, 3, "a reset is retried");
    assert_eq!(
        resetting.accepted.load(std::sync::atomic::Ordering::SeqCst),
        3
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_tls_failure() {
    let server = TestServer::start(|_| Resp::ok("plain"));
    let o = fetch_with(options(), &format!("https://{}/", server.addr)).await;
    assert_eq!(o.kind, OutcomeKind::TlsFailure, "{:?}", o.detail);
}

#[tokio::test]
async fn bodies_past_the_cap_are_too_large_with_or_without_a_length() {
    let server = TestServer::start(|req| {
        let mut resp = Resp::ok(&"x".repeat(10_000));
        if req.target == "/chunked" {
            resp.chunked = Some(1000);
        }
        resp
    });
    let mut opts = options();
    opts.max_body = 4096;
    let fetcher = Fetcher::new(opts).unwrap();
    for path in ["/sized", "/chunked"] {
        let fetched = fetcher
            .fetch(&server.url(path).parse().unwrap(), None)
            .await;
        assert_eq!(fetched.outcome.kind, OutcomeKind::TooLarge, "{path}");
        let exchange = fetched.final_exchange().unwrap();
        assert!(exchange.body.len() <= 4096);
        assert_eq!(
            exchange.truncated,
            Some(provcheck::fetch::Truncation::Length)
        );
    }
}

/// A server that declares a huge `Content-Length`, sends a few bytes and hangs up: the bytes it
/// did send are kept as a truncated body, and its claim does not make us reserve its size.
#[tokio::test]
async fn a_lying_content_length_keeps_what_came_and_reserves_little() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut head = [0u8; 4096];
            let _ = s.read(&mut head);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000000\r\n\r\n<p>short</p>",
            );
        }
    });
    let mut opts = options();
    opts.max_body = 100_000_000;
    let fetcher = Fetcher::new(opts).unwrap();
    let fetched = fetcher
        .fetch(&format!("http://{addr}/").parse().unwrap(), None)
        .await;
    let exchange = fetched.final_exchange().expect("the response is kept");
    assert_eq!(exchange.body, b"<p>short</p>");
    assert_eq!(
        exchange.truncated,
        Some(provcheck::fetch::Truncation::Disconnect)
    );
    assert!(
        exchange.body.capacity() <= 2 << 20,
        "reserved {} bytes on a server's word",
        exchange.body.capacity()
    );
}

#[tokio::test]
async fn redirect_loops_and_long_chains_stop() {
    let server = TestServer::start(|req| {
        let t = req.target.as_str();
        if t == "/a" {
            Resp::redirect(302, "/b")
        } else if t == "/b" {
            Resp::redirect(302, "/a")
        } else if let Some(n) = t.strip_prefix("/hop/") {
            let n: u32 = n.parse().unwrap();
            Resp::redirect(301, &format!("/hop/{}", n + 1))
        } else {
            Resp::status(404)
        }
    });
    let o = fetch_with(options(), &server.url("/a")).await;
    assert_eq!(o.kind, OutcomeKind::TooManyRedirects);
    assert!(o.detail.unwrap().contains("loop"));

    let mut opts = options();
    opts.max_redirects = 5;
    let o = fetch_with(opts, &server.url("/hop/0")).await;
    assert_eq!(o.kind, OutcomeKind::TooManyRedirects);
    assert_eq!(o.chain.len(), 6);
}

#[tokio::test]
async fn redirects_to_other_schemes_are_not_followed() {
    let server = TestServer::start(|_| Resp::redirect(302, "ftp://files.test/x"));
    let o = fetch_with(options(), &server.url("/")).await;
    assert_eq!(o.kind, OutcomeKind::UnsupportedScheme);
}

#[tokio::test]
async fn other_statuses_are_http_errors() {
    let server = TestServer::start(|_| Resp::status(400));
    let o = fetch_with(options(), &server.url("/")).await;
    assert_eq!(o.kind, OutcomeKind::HttpError);
    assert_eq!(o.http_status, Some(400));
}
