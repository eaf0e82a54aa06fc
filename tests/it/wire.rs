//! Issue 15, part 1: the archive keeps what crossed the wire. A raw-socket server sends unusual
//! bytes (an HTTP/1.0 status line with its own reason phrase, mixed-case and duplicate header
//! names, chunk extensions and a trailer, an interim 103) and records the bytes it received; the
//! response records must hold exactly the bytes sent, the request records exactly the bytes
//! received, and the payload digests the entity with the chunk framing removed.

use crate::archive::{records_of, warc_files, warcio_check};
use crate::cli::{check_story_json, json_exiting, provcheck, write};
use provcheck::warc::{ParsedRecord, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

const ODD_BODY: &str = "<html><title>Odd</title><p>odd bytes</p></html>";
const CHUNKS: [&str; 3] = [
    "<html><title>Chunks</title>\n",
    "<p>framed as sent</p>\n",
    "</html>\n",
];
const EARLY_BODY: &str = "<html><title>Hints</title><p>later</p></html>";

/// An HTTP/1.0 answer with its own reason phrase and header names as no library writes them.
fn odd() -> Vec<u8> {
    format!(
        "HTTP/1.0 200 Everything Fine\r\ncontent-TYPE: text/html\r\nX-Dup: one\r\nx-dup: two\r\n\
         Content-Length: {}\r\n\r\n{ODD_BODY}",
        ODD_BODY.len()
    )
    .into_bytes()
}

/// Chunked framing with chunk extensions and a trailer.
fn chunked() -> Vec<u8> {
    let mut out = String::from(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
         Trailer: X-Checksum\r\n\r\n",
    );
    for (i, chunk) in CHUNKS.iter().enumerate() {
        out.push_str(&format!("{:x};part={i}\r\n{chunk}\r\n", chunk.len()));
    }
    out.push_str("0\r\nX-Checksum: abc\r\n\r\n");
    out.into_bytes()
}

/// An interim 103 before the final response.
fn early() -> (Vec<u8>, usize) {
    let interim = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
    let bytes = format!(
        "{interim}HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/html\r\n\r\n{EARLY_BODY}",
        EARLY_BODY.len()
    );
    (bytes.into_bytes(), interim.len())
}

const CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><title>Close</title><p>delimited by the close</p></html>";

const NOT_FOUND: &[u8] =
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";

/// Answers each path with fixed bytes and keeps, per path, the bytes of the request received.
struct RawServer {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl RawServer {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(HashMap::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { break };
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request).into_owned();
                    let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                    let (answer, keep_open) = match path.as_str() {
                        "/odd" => (odd(), false),
                        "/chunked" => (chunked(), true),
                        "/early" => (early().0, true),
                        // No length, no chunks: the body runs to the close.
                        "/close" => (CLOSE.to_vec(), false),
                        _ => (NOT_FOUND.to_vec(), false),
                    };
                    log.lock().unwrap().insert(path, request);
                    let _ = s.write_all(&answer);
                    let _ = s.flush();
                    // HTTP/1.0 and the 404 close; the others stay open, as a keep-alive server
                    // would, until the client is done.
                    if !keep_open {
                        return;
                    }
                    let _ = s.read(&mut buf);
                });
            }
        });
        Self { addr, received }
    }
}

fn record<'r>(records: &'r [ParsedRecord], kind: &str, url: &str) -> &'r ParsedRecord {
    records
        .iter()
        .find(|r| r.field("warc-type") == Some(kind) && r.field("warc-target-uri") == Some(url))
        .unwrap_or_else(|| panic!("no {kind} record for {url}"))
}

#[test]
fn records_hold_the_bytes_that_crossed_the_wire() {
    let server = RawServer::start();
    let dir = TempDir::new().unwrap();
    let url = |p: &str| format!("http://{}{p}", server.addr);
    write(
        dir.path(),
        "story.txt",
        format!(
            "{}\n{}\n{}\n{}\n",
            url("/odd"),
            url("/chunked"),
            url("/early"),
            url("/close")
        ),
    );
    let doc = check_story_json(dir.path(), 0);
    for i in 0..4 {
        assert_eq!(
            doc["citations"][i]["outcome"], "ok",
            "{}",
            doc["citations"][i]
        );
    }

    let files = warc_files(&dir.path().join("archive"));
    let records: Vec<ParsedRecord> = files.iter().flat_map(|f| records_of(f)).collect();
    let received = server.received.lock().unwrap();
    let (early, interim_len) = early();
    let entity_of_chunks = CHUNKS.concat();
    for (path, sent, entity) in [
        ("/odd", odd(), ODD_BODY.as_bytes()),
        ("/chunked", chunked(), entity_of_chunks.as_bytes()),
        // The interim 103 is read past; the final response is kept as sent.
        (
            "/early",
            early[interim_len..].to_vec(),
            EARLY_BODY.as_bytes(),
        ),
        ("/close", CLOSE.to_vec(), &CLOSE[CLOSE.len() - 62..]),
    ] {
        let response = record(&records, "response", &url(path));
        assert_eq!(
            String::from_utf8_lossy(&response.block),
            String::from_utf8_lossy(&sent),
            "{path}: the response record is the bytes sent"
        );
        assert_eq!(
            response.field("warc-payload-digest"),
            Some(Sha256::of(&[entity]).warc_label().as_str()),
            "{path}: the payload digest is the entity's, framing removed"
        );
        assert_eq!(
            &*response.http_parts().unwrap().1,
            entity,
            "{path}: reading the record back gives the entity"
        );
        let request = record(&records, "request", &url(path));
        assert_eq!(
            String::from_utf8_lossy(&request.block),
            String::from_utf8_lossy(&received[path]),
            "{path}: the request record is the bytes the server received"
        );
    }
    drop(received);
    assert!(
        String::from_utf8_lossy(&record(&records, "request", &url("/odd")).block)
            .starts_with("GET /odd HTTP/1.1\r\nHost: 127.0.0.1:"),
        "requests name the host first, in title case"
    );

    // provcheck's own reading of the record: `show` gives the entity, not the framing.
    let shown = provcheck(dir.path())
        .args(["show", &url("/chunked"), "--body"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shown.stdout), CHUNKS.concat());
    let verified = provcheck(dir.path())
        .args(["verify", "--deep"])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    warcio_check(&files);
}

