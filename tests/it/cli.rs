//! The binary: exit codes, output formats and bad input, each with a real server when fetching.

use crate::server::{Resp, TestServer, numbered};
use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;
use tempfile::TempDir;

/// The binary, run in `dir`. Offline (`PROVCHECK_OFFLINE`, as a user without the Internet would
/// set it): a problem never sends `check` to the real Wayback Machine. Tests of the Wayback
/// suggestions remove it and point `--wayback-endpoint` at a stand-in.
pub fn provcheck(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("provcheck").unwrap();
    cmd.current_dir(dir).env("PROVCHECK_OFFLINE", "1");
    if let Some(url) = crate::backends::pass_index_url(dir) {
        cmd.env("PROVCHECK_INDEX_URL", url);
    }
    for (key, value) in crate::backends::pass_warc_vars(dir) {
        cmd.env(key, value);
    }
    cmd
}

/// The binary as a plain process in `dir` (to be killed, signalled or left running), with the
/// environment of the test pass (see `backends::pass_env`).
pub fn provcheck_process(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("provcheck"));
    crate::backends::pass_env(&mut cmd, dir).current_dir(dir);
    cmd
}

/// Runs `check story.txt` in `dir` (loopback allowed) with JSON output, asserts the exit code,
/// and returns the document.
pub fn check_story_json(dir: &Path, code: i32) -> serde_json::Value {
    let out = provcheck(dir)
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
    json_exiting(&out, code)
}

/// Asserts that a run exited with `code` (showing its stderr if not) and parses its stdout.
pub fn json_exiting(out: &std::process::Output, code: i32) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn site() -> TestServer {
    TestServer::start(|req| match req.target.as_str() {
        "/ok" | "/new" => Resp::ok("<html><title>fine</title></html>"),
        "/moved" => Resp::redirect(301, "/new"),
        _ => Resp::status(404),
    })
}

#[test]
fn all_fine_exits_0_and_json_carries_the_documented_fields() {
    let server = site();
    let dir = TempDir::new().unwrap();
    let article = format!(
        "Headline\nBody cites {}.\nWire provenance\n- {}\n",
        server.url("/ok"),
        server.url("/moved")
    );
    write(dir.path(), "story.txt", article);
    let doc = check_story_json(dir.path(), 0);
    assert_eq!(doc["schema_version"], 1);
    let citations = doc["citations"].as_array().unwrap();
    assert_eq!(citations.len(), 2);
    let first = &citations[0];
    for field in [
        "article",
        "url",
        "url_as_written",
        "line",
        "column",
        "section",
        "outcome",
        "http_status",
        "final_url",
        "elapsed_ms",
    ] {
        assert!(first.get(field).is_some(), "missing {field}");
    }
    assert_eq!(first["article"], "story");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 12);
    assert_eq!(first["section"], "body");
    assert_eq!(first["outcome"], "ok");
    assert_eq!(first["http_status"], 200);
    let moved = &citations[1];
    assert_eq!(moved["section"], "provenance");
    assert_eq!(moved["outcome"], "redirected");
    assert_eq!(moved["permanent"], true);
    assert_eq!(moved["final_url"], server.url("/new"));
    assert_eq!(moved["chain"].as_array().unwrap().len(), 2);
}

