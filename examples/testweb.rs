//! A loopback test web for benchmarks: one process serving generated pages on 127.0.0.1 …
//! 127.0.0.H (the same port on each), so that it simulates H hosts.
//!
//! Not part of provcheck: it exists so that performance is measured against something that
//! behaves like the web, repeatably and without the network.
//!
//! ```sh
//! cargo run --release --example testweb -- --hosts 4 --port 18080
//! ```
//!
//! Paths (N is any number; pages are 30–80 KB of article markup, distinct per N; 2–5 KB with
//! `--small`):
//!
//! | path | answer |
//! |---|---|
//! | `/ok/N` | 200, stable, with `ETag` and `Last-Modified` (304 on a matching conditional request) |
//! | `/changing/N` | 200, different text on every fetch |
//! | `/edition/N` | 200, text that changes only when `/_bump` is requested |
//! | `/moved/N` | 301 → `/ok/N` |
//! | `/found/N` | 302 → `/ok/N` |
//! | `/chain/N` | 301 → 302 → 301 → `/ok/N` |
//! | `/away/N` | 301 → `/ok/N` on the next host |
//! | `/loop/N` | 302 → `/loop2/N` → `/loop/N` … |
//! | `/missing/N` | 404 (as is any unknown path) |
//! | `/gone/N` | 410 |
//! | `/error/N` | 500 |
//! | `/forbidden/N` | 403 |
//! | `/throttled/N` | 429 with `Retry-After: 2`, always |
//! | `/slow/N` | 200 after 500 ms |
//! | `/soft404/N` | 200 with a "page not found" page |
//! | `/hostile/nested` | 200, 50,000 nested `<div>`s (550 KB) |
//! | `/hostile/nul` | 200, 19 MiB of NUL bytes as HTML |
//! | `/hostile/bomb` | 200, gzip of 64 MiB of NUL bytes (65 KB) |
//! | `/hostile/tags` | 200, 300,000 `<b>` elements (2.4 MB) |
//!
//! It prints `listening on 127.0.0.1:PORT … 127.0.0.H:PORT` when ready, and counts requests and
//! bytes sent, printed to stdout on `GET /_stats`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

struct Web {
    hosts: u8,
    port: u16,
    /// `--small`: pages of 2–5 KB.
    small: bool,
    /// Paragraph pool the pages are built from.
    paragraphs: Vec<String>,
    edition: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    changes: AtomicU64,
}

