//! The address guard, opened for loopback only through configuration, as a user would.

use crate::server::{Resp, TestServer};
use crate::{fetch_with, options};
use provcheck::fetch::guard::AddressGuard;
use provcheck::outcome::OutcomeKind;

#[tokio::test]
async fn without_the_allowlist_loopback_is_refused_in_every_spelling() {
    let server = TestServer::start(|_| Resp::ok("secret"));
    let port = server.addr.port();
    let mut opts = options();
    opts.guard = AddressGuard::default();
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://[::1]:{port}/"),
        // Issue 13: IPv6 forms that carry 127.0.0.1 (IPv4-compatible, NAT64, 6to4,
        // IPv4-translated) are judged by the address they carry.
        format!("http://[::127.0.0.1]:{port}/"),
        format!("http://[64:ff9b::7f00:1]:{port}/"),
        format!("http://[2002:7f00:1::]:{port}/"),
        format!("http://[::ffff:0:7f00:1]:{port}/"),
        // A name that resolves to loopback: refused in the resolver, before connecting.
        format!("http://site.test:{port}/"),
    ] {
        let o = fetch_with(opts.clone(), &url).await;
        assert_eq!(o.kind, OutcomeKind::ForbiddenAddress, "{url}");
        assert_eq!(o.http_status, None);
        assert!(
            o.detail.as_deref().unwrap_or("").contains("loopback"),
            "{url}: {:?}",
            o.detail
        );
    }
    assert_eq!(server.total_hits(), 0, "no request reached the server");
}

#[tokio::test]
async fn a_redirect_to_another_loopback_address_is_refused() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/start" => Resp::redirect(302, "http://127.0.0.2/internal"),
        _ => Resp::ok("fine"),
    });
    // Only 127.0.0.1 is allowed.
    let o = fetch_with(options(), &server.url("/start")).await;
    assert_eq!(o.kind, OutcomeKind::ForbiddenAddress);
    assert_eq!(o.chain.len(), 2);
    assert_eq!(o.chain[0].status, Some(302));
    assert_eq!(o.chain[1].url.as_str(), "http://127.0.0.2/internal");
    assert_eq!(o.chain[1].status, None);
}

#[tokio::test]
async fn issue_13_a_redirect_to_a_nat64_form_of_the_metadata_address_is_refused() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/start" => Resp::redirect(302, "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"),
        _ => Resp::ok("fine"),
    });
    let o = fetch_with(options(), &server.url("/start")).await;
    assert_eq!(o.kind, OutcomeKind::ForbiddenAddress, "{:?}", o.detail);
    let detail = o.detail.unwrap();
    assert!(
        detail.contains("169.254.169.254") && detail.contains("NAT64"),
        "{detail}"
    );
    assert_eq!(server.hits("/start"), 1);
}

#[tokio::test]
async fn a_redirect_to_a_name_resolving_to_a_refused_address_is_refused() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/start" => Resp::redirect(302, "http://private.test/"),
        _ => Resp::ok("fine"),
    });
    let mut opts = options();
    let mut names = std::collections::HashMap::new();
    names.insert("private.test".to_owned(), vec!["10.1.2.3".parse().unwrap()]);
    opts.lookup = std::sync::Arc::new(provcheck::fetch::resolve::StaticLookup(names));
    let o = fetch_with(opts, &server.url("/start")).await;
    assert_eq!(o.kind, OutcomeKind::ForbiddenAddress, "{:?}", o.detail);
    assert!(o.detail.unwrap().contains("private"));
}