#[test]
fn a_dead_source_exits_1_and_the_text_report_puts_it_first() {
    let server = site();
    let dir = TempDir::new().unwrap();
    let article = format!("{}\n{}\n", server.url("/ok"), server.url("/dead"));
    write(dir.path(), "story.txt", article);
    let out = provcheck(dir.path())
        .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let dead = text.find("not-found").expect("the problem is reported");
    let ok = text.find(" ok ").expect("the fine citation is listed");
    assert!(dead < ok, "problems first:\n{text}");
    assert!(text.contains("L2:1"), "{text}");
    assert!(text.contains("FAIL"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
}

/// Issue 16, item 7: the text report reads well at 80 columns: a fine citation is one line, a
/// long URL is elided in the middle, a problem's detail is wrapped under it.
#[test]
fn the_text_report_fits_80_columns() {
    let server = site();
    let dir = TempDir::new().unwrap();
    let long = server.url(
        "/world/2026/11/30/a-very-long-slug-about-the-summit-talks-that-went-on-all-night-in-the-capital",
    );
    let fine: String = ["/ok", "/new"]
        .iter()
        .map(|p| format!("{}\n", server.url(p)))
        .collect();
    // A port nobody listens on: refused, with a detail long enough to wrap.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!(
            "http://{}/a-source-that-refuses",
            listener.local_addr().unwrap()
        )
    };
    write(
        dir.path(),
        "story.txt",
        format!("{fine}{long}\nSources\n- {refused}\n"),
    );
    let out = provcheck(dir.path())
        .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let dead = text
        .lines()
        .find(|l| l.contains("not-found 404"))
        .expect("the problem is listed");
    assert!(
        dead.contains('\u{2026}') && dead.ends_with("in-the-capital"),
        "{dead}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("connect-failure"))
        .expect("the refused source is listed");
    assert!(
        lines[at + 1].starts_with("          in the sources: cannot connect to"),
        "its section and detail under it:\n{text}"
    );
    let fine_lines = text.lines().filter(|l| l.contains(" ok 200 ")).count();
    assert_eq!(fine_lines, 2, "one line per fine citation:\n{text}");
    let ok_at = text.find(" ok 200 ").unwrap();
    assert!(
        text.find("not-found").unwrap() < ok_at,
        "problems first:\n{text}"
    );
}

#[test]
fn without_the_allowlist_loopback_is_refused_and_never_requested() {
    let server = site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", server.url("/ok"));
    provcheck(dir.path())
        .args(["check", "story.txt", "--format", "json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"forbidden-address\""));
    assert_eq!(server.total_hits(), 0);
}

#[test]
fn the_config_file_opens_the_guard_and_flags_override_it() {
    let server = site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", server.url("/ok"));
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nconcurrency = 4\n",
    );
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .assert()
        .code(0);
    provcheck(dir.path())
        .args(["check", "story.txt", "--concurrency", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("concurrency"));
}

#[test]
fn an_unknown_config_key_names_the_key_and_the_file() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "https://example.com/\n");
    write(dir.path(), "custom.toml", "concurency = 4\n");
    provcheck(dir.path())
        .args(["check", "story.txt", "--config", "custom.toml"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("concurency").and(predicate::str::contains("custom.toml")),
        );
    provcheck(dir.path())
        .args(["check", "story.txt", "--config", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn bad_arguments_exit_2() {
    let dir = TempDir::new().unwrap();
    provcheck(dir.path()).args(["check"]).assert().code(2);
    provcheck(dir.path())
        .args(["check", "x.txt", "--concurrency", "many"])
        .assert()
        .code(2);
    provcheck(dir.path())
        .args(["check", "x.txt", "--host-interval", "soon"])
        .assert()
        .code(2);
    provcheck(dir.path()).args(["frobnicate"]).assert().code(2);
}

#[test]
fn unreadable_inputs_exit_2_naming_the_file() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "binary.txt", b"\x7fELF\x00\x00\x01");
    write(dir.path(), "latin1.txt", b"caf\xe9 https://example.com/");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for (arg, needle) in [
        ("missing.txt", "missing.txt"),
        ("binary.txt", "binary"),
        ("latin1.txt", "UTF-8"),
        ("empty", "no articles"),
    ] {
        provcheck(dir.path())
            .args(["check", arg])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(arg).and(predicate::str::contains(needle)));
    }
}

#[test]
fn an_empty_article_passes_with_a_warning() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "empty.md", "");
    provcheck(dir.path())
        .args(["check", "empty.md"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("empty.md"));
}

#[test]
fn unsupported_and_invalid_urls_fail_the_gate_without_a_request() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "links.md",
        "[files](ftp://files.example/a.pdf) [bad](http://exa%20mple.com:99999/) [rel](/x)\n",
    );
    let out = provcheck(dir.path())
        .args(["check", "links.md", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out.stdout);
    let outcomes: Vec<_> = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes,
        ["unsupported-scheme", "invalid-url", "invalid-url"]
    );
}

