//! Issue 13: nothing a page or an article sends can crash, hang or exhaust provcheck. Each
//! hostile page is served on loopback and provcheck runs as a child process, so that a crash is
//! an exit code and its peak memory can be read (`VmHWM` in `/proc/PID/status`, polled while it
//! runs: the high-water mark only grows). A run past its generous deadline is killed and fails
//! the test: a hang, not a slow machine.

use crate::cli::write;
use crate::server::{Resp, TestServer};
use std::io::{Read, Write as _};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The bound the issue sets on a hostile page's run.
const PEAK_LIMIT_KB: u64 = 300 * 1024;
/// Far beyond a linear run in a debug build on a loaded 2-core machine; the quadratic and
/// crashing runs these tests were written against took minutes.
const DEADLINE: Duration = Duration::from_secs(90);

/// A command of the binary, offline, in `dir`, with an environment of its own.
fn binary(dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("provcheck"));
    cmd.current_dir(dir)
        .env("PROVCHECK_OFFLINE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to the end (or kills it at the deadline) and returns its output and its peak
/// resident memory in KB.
fn run_measured(mut cmd: Command) -> (Output, u64) {
    let mut child = cmd.spawn().expect("spawn provcheck");
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "provcheck {:?} still running after {DEADLINE:?}",
                cmd.get_args()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    };
    (output, peak)
}

/// `check` of one URL with JSON output: the exit code, the citation's row and the peak memory.
fn check_one(dir: &Path, url: &str) -> (i32, serde_json::Value, u64) {
    write(dir, "story.txt", format!("Sources\n- {url}\n"));
    let mut cmd = binary(dir);
    cmd.args([
        "check",
        "story.txt",
        "--allow-net",
        "127.0.0.1/32",
        "--format",
        "json",
    ]);
    let (out, peak) = run_measured(cmd);
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let doc = crate::cli::json(&out.stdout);
    (code, doc["citations"][0].clone(), peak)
}

fn show_text(dir: &Path, url: &str) -> (Output, u64) {
    let mut cmd = binary(dir);
    cmd.args(["show", url, "--text"]);
    run_measured(cmd)
}

fn nested_divs(levels: usize) -> String {
    format!(
        "<html><head><title>Deep</title></head><body>{}<p>The article's text.</p>{}</body></html>",
        "<div>".repeat(levels),
        "</div>".repeat(levels)
    )
}

#[test]
fn issue_13_a_page_of_50000_nested_divs_is_checked_and_shown_without_crashing() {
    let page = nested_divs(50_000);
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/deep" => Resp::ok(&page).header("content-type", "text/html"),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    let url = server.url("/deep");
    let (code, row, peak) = check_one(dir.path(), &url);
    assert_eq!((code, row["outcome"].as_str()), (0, Some("ok")), "{row}");
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
    let (out, peak) = show_text(dir.path(), &url);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("The article's text."));
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
}

#[test]
fn issue_13_a_19_mib_page_of_nul_bytes_stays_small() {
    let mut page = b"<html><body>".to_vec();
    page.resize(page.len() + (19 << 20), 0);
    page.extend_from_slice(b"</body></html>");
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/nul" => Resp {
            body: page.clone(),
            ..Resp::status(200).header("content-type", "text/html")
        },
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    let url = server.url("/nul");
    let (code, row, peak) = check_one(dir.path(), &url);
    assert_eq!((code, row["outcome"].as_str()), (0, Some("ok")), "{row}");
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
    let (out, peak) = show_text(dir.path(), &url);
    assert_eq!(out.status.code(), Some(0));
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
}

#[test]
fn issue_13_a_site_of_compressed_bombs_stays_small() {
    // 64 MiB of NUL bytes in 65 KB of gzip, on every path (the soft-404 probe's too).
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    let server = TestServer::start(move |_| Resp {
        body: bomb.clone(),
        ..Resp::status(200)
            .header("content-type", "text/html")
            .header("content-encoding", "gzip")
    });
    let dir = TempDir::new().unwrap();
    let url = server.url("/section/story");
    let (code, row, peak) = check_one(dir.path(), &url);
    // Every path answers the same page, but a page without text proves nothing: the probe
    // is evidence only when it answers with words.
    assert_eq!((code, row["outcome"].as_str()), (0, Some("ok")), "{row}");
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
    let (out, peak) = show_text(dir.path(), &url);
    assert_eq!(out.status.code(), Some(0));
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
}