fn main() {
    let mut hosts = 1u8;
    let mut port = 18080u16;
    let mut small = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--hosts" => hosts = args.next().and_then(|v| v.parse().ok()).expect("--hosts N"),
            "--port" => port = args.next().and_then(|v| v.parse().ok()).expect("--port P"),
            // Pages of 2–5 KB instead of 30–80 KB: a million of them fit on a laptop's disk.
            "--small" => small = true,
            other => panic!("unknown argument {other}"),
        }
    }
    let web = Arc::new(Web {
        hosts,
        port,
        small,
        paragraphs: paragraph_pool(),
        edition: AtomicU64::new(0),
        requests: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        changes: AtomicU64::new(0),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mut tasks = Vec::new();
        for h in 1..=hosts {
            let addr = std::net::SocketAddr::from(([127, 0, 0, h], port));
            let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
            let web = Arc::clone(&web);
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let web = Arc::clone(&web);
                    tokio::spawn(async move {
                        let service = service_fn(move |req| {
                            let web = Arc::clone(&web);
                            async move { Ok::<_, Infallible>(web.answer(h, &req).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }));
        }
        println!("listening on 127.0.0.1:{port} … 127.0.0.{hosts}:{port}");
        for t in tasks {
            let _ = t.await;
        }
    });
}

impl Web {
    async fn answer(
        &self,
        host: u8,
        req: &Request<hyper::body::Incoming>,
    ) -> Response<Full<Bytes>> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let path = req.uri().path();
        if path == "/_stats" {
            let text = format!(
                "requests {} bytes {}\n",
                self.requests.load(Ordering::Relaxed),
                self.bytes.load(Ordering::Relaxed)
            );
            return self.send(StatusCode::OK, &[], text.into_bytes());
        }
        if path == "/_bump" {
            self.edition.fetch_add(1, Ordering::Relaxed);
            return self.send(StatusCode::OK, &[], b"bumped\n".to_vec());
        }
        if path == "/robots.txt" {
            return self.send(
                StatusCode::OK,
                &[],
                b"User-agent: *\nDisallow: /private/\n".to_vec(),
            );
        }
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let kind = parts.next().unwrap_or("");
        let n: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let next_host = if host >= self.hosts { 1 } else { host + 1 };
        match kind {
            "ok" => {
                let etag = format!("\"page-{n}\"");
                let not_modified = req
                    .headers()
                    .get("if-none-match")
                    .is_some_and(|v| v.as_bytes() == etag.as_bytes());
                let headers = [
                    ("etag", etag.as_str()),
                    ("last-modified", "Mon, 02 Nov 2026 08:00:00 GMT"),
                    ("content-type", "text/html; charset=utf-8"),
                ];
                if not_modified {
                    return self.send(StatusCode::NOT_MODIFIED, &headers, Vec::new());
                }
                self.send(StatusCode::OK, &headers, self.page(n, 0))
            }
            "changing" => {
                let version = self.changes.fetch_add(1, Ordering::Relaxed) + 1;
                self.send(StatusCode::OK, &[("content-type", "text/html")], self.page(n, version))
            }
            "edition" => {
                let version = self.edition.load(Ordering::Relaxed);
                self.send(StatusCode::OK, &[("content-type", "text/html")], self.page(n, version))
            }
            "moved" | "chain3" => self.redirect(StatusCode::MOVED_PERMANENTLY, &format!("/ok/{n}")),
            "found" => self.redirect(StatusCode::FOUND, &format!("/ok/{n}")),
            "chain" => self.redirect(StatusCode::MOVED_PERMANENTLY, &format!("/chain2/{n}")),
            "chain2" => self.redirect(StatusCode::FOUND, &format!("/chain3/{n}")),
            "away" => self.redirect(
                StatusCode::MOVED_PERMANENTLY,
                &format!("http://127.0.0.{next_host}:{}/ok/{n}", self.port),
            ),
            "loop" => self.redirect(StatusCode::FOUND, &format!("/loop2/{n}")),
            "loop2" => self.redirect(StatusCode::FOUND, &format!("/loop/{n}")),
            "gone" => self.send(StatusCode::GONE, &[], b"<h1>Gone</h1>".to_vec()),
            "error" => self.send(StatusCode::INTERNAL_SERVER_ERROR, &[], b"oops".to_vec()),
            "forbidden" => self.send(StatusCode::FORBIDDEN, &[], b"<h1>Forbidden</h1>".to_vec()),
            "throttled" => self.send(
                StatusCode::TOO_MANY_REQUESTS,
                &[("retry-after", "2")],
                b"slow down".to_vec(),
            ),
            "slow" => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                self.send(StatusCode::OK, &[("content-type", "text/html")], self.page(n, 0))
            }
            "hostile" => self.hostile(path.strip_prefix("/hostile/").unwrap_or("")),
            "soft404" => self.send(
                StatusCode::OK,
                &[("content-type", "text/html")],
                b"<html><head><title>Page not found</title></head><body><h1>Sorry, we can't find that page</h1><p>Try the search.</p></body></html>".to_vec(),
            ),
            _ => self.send(StatusCode::NOT_FOUND, &[], b"<h1>Not Found</h1>".to_vec()),
        }
    }

    /// The hostile pages of issue 13, for the hostile benchmark.
    fn hostile(&self, which: &str) -> Response<Full<Bytes>> {
        let html = [("content-type", "text/html")];
        match which {
            "nested" => self.send(
                StatusCode::OK,
                &html,
                format!(
                    "<html><body>{}text{}</body></html>",
                    "<div>".repeat(50_000),
                    "</div>".repeat(50_000)
                )
                .into_bytes(),
            ),
            "nul" => {
                let mut body = b"<html><body>".to_vec();
                body.resize(body.len() + (19 << 20), 0);
                self.send(StatusCode::OK, &html, body)
            }
            "bomb" => {
                use std::io::Write as _;
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(&vec![0u8; 64 << 20]).expect("memory");
                let body = e.finish().expect("memory");
                self.send(
                    StatusCode::OK,
                    &[("content-type", "text/html"), ("content-encoding", "gzip")],
                    body,
                )
            }
            "tags" => self.send(
                StatusCode::OK,
                &html,
                format!("<html><body>{}</body></html>", "<b>x</b>".repeat(300_000)).into_bytes(),
            ),
            _ => self.send(StatusCode::NOT_FOUND, &[], b"<h1>Not Found</h1>".to_vec()),
        }
    }

    fn redirect(&self, status: StatusCode, location: &str) -> Response<Full<Bytes>> {
        self.send(status, &[("location", location)], Vec::new())
    }

    fn send(
        &self,
        status: StatusCode,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Response<Full<Bytes>> {
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        let mut builder = Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder
            .body(Full::new(Bytes::from(body)))
            .expect("response")
    }

    /// A 30–80 KB article page, distinct per `n` and `version`.
    fn page(&self, n: u64, version: u64) -> Vec<u8> {
        let mut rng =
            n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ version.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let target = if self.small {
            2_000 + (next() % 3_000) as usize
        } else {
            30_000 + (next() % 50_000) as usize
        };
        let mut html = String::with_capacity(target + 2_000);
        html.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        let _ = write!(html, "<title>Story {n}, edition {version}</title>");
        html.push_str("<link rel=\"stylesheet\" href=\"/s.css\"></head><body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/politics\">Politics</a></nav></header><main><article>");
        let _ = write!(
            html,
            "<h1>Story {n}</h1><p class=\"byline\">By the wire desk, edition {version}</p>"
        );
        while html.len() < target {
            let p = &self.paragraphs[(next() % self.paragraphs.len() as u64) as usize];
            html.push_str("<p>");
            html.push_str(p);
            html.push_str("</p>\n");
        }
        html.push_str("</article></main><footer><p>© Example News</p></footer></body></html>");
        html.into_bytes()
    }
}

fn paragraph_pool() -> Vec<String> {
    let words = "the minister said on tuesday that talks with regional partners would resume after \
        the summit officials confirmed a delegation had arrived in the capital where negotiations \
        over trade tariffs energy supplies and border security continued late into the night \
        analysts cautioned that any agreement would depend on parliament approving the budget \
        while opposition leaders demanded an inquiry into the handling of the crisis";
    let words: Vec<&str> = words.split_whitespace().collect();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    (0..64)
        .map(|_| {
            let len = 40 + (seed % 80) as usize;
            let mut p = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                p.push_str(words[(seed % words.len() as u64) as usize]);
                p.push(' ');
            }
            p.push('.');
            p
        })
        .collect()
}