#[test]
fn directories_are_walked_and_stdin_is_an_article() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("desk/.hidden")).unwrap();
    write(dir.path(), "desk/a.txt", "https://a.test/1\n");
    write(dir.path(), "desk/b.md", "[b](https://b.test/2)\n");
    write(
        dir.path(),
        "desk/c.html",
        "<a href=\"https://c.test/3\">c</a>",
    );
    write(dir.path(), "desk/notes.pdf", "https://ignored.test/\n");
    write(dir.path(), "desk/.hidden/d.txt", "https://hidden.test/\n");
    let out = provcheck(dir.path())
        .args(["extract", "desk", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out.stdout);
    let urls: Vec<_> = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        urls,
        ["https://a.test/1", "https://b.test/2", "https://c.test/3"]
    );

    provcheck(dir.path())
        .args(["extract", "-"])
        .write_stdin("see https://stdin.test/x")
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("stdin").and(predicate::str::contains("https://stdin.test/x")),
        );
}

#[test]
fn output_file_and_junit() {
    let server = site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n{}\n", server.url("/ok"), server.url("/gone")),
    );
    provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--format",
            "junit",
            "--output",
            "report.xml",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testcase ").count(), 2);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains(r#"type="not-found""#));
}

#[test]
fn a_ten_megabyte_article_is_read() {
    let dir = TempDir::new().unwrap();
    let mut text = String::with_capacity(10 << 20);
    let filler = "Words of prose that cite nothing at all, line after line. ";
    let mut n = 0;
    while text.len() < 10 << 20 {
        text.push_str(filler);
        if text.len() % 1_000_000 < filler.len() {
            text.push_str(&format!("https://big.test/{n} "));
            n += 1;
        }
        text.push('\n');
    }
    assert!(n >= 5, "the article cites a handful of URLs");
    write(dir.path(), "big.txt", &text);
    let out = provcheck(dir.path())
        .args(["extract", "big.txt", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out.stdout)["citations"].as_array().unwrap().len(), n);
}

#[test]
fn an_article_citing_ten_thousand_urls_is_checked_in_full() {
    let server = TestServer::start(|req| match numbered(&req.target, "/p/", 10_000) {
        Some(_) => Resp::ok("x"),
        None => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    let text: String = (0..10_000)
        .map(|i| format!("- {}\n", server.url(&format!("/p/{i}"))))
        .collect();
    write(dir.path(), "many.txt", text);
    let out = provcheck(dir.path())
        .args([
            "check",
            "many.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--host-concurrency",
            "32",
            "--host-interval",
            "0s",
            "--concurrency",
            "64",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 0);
    assert_eq!(doc["summary"]["citations"], 10_000);
    assert_eq!(doc["summary"]["by_outcome"]["ok"], 10_000);
    assert_eq!(
        server.total_hits(),
        10_001,
        "every URL once, and the soft-404 probe"
    );
}

#[test]
fn help_lists_the_exit_codes() {
    let dir = TempDir::new().unwrap();
    provcheck(dir.path())
        .args(["check", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn an_unwritable_output_file_exits_2_naming_it() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "mailto:desk@example.com\n");
    provcheck(dir.path())
        .args(["extract", "story.txt", "-o", "no/such/dir/out.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/dir/out.json"));
    assert!(!dir.path().join("no").exists());
}

#[test]
fn output_to_a_device_or_a_pipe_writes_through_it_and_leaves_it_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "See https://example.com/story\n");
    // /dev/null stays the character device (the report used to be renamed over it).
    provcheck(dir.path())
        .args(["extract", "story.txt", "-o", "/dev/null"])
        .assert()
        .success();
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A FIFO is written through, and is still a FIFO afterwards.
    let fifo = dir.path().join("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    provcheck(dir.path())
        .args(["extract", "story.txt", "--format", "json", "-o"])
        .arg(&fifo)
        .assert()
        .success();
    assert!(reader.join().unwrap().contains("https://example.com/story"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // A symbolic link to a file: the file gets the report, the link stays a link.
    write(dir.path(), "real.json", "");
    std::os::unix::fs::symlink(dir.path().join("real.json"), dir.path().join("link.json")).unwrap();
    provcheck(dir.path())
        .args([
            "extract",
            "story.txt",
            "--format",
            "json",
            "-o",
            "link.json",
        ])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(dir.path().join("real.json"))
            .unwrap()
            .contains("https://example.com/story")
    );
}

/// Issue 13, finding 9: a `Retry-After` of 2^64-1 seconds printed a `retry_after_ms` beyond 64
/// bits, which strict JSON readers reject; durations are clamped to JSON's safe integers.
#[test]
fn issue_13_a_huge_retry_after_prints_a_number_json_readers_accept() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/busy" => Resp::status(429).header("retry-after", "18446744073709551615"),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n", server.url("/busy")),
    );
    let doc = check_story_json(dir.path(), 1);
    let row = &doc["citations"][0];
    assert_eq!(row["outcome"], "rate-limited");
    let ms = row["retry_after_ms"]
        .as_u64()
        .expect("an integer JSON holds");
    assert_eq!(ms, (1 << 53) - 1);
}

/// Issue 13, finding 10: `PROVCHECK_OFFLINE=` (set, empty) made every command exit 2
/// ("invalid value ''"); an empty variable reads as unset. A value that is neither yes nor no is
/// still an error that names it.
#[test]
fn issue_13_an_empty_offline_variable_reads_as_unset() {
    let server = site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", format!("{}\n", server.url("/ok")));
    let run = |value: &str| {
        provcheck(dir.path())
            .env("PROVCHECK_OFFLINE", value)
            .args([
                "check",
                "story.txt",
                "--allow-net",
                "127.0.0.1/32",
                "--no-archive",
            ])
            .args(["--wayback-endpoint", &server.url("/wayback")])
            .output()
            .unwrap()
    };
    assert_eq!(run("").status.code(), Some(0));
    assert_eq!(run("yes").status.code(), Some(0));
    let out = run("maybe");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"maybe\""));
}

