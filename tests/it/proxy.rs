//! Issue 16, item 2: sources reached through a proxy (config `proxy`): an HTTP proxy (CONNECT
//! for https, absolute-form requests for http) and a SOCKS5 proxy, both loopback stand-ins that
//! log what they were asked; the address guard still refuses what it can see; the proxy's
//! credentials are sent and never archived.

use crate::archive::{records_of, warc_files};
use crate::cli::{json_exiting, provcheck, write};
use crate::server::{Resp, TestServer};
use crate::wire::{TLS_DIR, TlsServer};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// Copies bytes both ways between two sockets until either side closes.
fn splice(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let (mut a, mut b) = (a, b);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut b, &mut a);
    let _ = a.shutdown(std::net::Shutdown::Write);
}

/// Reads a request head byte by byte (nothing past it).
fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP proxy: `CONNECT host:port` opens a tunnel; `GET http://host:port/path` is sent on in
/// origin form. With `require` set, a request without that `Proxy-Authorization` gets a 407.
/// Every head it was sent is logged.
struct HttpProxy {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl HttpProxy {
    fn start(require: Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let seen = Arc::clone(&seen);
                let require = require.clone();
                std::thread::spawn(move || {
                    let Some(head) = read_head(&mut client) else {
                        return;
                    };
                    seen.lock().unwrap().push(head.clone());
                    if let Some(expected) = &require
                        && !head.contains(&format!("Proxy-Authorization: {expected}\r\n"))
                    {
                        let _ = client.write_all(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                        );
                        return;
                    }
                    let mut words = head.split(' ');
                    let (method, target) = (words.next().unwrap(), words.next().unwrap());
                    if method == "CONNECT" {
                        let Ok(upstream) = TcpStream::connect(target) else {
                            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                            return;
                        };
                        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                        splice(client, upstream);
                    } else {
                        let rest = target.strip_prefix("http://").unwrap();
                        let (authority, path) = rest.split_at(rest.find('/').unwrap());
                        let Ok(mut upstream) = TcpStream::connect(authority) else {
                            return;
                        };
                        let forwarded = head.replacen(target, path, 1);
                        let _ = upstream.write_all(forwarded.as_bytes());
                        splice(client, upstream);
                    }
                });
            }
        });
        Self { port, log }
    }
}

/// A SOCKS5 proxy without authentication; logs each `host:port` it was asked for.
struct Socks5Proxy {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Socks5Proxy {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut c) = stream else { break };
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || {
                    let mut hello = [0u8; 2];
                    c.read_exact(&mut hello).unwrap();
                    let mut methods = vec![0u8; usize::from(hello[1])];
                    c.read_exact(&mut methods).unwrap();
                    c.write_all(&[5, 0]).unwrap();
                    let mut request = [0u8; 4];
                    c.read_exact(&mut request).unwrap();
                    let host = match request[3] {
                        1 => {
                            let mut ip = [0u8; 4];
                            c.read_exact(&mut ip).unwrap();
                            std::net::Ipv4Addr::from(ip).to_string()
                        }
                        3 => {
                            let mut len = [0u8; 1];
                            c.read_exact(&mut len).unwrap();
                            let mut name = vec![0u8; usize::from(len[0])];
                            c.read_exact(&mut name).unwrap();
                            String::from_utf8(name).unwrap()
                        }
                        _ => return,
                    };
                    let mut port = [0u8; 2];
                    c.read_exact(&mut port).unwrap();
                    let target = format!("{host}:{}", u16::from_be_bytes(port));
                    seen.lock().unwrap().push(target.clone());
                    let Ok(upstream) = TcpStream::connect(&target) else {
                        let _ = c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
                        return;
                    };
                    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).unwrap();
                    splice(c, upstream);
                });
            }
        });
        Self { port, log }
    }
}

fn site() -> TestServer {
    TestServer::start(|req| match req.target.as_str() {
        "/ok" => Resp::ok("<html><title>fine</title><p>Through the proxy.</p></html>"),
        _ => Resp::status(404),
    })
}

fn check(dir: &std::path::Path, urls: &[String], config: &str, code: i32) -> serde_json::Value {
    write(dir, "story.txt", urls.join("\n") + "\n");
    write(
        dir,
        "provcheck.toml",
        format!("allow_net = [\"127.0.0.1/32\"]\n{config}"),
    );
    let out = provcheck(dir)
        .args(["check", "story.txt", "--format", "json"])
        .env("PROVCHECK_TEST_PROXY_PASSWORD", "hunter22")
        .output()
        .unwrap();
    json_exiting(&out, code)
}

#[test]
fn plain_http_goes_through_an_http_proxy_in_absolute_form_with_its_credentials_redacted() {
    let site = site();
    let expected = format!("Basic {}", data_encoding::BASE64.encode(b"desk:hunter22"));
    let proxy = HttpProxy::start(Some(expected.clone()));
    let dir = TempDir::new().unwrap();
    let url = site.url("/ok");
    let doc = check(
        dir.path(),
        std::slice::from_ref(&url),
        &format!(
            "proxy = \"http://127.0.0.1:{}\"\nproxy_auth = {{ user = \"desk\", password = \"env:PROVCHECK_TEST_PROXY_PASSWORD\" }}\n",
            proxy.port
        ),
        0,
    );
    assert_eq!(
        doc["citations"][0]["outcome"], "ok",
        "{}",
        doc["citations"][0]
    );
    let log = proxy.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|h| h.starts_with(&format!("GET {url} HTTP/1.1\r\n"))),
        "{log:?}"
    );
    let records: Vec<_> = warc_files(&dir.path().join("archive"))
        .iter()
        .flat_map(|f| records_of(f))
        .collect();
    let request = records
        .iter()
        .find(|r| {
            r.field("warc-type") == Some("request")
                && r.field("warc-target-uri") == Some(url.as_str())
        })
        .unwrap();
    let block = String::from_utf8_lossy(&request.block);
    assert!(
        block.starts_with(&format!("GET {url} HTTP/1.1\r\n")),
        "{block}"
    );
    assert!(
        block.contains("Proxy-Authorization: [redacted by provcheck]\r\n"),
        "{block}"
    );
    assert!(
        !block.contains("hunter22") && !block.contains(&expected),
        "{block}"
    );
    assert_eq!(
        request.field("warc-provcheck-redacted"),
        Some("Proxy-Authorization")
    );

    // Without the credentials the proxy refuses: a connect failure that names the proxy.
    let refusing = HttpProxy::start(Some(expected));
    let doc = check(
        dir.path(),
        &[site.url("/ok")],
        &format!("proxy = \"http://127.0.0.1:{}\"\n", refusing.port),
        1,
    );
    let row = &doc["citations"][0];
    assert_eq!(row["http_status"], 407, "{row}");
}