#[test]
fn issue_13_a_one_line_article_of_13_mb_is_extracted_in_one_pass() {
    // 6 MB of prose, then 300,000 URLs on the same line. Each URL's column was counted from the
    // line's start: over 10^12 characters in all (minutes), where one pass reads 13 MB.
    let dir = TempDir::new().unwrap();
    let mut text = "Words of prose on one long line. ".repeat((6 << 20) / 33);
    let n = 300_000;
    for i in 0..n {
        text.push_str("https://one.test/");
        text.push_str(&i.to_string());
        text.push(' ');
    }
    write(dir.path(), "line.txt", &text);
    let mut cmd = binary(dir.path());
    cmd.args(["extract", "line.txt"]);
    let (out, _) = run_measured(cmd);
    assert_eq!(out.status.code(), Some(0));
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.starts_with(&format!("line (line.txt): {n} citations\n")));
    // Columns still count characters on the one line.
    let at = text.rfind("https://one.test/").unwrap();
    let last = listing.lines().last().unwrap();
    assert!(
        last.trim_start().starts_with(&format!("L1:{} ", at + 1)),
        "{last}"
    );
}

#[test]
fn issue_13_an_html_article_nested_deep_is_read_as_its_source() {
    let dir = TempDir::new().unwrap();
    let html = format!(
        "<html><body>{}<a href=\"https://deep.test/a\">a source</a>{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    write(dir.path(), "deep.html", &html);
    let mut cmd = binary(dir.path());
    cmd.args(["extract", "deep.html", "--format", "json"]);
    let (out, peak) = run_measured(cmd);
    assert_eq!(out.status.code(), Some(0));
    let doc = crate::cli::json(&out.stdout);
    assert_eq!(doc["citations"][0]["url"], "https://deep.test/a");
    assert_eq!(doc["citations"][0]["column"], 12 + 5 * 100_000 + 9 + 1);
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{doc}"
    );
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
}

#[test]
fn issue_13_links_in_nested_provenance_containers_keep_their_section() {
    // Below the depth limit, the tree is parsed; a container's section reaches every link in it.
    let dir = TempDir::new().unwrap();
    let html = format!(
        "<html><body><p><a href=\"https://body.test/\">b</a></p><div class=\"provenance\">{}\
         <a href=\"https://wire.test/\">w</a>{}</div><a href=\"https://after.test/\">x</a></body></html>",
        "<div>".repeat(300),
        "</div>".repeat(300)
    );
    write(dir.path(), "story.html", &html);
    let mut cmd = binary(dir.path());
    cmd.args(["extract", "story.html", "--format", "json"]);
    let (out, _) = run_measured(cmd);
    let doc = crate::cli::json(&out.stdout);
    let sections: Vec<_> = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["section"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sections, ["body", "provenance", "body"]);
}

/// Issue 13's acceptance: a nightly sweep over a site made of every hostile page finishes with
/// a verdict for each (none crashes it), within the memory bound, and `verify` is clean after.
#[test]
fn issue_13_a_sweep_over_a_site_of_hostile_pages_finishes_and_verifies() {
    let nested = nested_divs(50_000);
    let mut nul = b"<html><body>".to_vec();
    nul.resize(nul.len() + (8 << 20), 0);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 32 << 20]).unwrap();
    let bomb = e.finish().unwrap();
    let tags = format!("<html><body>{}</body></html>", "<b>x</b>".repeat(300_000));
    let title =
        "<html><head><title>\u{1b}]0;owned\u{7}T</title></head><body><p>x</p></body></html>";
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/robots.txt" => Resp {
            body: nul[..1 << 20].to_vec(),
            ..Resp::status(200)
        },
        "/nested" => Resp::ok(&nested).header("content-type", "text/html"),
        "/nul" => Resp {
            body: nul.clone(),
            ..Resp::status(200).header("content-type", "text/html")
        },
        "/bomb" => Resp {
            body: bomb.clone(),
            ..Resp::status(200)
                .header("content-type", "text/html")
                .header("content-encoding", "gzip")
        },
        "/tags" => Resp::ok(&tags).header("content-type", "text/html"),
        "/title" => Resp::ok(title).header("content-type", "text/html"),
        "/loop" => Resp::redirect(302, "/loop"),
        "/chunks" => Resp {
            chunked: Some(7),
            ..Resp::ok(&"<p>chunk</p>".repeat(10_000)).header("content-type", "text/html")
        },
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    let paths = [
        "/nested", "/nul", "/bomb", "/tags", "/title", "/loop", "/chunks",
    ];
    let article: String = paths
        .iter()
        .map(|p| format!("- {}\n", server.url(p)))
        .collect();
    write(
        &dir.path().join("desk"),
        "story.txt",
        format!("Sources\n{article}"),
    );
    let mut cmd = binary(dir.path());
    cmd.args([
        "sweep",
        "desk",
        "--allow-net",
        "127.0.0.1/32",
        "--host-interval",
        "0s",
        "--format",
        "json",
    ]);
    let (out, peak) = run_measured(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit 1: the loop is news (newly failing); nothing stops the sweep.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let doc = crate::cli::json(&out.stdout);
    assert_eq!(doc["checked_urls"], paths.len(), "{doc}");
    assert_eq!(doc["not_checked_urls"], 0);
    assert!(peak < PEAK_LIMIT_KB, "peak {peak} KB");
    let mut verify = binary(dir.path());
    verify.arg("verify");
    let (out, _) = run_measured(verify);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