/// Issue 13, finding 8: escape sequences in link text, in a file name that becomes an article
/// id and in a page's title and text reached the terminal raw (window title, hyperlink and
/// clear-screen sequences worked); they are shown as escapes.
#[test]
fn issue_13_terminal_escapes_from_articles_and_pages_are_shown_not_obeyed() {
    let title = "\u{1b}]0;owned\u{7}Talks \u{1b}]8;;https://evil.test/\u{7}resume\u{1b}]8;;\u{7}";
    let page = format!(
        "<html><head><title>{title}</title></head><body><p>Text \u{1b}[2J here.</p></body></html>"
    );
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/a" => Resp::ok(&page).header("content-type", "text/html"),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    let url = server.url("/a");
    write(
        dir.path(),
        "links.html",
        format!("<p><a href=\"{url}\">\u{1b}]0;owned\u{7}the \u{9b}2Jreport</a></p>"),
    );
    write(dir.path(), "st\u{1b}[2Jory.txt", format!("{url}\n"));
    let outputs = [
        provcheck(dir.path())
            .args(["extract", "links.html"])
            .output()
            .unwrap(),
        provcheck(dir.path())
            .args(["check", "st\u{1b}[2Jory.txt", "--allow-net", "127.0.0.1/32"])
            .output()
            .unwrap(),
        provcheck(dir.path())
            .args(["show", &url, "--text"])
            .output()
            .unwrap(),
        provcheck(dir.path()).args(["show", &url]).output().unwrap(),
    ];
    for (i, out) in outputs.iter().enumerate() {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{text:?}");
        // The summary of `show` holds only the (clean) headers.
        if i < 3 {
            assert!(
                text.contains("\\u{1b}") || text.contains("\\u{9b}"),
                "{text:?}"
            );
        }
    }
}