#[test]
fn https_goes_through_an_http_proxy_by_connect() {
    const BODY: &str = "<html><title>Tunnelled</title><p>Over CONNECT.</p></html>";
    let server = TlsServer::start(&[b"http/1.1"], "/t", BODY, {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{BODY}",
            BODY.len()
        )
        .into_bytes()
    });
    let proxy = HttpProxy::start(None);
    let dir = TempDir::new().unwrap();
    let url = format!("https://{}/t", server.addr);
    let doc = check(
        dir.path(),
        std::slice::from_ref(&url),
        &format!(
            "proxy = \"http://127.0.0.1:{}\"\nca_file = \"{TLS_DIR}/ca.pem\"\n",
            proxy.port
        ),
        0,
    );
    assert_eq!(
        doc["citations"][0]["outcome"], "ok",
        "{}",
        doc["citations"][0]
    );
    let log = proxy.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|h| h.starts_with(&format!("CONNECT {} HTTP/1.1\r\n", server.addr))),
        "{log:?}"
    );
}

#[test]
fn socks5_carries_plain_http_and_the_guard_still_refuses_what_it_sees() {
    let site = site();
    let proxy = Socks5Proxy::start();
    let dir = TempDir::new().unwrap();
    let url = site.url("/ok");
    let config = format!("proxy = \"socks5://127.0.0.1:{}\"\n", proxy.port);
    let doc = check(dir.path(), std::slice::from_ref(&url), &config, 0);
    assert_eq!(
        doc["citations"][0]["outcome"], "ok",
        "{}",
        doc["citations"][0]
    );
    // The cited page and the soft-404 probe of its site, both at the site's address.
    let port = url::Url::parse(&url).unwrap().port().unwrap();
    let asked = proxy.log.lock().unwrap().clone();
    assert!(
        !asked.is_empty() && asked.iter().all(|t| *t == format!("127.0.0.1:{port}")),
        "{asked:?}"
    );

    // A private address (literal, or a name resolving to one) is refused before the proxy is
    // asked: the guard checks what it can see from here.
    let dir = TempDir::new().unwrap();
    let doc = check(
        dir.path(),
        &["http://10.1.2.3/internal".to_owned()],
        &config,
        1,
    );
    for row in doc["citations"].as_array().unwrap() {
        assert_eq!(row["outcome"], "forbidden-address", "{row}");
    }
    let now = proxy.log.lock().unwrap().clone();
    assert_eq!(now, asked, "the proxy was never asked");
}

#[test]
fn a_bad_proxy_setting_is_a_config_error_naming_the_key() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "https://example.com/\n");
    for (config, says) in [
        ("proxy = \"ftp://proxy.example\"\n", "http://"),
        ("proxy = \"http://desk:pw@proxy.example\"\n", "proxy_auth"),
        (
            "proxy = \"http://proxy.example\"\nproxy_auth = { user = \"desk\", password = \"plain\" }\n",
            "env:NAME",
        ),
        (
            "proxy_auth = { user = \"desk\", password = \"env:X\" }\n",
            "without a proxy",
        ),
    ] {
        write(dir.path(), "provcheck.toml", config);
        let out = provcheck(dir.path())
            .args(["check", "story.txt"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{config}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("proxy") && stderr.contains(says),
            "{config}: {stderr}"
        );
    }
}

/// A name that resolves here to a refused address is refused before the proxy is asked; a name
/// that does not resolve here is left to the proxy (it may know names this machine does not).
#[tokio::test]
async fn through_a_proxy_names_are_checked_where_they_resolve_here() {
    let proxy = Socks5Proxy::start();
    let mut options = crate::options();
    options.lookup = Arc::new(provcheck::fetch::resolve::StaticLookup(
        [(
            "intranet.test".to_owned(),
            vec!["10.9.8.7".parse().unwrap()],
        )]
        .into(),
    ));
    options.proxy = Some(
        provcheck::fetch::proxy::Proxy::parse(&format!("socks5://127.0.0.1:{}", proxy.port))
            .unwrap(),
    );
    let refused = crate::fetch_with(options.clone(), "http://intranet.test/").await;
    assert_eq!(
        refused.kind,
        provcheck::outcome::OutcomeKind::ForbiddenAddress
    );
    assert!(
        proxy.log.lock().unwrap().is_empty(),
        "the proxy was never asked"
    );

    // Unknown here: the proxy is asked (and our stand-in cannot reach it either).
    let left = crate::fetch_with(options, "http://only-the-proxy-knows.test/").await;
    assert_eq!(left.kind, provcheck::outcome::OutcomeKind::ConnectFailure);
    assert_eq!(*proxy.log.lock().unwrap(), ["only-the-proxy-knows.test:80"]);
}
