//! Issue 15, part 1: the archive keeps what crossed the wire. A raw-socket server sends unusual
//! bytes (an HTTP/1.0 status line with its own reason phrase, mixed-case and duplicate header
//! names, chunk extensions and a trailer, an interim 103) and records the bytes it received; the
//! response records must hold exactly the bytes sent, the request records exactly the bytes
//! received, and the payload digests the entity with the chunk framing removed.

use crate::archive::{records_of, warc_files, warcio_check};
use crate::cli::{json_exiting, provcheck, write};
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
        format!("{}\n{}\n{}\n", url("/odd"), url("/chunked"), url("/early")),
    );
    let out = provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 0);
    for i in 0..3 {
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