/// Issue 16: a `mailto:` link failed the gate. Contact links are skipped by default; the
/// config's `[exclude]` adds schemes, domains and URL patterns, never requested.
#[test]
fn contact_links_and_excluded_urls_are_skipped_never_failing() {
    let server = TestServer::start(|_| Resp::ok("<html><title>fine</title></html>"));
    let dir = tempfile::TempDir::new().unwrap();
    write(
        dir.path(),
        "story.md",
        format!(
            "# Talks\n\n[Write to the desk](mailto:desk@example.com), [call](tel:+15555550100).\n\n\
             The [minutes]({}) and the [archive](ftp://files.example/minutes.pdf) and a \
             [private copy]({}).\n",
            server.url("/page"),
            server.url("/private/copy")
        ),
    );
    let run = || {
        provcheck(dir.path())
            .args([
                "check",
                "story.md",
                "--allow-net",
                "127.0.0.1/32",
                "--format",
                "json",
            ])
            .output()
            .unwrap()
    };
    let outcomes = |doc: &serde_json::Value| -> Vec<(String, String)> {
        doc["citations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["url_as_written"].as_str().unwrap().to_owned(),
                    c["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // By default the contact links are skipped; the ftp link still fails the gate.
    let doc = json_exiting(&run(), 1);
    let got = outcomes(&doc);
    let kind = |prefix: &str| {
        got.iter()
            .find(|(u, _)| u.contains(prefix))
            .map(|(_, o)| o.clone())
            .unwrap()
    };
    assert_eq!(kind("mailto:"), "skipped");
    assert_eq!(kind("tel:"), "skipped");
    assert_eq!(kind("ftp:"), "unsupported-scheme");
    assert_eq!(kind("/private/"), "ok");
    let skipped = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "skipped")
        .unwrap();
    assert!(skipped["detail"].as_str().unwrap().contains("not sources"));
    // With the config's exclusions, nothing fails and the excluded URL is never requested.
    write(
        dir.path(),
        "provcheck.toml",
        "[exclude]\nschemes = [\"ftp\"]\nurls = ['/private/']\n",
    );
    let before = server.hits("/private/copy");
    let doc = json_exiting(&run(), 0);
    let got = outcomes(&doc);
    for (url, outcome) in &got {
        let expected = if url.ends_with("/page") {
            "ok"
        } else {
            "skipped"
        };
        assert_eq!(outcome, expected, "{url}");
    }
    assert_eq!(
        server.hits("/private/copy"),
        before,
        "an excluded URL is never requested"
    );
    // A pattern that is not a regular expression is a configuration error naming it.
    write(dir.path(), "provcheck.toml", "[exclude]\nurls = ['(']\n");
    provcheck(dir.path())
        .args(["check", "story.md", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exclude.urls"));
}

/// Issue 16, item 9: errors said once, each with its next step, before any work.
#[test]
fn errors_are_said_once_with_their_next_step_and_before_any_fetch() {
    let server = TestServer::start(|_| Resp::ok("<html><title>fine</title></html>"));
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", format!("{}\n", server.url("/a")));
    // -o into a missing directory: refused before anything is fetched or archived.
    provcheck(dir.path())
        .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
        .args(["-o", "no/such/dir/report.json"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no/such/dir").and(predicate::str::contains("does not exist")),
        );
    assert_eq!(server.total_hits(), 0, "nothing fetched");
    assert!(!dir.path().join("archive").exists(), "nothing archived");
    // An OS error appears once, not once per layer of the message.
    let out = provcheck(dir.path())
        .args(["check", "missing.txt"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    // A folder that is not an archive says how to make one.
    provcheck(dir.path())
        .args(["history", &server.url("/a"), "--archive", "nowhere"])
        .assert()
        .code(2)
        .stderr(
            // (In the PostgreSQL pass the index is a database, and that one is empty.)
            predicate::str::contains("not an archive")
                .or(predicate::str::contains("holds no provcheck archive"))
                .and(predicate::str::contains("provcheck check")),
        );
    // A duration written as a bare number says how to write it.
    write(dir.path(), "provcheck.toml", "timeout = 20\n");
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"20s\""));
}

/// Issue 16, item 11: one non-UTF-8 file, or two files with the same stem, aborted the whole
/// batch with no output at all. Each gets an error line; the rest are checked; exit 2.
#[test]
fn a_bad_file_in_a_batch_is_said_and_the_rest_are_checked() {
    let server = TestServer::start(|_| Resp::ok("<html><title>fine</title></html>"));
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("desk/world")).unwrap();
    write(dir.path(), "desk/a.txt", format!("{}\n", server.url("/a")));
    write(
        dir.path(),
        "desk/latin1.txt",
        b"caf\xe9 https://example.com/",
    );
    write(
        dir.path(),
        "desk/world/a.md",
        format!("[a]({})\n", server.url("/b")),
    );
    let out = provcheck(dir.path())
        .args([
            "check",
            "desk",
            "--allow-net",
            "127.0.0.1/32",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("latin1.txt") && stderr.contains("UTF-8"),
        "{stderr}"
    );
    assert!(
        stderr.contains("world/a.md") && stderr.contains("also the id"),
        "{stderr}"
    );
    let doc = json(&out.stdout);
    let urls: Vec<&str> = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, [server.url("/a")], "the readable article was checked");
    assert_eq!(server.hits("/a"), 1);
}

/// Issue 16, item 2: a known bot wall's 403 can be accepted for its host, with the reason
/// shown; the User-Agent can be set.
#[test]
fn a_status_accepted_for_a_host_is_fine_with_its_reason_and_the_user_agent_is_configurable() {
    let agent = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = std::sync::Arc::clone(&agent);
    let server = TestServer::start(move |req| {
        *seen.lock().unwrap() = req.headers.get("user-agent").cloned().unwrap_or_default();
        Resp::status(403)
    });
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n", server.url("/wall")),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "user_agent = \"Example Desk checker (standards@example.test)\"\n\
         [[accept]]\nhosts = [\"127.0.0.1\"]\nstatuses = [403]\nreason = \"the site's bot wall answers 403 to every crawler\"\n",
    );
    let doc = check_story_json(dir.path(), 0);
    let c = &doc["citations"][0];
    assert_eq!(c["outcome"], "accepted", "{c}");
    assert!(c["detail"].as_str().unwrap().contains("bot wall"), "{c}");
    assert_eq!(
        *agent.lock().unwrap(),
        "Example Desk checker (standards@example.test)"
    );
    // Without the rule, the 403 fails the gate.
    write(dir.path(), "provcheck.toml", "");
    check_story_json(dir.path(), 1);
}

/// A newsroom site with one published story: navigation and footer around an article that
/// cites a statement (there) and a wire report (missing).
fn story_site() -> TestServer {
    TestServer::start(|req| {
        match req.target.as_str() {
        "/world/story" => Resp::ok(
            "<html><head><title>Talks resume</title></head><body>\
             <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/sport\">Sport</a></nav>\
             <article><h1>Talks resume after summit</h1>\
             <p>The minister said on Tuesday that talks with regional partners would resume after the summit, \
             according to <a href=\"/sources/statement\">a statement from the ministry</a> released in the morning.</p>\
             <p>A delegation arrived in the capital, where negotiations over trade, tariffs and energy supplies \
             continued late into the night, as <a href=\"../wire/report\">the wire reported</a>.</p>\
             <p>Analysts cautioned that any agreement would depend on parliament approving the budget before \
             the end of the month, and opposition leaders demanded an inquiry into the handling of the crisis.</p>\
             </article><footer><a href=\"/about\">About us</a> <a href=\"/privacy\">Privacy</a></footer></body></html>",
        )
        .header("content-type", "text/html"),
        "/sources/statement" => Resp::ok("<html><title>Statement</title></html>"),
        _ => Resp::status(404),
    }
    })
}

/// Issue 16, item 1: `extract` and `sweep` read published stories by URL too, and `sweep` a
/// feed of story URLs (a file the CMS writes): fetched through the guard, the article body's
/// links registered, the page archived by the sweep; a bad feed line is said and the rest swept.
#[test]
fn extract_and_sweep_read_published_stories_by_url_and_from_a_feed() {
    let server = story_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\n",
    );
    let story = server.url("/world/story");
    let out = provcheck(dir.path())
        .args(["extract", &story, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let urls: Vec<String> = json(&out.stdout)["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        urls,
        [server.url("/sources/statement"), server.url("/wire/report")]
    );

    write(
        dir.path(),
        "feed.txt",
        format!("# published today\n{story}\nnot a story url\n\n"),
    );
    let out = provcheck(dir.path())
        .args(["sweep", "--stories", "feed.txt", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad feed line: exit 2 at the end"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("feed.txt:3"), "{stderr}");
    let index = crate::backends::index_conn(&dir.path().join("archive/index.sqlite"));
    let cited: i64 = index
        .query_row("SELECT count(*) FROM citations", (), |r| r.get(0))
        .unwrap();
    assert_eq!(cited, 2, "the story's two citations are registered");
    assert_eq!(server.hits("/sources/statement"), 1, "and checked");
    provcheck(dir.path())
        .args(["history", &story])
        .assert()
        .code(0);
    // A story named on the command line is read the same way.
    provcheck(dir.path())
        .args(["sweep", &story, "--max-age", "0s"])
        .assert()
        .code(predicate::in_iter([0, 1]));
    assert_eq!(server.hits("/sources/statement"), 2);
    // A feed that cannot be read stops the sweep before anything is fetched.
    provcheck(dir.path())
        .args(["sweep", "--stories", "missing-feed.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing-feed.txt"));
}

/// Issue 16, items 1 and 10: auditing a published story meant saving it first. `check URL`
/// fetches it through the guard, archives it, and checks the links of its article body, never
/// its navigation or footer.
#[test]
fn a_published_story_is_checked_by_its_url() {
    let server = story_site();
    let dir = TempDir::new().unwrap();
    let out = provcheck(dir.path())
        .args([
            "check",
            &server.url("/world/story"),
            "--allow-net",
            "127.0.0.1/32",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out.stdout);
    let urls: Vec<&str> = doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [server.url("/sources/statement"), server.url("/wire/report")],
        "the article's links, resolved against the page, and nothing from its chrome"
    );
    assert_eq!(server.hits("/about"), 0);
    // The story page itself is archived.
    provcheck(dir.path())
        .args(["history", &server.url("/world/story")])
        .assert()
        .code(0);
    // A story that cannot be read is an error naming it.
    provcheck(dir.path())
        .args(["check", &server.url("/gone"), "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/gone"));
}

/// Issue 16, item 2: wire services and paywalled sources need credentials. Secrets come from
/// the environment or an owner-only file, are sent to their hosts only, never printed, and are
/// archived redacted with a field naming what was redacted.
#[test]
fn credentials_are_sent_to_their_hosts_and_never_archived_or_printed() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = TestServer::start(|req| {
        let key = req.headers.get("x-api-key").map(String::as_str);
        // "desk:hunter22" in base64.
        let auth = req.headers.get("authorization").map(String::as_str);
        if key == Some("s3cret-key") && auth == Some("Basic ZGVzazpodW50ZXIyMg==") {
            Resp::ok("<html><title>Wire</title></html>")
        } else {
            Resp::status(401)
        }
    });
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n", server.url("/wire")),
    );
    let password = write(dir.path(), "password.txt", "hunter22\n");
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = |reference: &str| {
        format!(
            "allow_net = [\"127.0.0.1/32\"]\n[[credentials]]\nhosts = [\"127.0.0.1\"]\n\
             headers = {{ \"X-Api-Key\" = \"{reference}\" }}\n\
             basic_auth = {{ user = \"desk\", password = \"file:{}\" }}\n",
            password.display()
        )
    };
    write(
        dir.path(),
        "provcheck.toml",
        config("env:PROVCHECK_TEST_KEY"),
    );
    let out = provcheck(dir.path())
        .args(["check", "story.txt", "--format", "json"])
        .env("PROVCHECK_TEST_KEY", "s3cret-key")
        .output()
        .unwrap();
    let doc = json_exiting(&out, 0);
    assert_eq!(doc["citations"][0]["outcome"], "ok");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!printed.contains("s3cret-key") && !printed.contains("hunter22"));
    let records: Vec<provcheck::warc::ParsedRecord> =
        crate::archive::warc_files(&dir.path().join("archive"))
            .iter()
            .flat_map(|f| crate::archive::records_of(f))
            .collect();
    let request = records
        .iter()
        .find(|r| {
            r.fields["warc-type"] == "request" && r.fields["warc-target-uri"].ends_with("/wire")
        })
        .unwrap();
    let block = String::from_utf8_lossy(&request.block);
    assert!(
        block.contains("X-Api-Key: [redacted by provcheck]"),
        "{block}"
    );
    assert!(
        !block.contains("s3cret-key") && !block.contains("ZGVzazpodW50ZXIyMg"),
        "{block}"
    );
    assert_eq!(
        request.fields["warc-provcheck-redacted"],
        "X-Api-Key, Authorization"
    );
    // A secret written in the configuration, or in a file others can read, is refused.
    write(dir.path(), "provcheck.toml", config("s3cret-key"));
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("env:NAME").and(predicate::str::contains("s3cret").not()));
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
    write(
        dir.path(),
        "provcheck.toml",
        config("env:PROVCHECK_TEST_KEY"),
    );
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .env("PROVCHECK_TEST_KEY", "s3cret-key")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("chmod 600"));
}

/// Issue 16, item 1: a desk's own settings: a base URL per directory of articles (the deepest
/// wins, `--base-url` over it), and its own sources headings and HTML section classes.
#[test]
fn base_urls_per_directory_and_the_desks_own_sources_headings() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "provcheck.toml",
        "sources_headings = [\"Our reporting\", \"Wie wir berichten\"]\n\
         sources_sections = [\"story-sourcing\"]\n\
         [base_urls]\n\
         \"news\" = \"https://news.example/\"\n\
         \"news/world\" = \"https://news.example/world/2026/\"\n",
    );
    std::fs::create_dir_all(dir.path().join("news/world")).unwrap();
    std::fs::create_dir_all(dir.path().join("drafts")).unwrap();
    write(
        dir.path(),
        "news/world/summit.md",
        "Talks [resumed](talks.html).\n\n## Our reporting\n\n- [Minutes](/minutes.pdf)\n",
    );
    write(
        dir.path(),
        "news/local.md",
        "The [council](council/vote.html) met.\n",
    );
    write(dir.path(), "drafts/idea.md", "A [draft](notes.html).\n");
    write(
        dir.path(),
        "news/page.html",
        "<p>Body <a href=\"https://a.test/1\">one</a></p>\
         <div class=\"story-sourcing\"><a href=\"https://b.test/2\">two</a></div>",
    );
    write(
        dir.path(),
        "notes.txt",
        "Story text https://c.test/3\nWie wir berichten:\n- https://d.test/4\n",
    );
    let extract = |extra: &[&str]| {
        let out = provcheck(dir.path())
            .args(["extract", "news", "drafts", "notes.txt", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        json(&out.stdout)["citations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["url_as_written"].as_str().unwrap().to_owned(),
                    (
                        c["url"].as_str().unwrap_or("-").to_owned(),
                        c["section"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect::<std::collections::HashMap<_, _>>()
    };
    let found = extract(&[]);
    let at = |k: &str| found[k].clone();
    assert_eq!(
        at("talks.html").0,
        "https://news.example/world/2026/talks.html"
    );
    assert_eq!(
        at("/minutes.pdf"),
        (
            "https://news.example/minutes.pdf".to_owned(),
            "provenance".to_owned()
        )
    );
    assert_eq!(
        at("council/vote.html").0,
        "https://news.example/council/vote.html"
    );
    assert_eq!(at("notes.html").0, "-", "no base for drafts/");
    assert_eq!(at("https://a.test/1").1, "body");
    assert_eq!(at("https://b.test/2").1, "provenance");
    assert_eq!(at("https://c.test/3").1, "body");
    assert_eq!(at("https://d.test/4").1, "provenance");

    let found = extract(&["--base-url", "https://override.example/x/"]);
    assert_eq!(
        found["talks.html"].0,
        "https://override.example/x/talks.html"
    );
    assert_eq!(
        found["notes.html"].0,
        "https://override.example/x/notes.html"
    );

    write(
        dir.path(),
        "provcheck.toml",
        "[base_urls]\n\"news\" = \"/relative/\"\n",
    );
    let out = provcheck(dir.path())
        .args(["extract", "news"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base_urls"));
}

/// Issue 16, item 7: every `provcheck` command the README and the CI examples show is one the
/// binary accepts (run with `--help` appended: an unknown subcommand or flag fails).
#[test]
fn the_readme_and_ci_examples_use_only_real_commands_and_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The README's code blocks (not its prose), and the CI examples whole.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut fenced = false;
    let mut code = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if fenced {
            code.push_str(line);
            code.push('\n');
        }
    }
    let mut sources = vec![code];
    for example in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        sources.push(std::fs::read_to_string(root.join(example)).unwrap());
    }
    let subcommands = [
        "check", "extract", "sweep", "verify", "history", "show", "diff", "report", "export",
    ];
    let mut tried = 0;
    for line in sources.iter().flat_map(|s| s.lines()) {
        let Some(at) = line.find("provcheck ") else {
            continue;
        };
        let words: Vec<String> = shell_words(&line[at + "provcheck ".len()..])
            .into_iter()
            .take_while(|w| !matches!(w.as_str(), "<" | "|" | ";" | "#" | ">" | "&&"))
            .map(|w| w.trim_end_matches(';').trim_matches('`').to_owned())
            .collect();
        if !words
            .first()
            .is_some_and(|w| subcommands.contains(&w.as_str()))
        {
            continue;
        }
        let dir = TempDir::new().unwrap();
        let out = provcheck(dir.path())
            .args(&words)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`provcheck {}` is not accepted:\n{}",
            words.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        tried += 1;
    }
    assert!(tried >= 30, "only {tried} commands found");
}

/// Words of a shell command line: split at spaces outside quotes, the quotes removed.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}
