//! Replay in pywb, the reference replay tool: every check of every captured URL, after two runs
//! (the second answering 304s), replays the payload as archived. Runs when `PYWB` names the
//! directory holding pywb's `wayback` (CI installs pywb 2.10.0 in its virtualenv); skipped
//! otherwise.

use crate::archive::warc_files;
use crate::cli::{provcheck, write};
use crate::server::{Resp, TestServer};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const PAGE: &str = "<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1>\
    <p>The minister said on Tuesday that talks would resume after the summit.</p></article></body></html>";

/// A site of every kind of capture: a page with an ETag (304 on a re-check), gzip sent
/// chunked, a redirect, a 404, binary bytes, a non-ASCII path.
fn site() -> TestServer {
    TestServer::start(|req| match req.target.as_str() {
        "/tagged" => {
            if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                return Resp {
                    body: Vec::new(),
                    ..Resp::status(304)
                }
                .header("etag", "\"v1\"");
            }
            Resp::ok(PAGE)
                .header("content-type", "text/html")
                .header("etag", "\"v1\"")
        }
        "/gz" => {
            let mut r = Resp::status(200)
                .header("content-type", "text/html")
                .header("content-encoding", "gzip");
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(PAGE.as_bytes()).unwrap();
            r.body = e.finish().unwrap();
            r.chunked = Some(100);
            r
        }
        "/moved" => Resp::redirect(301, "/tagged"),
        "/bin" => {
            let mut r = Resp::status(200).header("content-type", "application/octet-stream");
            r.body = (0..=255u8).collect();
            r
        }
        "/caf%C3%A9" => Resp::ok("café").header("content-type", "text/plain; charset=utf-8"),
        _ => Resp::status(404).header("content-type", "text/plain"),
    })
}

/// `GET path` over HTTP/1.0 (no chunking): the status and the body.
fn get(port: u16, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: identity\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, response[split + 4..].to_vec()))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn pywb_replays_every_check_with_the_payload_archived() {
    let Ok(pywb) = std::env::var("PYWB") else {
        eprintln!("PYWB is not set: pywb replay not checked");
        return;
    };
    for mode in ["compact", "revisit", "revisit-and-request"] {
        replay_in_pywb(Path::new(&pywb), mode);
    }
}

/// Two runs with `not_modified_record = mode`, then every index line replayed in pywb.
fn replay_in_pywb(pywb: &Path, mode: &str) {
    // (pywb reads a collection's WARC files from its folder; a bucket's would be fetched first.)
    if !crate::backends::local_warc_only("pywb replaying the archive's folder") {
        return;
    }
    let server = site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "provcheck.toml",
        format!("not_modified_record = \"{mode}\"\n"),
    );
    let paths = ["/tagged", "/gz", "/moved", "/bin", "/caf%C3%A9", "/missing"];
    let urls: String = paths
        .iter()
        .map(|p| format!("{}\n", server.url(p)))
        .collect();
    write(dir.path(), "story.txt", urls);
    for _ in 0..2 {
        let out = provcheck(dir.path())
            .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    }
    // A pywb collection: our WARC files under its archive folder, our CDXJ as its index.
    let coll = dir.path().join("pywb/collections/evidence");
    let archive = dir.path().join("archive");
    copy_tree(&archive.join("warc"), &coll.join("archive/warc"));
    std::fs::create_dir_all(coll.join("indexes")).unwrap();
    provcheck(dir.path())
        .args(["export", "cdxj", "-o"])
        .arg(coll.join("indexes/index.cdxj"))
        .assert()
        .code(0);
    let cdxj = std::fs::read_to_string(coll.join("indexes/index.cdxj")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut wayback = std::process::Command::new(pywb.join("wayback"))
        .args(["-p", &port.to_string(), "-b", "127.0.0.1"])
        .current_dir(dir.path().join("pywb"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while get(port, "/").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "pywb did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Every line of the index, the second run's 304 among them, replays the archived bytes.
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in cdxj.lines() {
        let mut parts = line.splitn(3, ' ');
        let (_, stamp) = (parts.next(), parts.next().unwrap());
        let json: serde_json::Value = serde_json::from_str(parts.next().unwrap()).unwrap();
        let url = json["url"].as_str().unwrap();
        let status: u16 = json["status"].as_str().unwrap().parse().unwrap();
        let path = url.strip_prefix(&server.url("")).unwrap_or(url);
        let expected: Option<Vec<u8>> = match path {
            "tagged" | "gz" => Some(PAGE.as_bytes().to_vec()),
            "bin" => Some((0..=255u8).collect()),
            "caf%C3%A9" => Some("café".as_bytes().to_vec()),
            _ => None,
        };
        let (got_status, body) = get(port, &format!("/evidence/{stamp}id_/{url}")).unwrap();
        checked += 1;
        if got_status != status {
            failures.push(format!(
                "{url} at {stamp}: status {got_status}, indexed {status}"
            ));
            continue;
        }
        if let Some(expected) = expected {
            // pywb may hand back a gzip body as sent: either form is the payload.
            let mut decoded = Vec::new();
            let body = match flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut decoded) {
                Ok(_) => decoded,
                Err(_) => body,
            };
            if body != expected {
                failures.push(format!(
                    "{url} at {stamp}: {} bytes, not the {} archived",
                    body.len(),
                    expected.len()
                ));
            }
        }
    }
    // pywb's own CDX API and timemap list every capture of /tagged (the 304 among them, and
    // the capture made following /moved), and the latest view (no timestamp) replays the page,
    // not an empty 304.
    let tagged = server.url("/tagged");
    let captures = cdxj.lines().filter(|l| l.contains(")/tagged ")).count();
    if captures < 3 {
        failures.push(format!("{captures} lines of /tagged"));
    }
    let (_, cdx) = get(port, &format!("/evidence/cdx?url={tagged}&output=json")).unwrap();
    let cdx = String::from_utf8_lossy(&cdx).into_owned();
    if cdx.lines().filter(|l| l.contains("\"timestamp\"")).count() != captures {
        failures.push(format!("CDX API: {cdx}"));
    }
    let (_, timemap) = get(port, &format!("/evidence/timemap/link/{tagged}")).unwrap();
    let timemap = String::from_utf8_lossy(&timemap).into_owned();
    if timemap.matches("memento\"; datetime=").count() != captures {
        failures.push(format!("timemap: {timemap}"));
    }
    match get(port, &format!("/evidence/id_/{tagged}")) {
        Ok((200, body)) if body == PAGE.as_bytes() => {}
        other => failures.push(format!("latest view: {other:?}")),
    }
    let _ = wayback.kill();
    let _ = wayback.wait();
    assert!(failures.is_empty(), "{mode}: {failures:#?}\n{cdxj}");
    // Two runs of six URLs (and the redirect's target): every check is a memento.
    assert!(checked >= 12, "{mode}: {checked} mementos\n{cdxj}");
    assert!(!warc_files(&archive).is_empty());
}