/// A TLS server on loopback with the test certificate (`tests/fixtures/tls`: a CA made for these
/// tests and a certificate for `127.0.0.1` and `site.test` it signed), offering `alpn`. `path`
/// is answered, over HTTP/2 with `body`, over HTTP/1.1 with `raw` as it is; anything else (a
/// soft-404 probe) is a 404.
pub(crate) struct TlsServer {
    pub(crate) addr: std::net::SocketAddr,
}

pub(crate) const TLS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

impl TlsServer {
    pub(crate) fn start(
        alpn: &'static [&'static [u8]],
        path: &'static str,
        body: &'static str,
        raw: Vec<u8>,
    ) -> Self {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(format!("{TLS_DIR}/server.pem"))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let key = PrivateKeyDer::from_pem_file(format!("{TLS_DIR}/server.key")).unwrap();
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        break;
                    };
                    let acceptor = acceptor.clone();
                    let raw = raw.clone();
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
                            let service = hyper::service::service_fn(
                                |req: hyper::Request<hyper::body::Incoming>| async move {
                                    let (status, text) = if req.uri().path() == path {
                                        (200, body)
                                    } else {
                                        (404, "not found")
                                    };
                                    Ok::<_, std::convert::Infallible>(
                                        hyper::Response::builder()
                                            .status(status)
                                            .header("Content-Type", "text/html")
                                            .body(http_body_util::Full::new(bytes::Bytes::from(
                                                text,
                                            )))
                                            .unwrap(),
                                    )
                                },
                            );
                            let _ = hyper::server::conn::http2::Builder::new(
                                hyper_util::rt::TokioExecutor::new(),
                            )
                            .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                            .await;
                        } else {
                            use tokio::io::{AsyncReadExt, AsyncWriteExt};
                            let mut request = Vec::new();
                            let mut buf = [0u8; 4096];
                            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                                match tls.read(&mut buf).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => request.extend_from_slice(&buf[..n]),
                                }
                            }
                            let line = String::from_utf8_lossy(&request).into_owned();
                            let answer = if line.split(' ').nth(1) == Some(path) {
                                &raw[..]
                            } else {
                                NOT_FOUND
                            };
                            let _ = tls.write_all(answer).await;
                            let _ = tls.flush().await;
                            let _ = tls.read(&mut buf).await;
                        }
                    });
                }
            });
        });
        Self { addr }
    }
}

/// Checks `url` with the test CA trusted through the `ca_file` key, as a desk would for an
/// intranet source behind its own CA; returns the report, the records written and their files
/// (in the directory returned, removed when it is dropped).
fn check_with_test_ca(
    url: &str,
) -> (
    serde_json::Value,
    Vec<ParsedRecord>,
    Vec<std::path::PathBuf>,
    TempDir,
) {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", format!("{url}\n"));
    write(
        dir.path(),
        "provcheck.toml",
        format!("allow_net = [\"127.0.0.1/32\"]\nca_file = \"{TLS_DIR}/ca.pem\"\n"),
    );
    let out = provcheck(dir.path())
        .args(["check", "story.txt", "--format", "json"])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 0);
    let files = warc_files(&dir.path().join("archive"));
    let records = files.iter().flat_map(|f| records_of(f)).collect();
    (doc, records, files, dir)
}

/// HTTP/2 (negotiated by ALPN) has no HTTP/1 bytes to keep: its exchange is archived as an
/// HTTP/1.1 transcription marked `WARC-Protocol: h2`, with the entity as the body.
#[test]
fn an_http2_exchange_is_a_transcription_marked_h2() {
    const BODY: &str = "<html><title>Over h2</title><p>multiplexed words</p></html>";
    let server = TlsServer::start(&[b"h2", b"http/1.1"], "/story", BODY, Vec::new());
    let url = format!("https://{}/story", server.addr);
    let (doc, records, files, _dir) = check_with_test_ca(&url);
    assert_eq!(
        doc["citations"][0]["outcome"], "ok",
        "{}",
        doc["citations"][0]
    );
    let response = record(&records, "response", &url);
    assert_eq!(response.field("warc-protocol"), Some("h2"));
    let (head, payload) = response.http_parts().unwrap();
    let head = String::from_utf8_lossy(head);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("content-type: text/html\r\n"), "{head}");
    assert_eq!(&*payload, BODY.as_bytes());
    assert_eq!(
        response.field("warc-payload-digest"),
        Some(Sha256::of(&[BODY.as_bytes()]).warc_label().as_str())
    );
    let request = record(&records, "request", &url);
    assert_eq!(request.field("warc-protocol"), None);
    assert!(String::from_utf8_lossy(&request.block).starts_with("GET /story HTTP/1.1\r\n"));
    warcio_check(&files);
}

/// Over TLS the recorder sits after decryption: an HTTP/1.1 exchange is kept byte for byte.
/// Without the CA trusted, the same server is a TLS failure.
#[test]
fn https_http1_records_the_decrypted_bytes_and_an_unknown_ca_is_refused() {
    let raw = chunked();
    let server = TlsServer::start(&[b"http/1.1"], "/tls", "", raw.clone());
    let url = format!("https://{}/tls", server.addr);
    let (doc, records, files, _dir) = check_with_test_ca(&url);
    assert_eq!(
        doc["citations"][0]["outcome"], "ok",
        "{}",
        doc["citations"][0]
    );
    let response = record(&records, "response", &url);
    assert_eq!(response.block, raw);
    assert_eq!(response.field("warc-protocol"), None);
    assert_eq!(
        &*response.http_parts().unwrap().1,
        CHUNKS.concat().as_bytes()
    );
    warcio_check(&files);

    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", format!("{url}\n"));
    let out = provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--format",
            "json",
            "--no-archive",
        ])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 1);
    assert_eq!(doc["citations"][0]["outcome"], "tls-failure");
}

/// A `ca_file` that cannot be used stops the run before any request, naming the file and why.
#[test]
fn a_bad_ca_file_is_a_config_error_naming_it() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "https://example.com/\n");
    write(dir.path(), "not-a-cert.pem", "just words\n");
    for (file, why) in [
        ("missing.pem", "cannot read it"),
        ("not-a-cert.pem", "holds no certificate"),
    ] {
        write(
            dir.path(),
            "provcheck.toml",
            format!("ca_file = \"{file}\"\n"),
        );
        let out = provcheck(dir.path())
            .args(["check", "story.txt"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(file) && stderr.contains("ca_file") && stderr.contains(why),
            "{stderr}"
        );
    }
}

/// A hostile server sending one-byte chunks (six bytes on the wire for each byte of the body):
/// what is kept of the framing is bounded (twice max_body and a head), the fetch stops as
/// too-large, and the truncated record still reads back and passes the reference checks.
#[test]
fn one_byte_chunks_stop_at_the_recording_bound() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let request = String::from_utf8_lossy(&buf);
                if !request.starts_with("GET /chunks ") {
                    let _ = s.write_all(NOT_FOUND);
                    return;
                }
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let block = b"1\r\nx\r\n".repeat(4096);
                // 4 MiB of body, 24 MiB on the wire, unless the client stops reading.
                for _ in 0..1024 {
                    if s.write_all(&block).is_err() {
                        return;
                    }
                }
                let _ = s.write_all(b"0\r\n\r\n");
            });
        }
    });
    let dir = TempDir::new().unwrap();
    let url = format!("http://{addr}/chunks");
    write(dir.path(), "story.txt", format!("{url}\n"));
    let out = provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--max-body",
            "256KiB",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 1);
    assert_eq!(
        doc["citations"][0]["outcome"], "too-large",
        "{}",
        doc["citations"][0]
    );
    let files = warc_files(&dir.path().join("archive"));
    let records: Vec<ParsedRecord> = files.iter().flat_map(|f| records_of(f)).collect();
    let response = record(&records, "response", &url);
    assert_eq!(response.field("warc-truncated"), Some("length"));
    // The framing kept: at most twice the cap and a MiB for the head.
    assert!(
        response.block.len() <= 2 * 256 * 1024 + (1 << 20),
        "{}",
        response.block.len()
    );
    let entity = response.http_parts().unwrap().1;
    assert!(!entity.is_empty() && entity.iter().all(|&b| b == b'x'));
    assert_eq!(
        response.field("warc-payload-digest"),
        Some(Sha256::of(&[&entity]).warc_label().as_str()),
        "the payload digest is that of the entity the stored framing gives back"
    );
    warcio_check(&files);
}
