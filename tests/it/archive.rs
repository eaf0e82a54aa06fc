//! The archive end to end: what check writes, what verify finds, and what survives a kill -9, a
//! full disk and a second process.

use crate::cli::{json, json_exiting, provcheck, write};
use crate::server::{Resp, TestServer, numbered};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A page of `n` bytes of text that differs per `seed`.
fn page(seed: usize, n: usize) -> String {
    let mut s = format!("<html><head><title>Page {seed}</title></head><body><article>");
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    let mut words = 0;
    while s.len() < n {
        // Every third word names the page, so that no two pages share a 4-word shingle (a
        // soft-404 probe's random page is not the page cited).
        words += 1;
        if words % 3 == 0 {
            s.push_str(&format!("p{seed} "));
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(
            [
                "wire ",
                "desk ",
                "source ",
                "minister ",
                "said ",
                "talks ",
                "summit ",
            ][x % 7],
        );
    }
    s.push_str("</article></body></html>");
    s
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A site with every kind of evidence: pages, a duplicate, a gzip-encoded body sent chunked,
/// a 404, a body over the cap, a redirect.
fn evidence_site() -> TestServer {
    TestServer::start(|req| match req.target.as_str() {
        "/page" | "/same" => Resp::ok(&page(1, 1500)).header("content-type", "text/html"),
        "/gz" => {
            let mut r = Resp::status(200)
                .header("content-type", "text/html; charset=utf-8")
                .header("content-encoding", "gzip");
            r.body = gzip(page(2, 1500).as_bytes());
            r.chunked = Some(300);
            r
        }
        "/huge" => Resp::ok(&page(3, 50_000)),
        "/moved" => Resp::redirect(301, "/page"),
        _ => Resp::status(404),
    })
}

pub(crate) fn warc_files(archive: &Path) -> Vec<PathBuf> {
    // In the PostgreSQL + S3 pass the files are objects: copies of them, fetched.
    if let Some(files) = crate::backends::pass_warc_copies(archive) {
        return files;
    }
    let mut files: Vec<PathBuf> = walk(&archive.join("warc"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".warc.gz"))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Runs the reference reader over `files` when the environment names it (`.ci/run` does, with
/// `WARCIO=.venv-ci/bin/warcio`); CI also runs it over the evidence archive left behind.
/// Every record of a `.warc.gz` file, one gzip member each.
pub(crate) fn records_of(file: &std::path::Path) -> Vec<provcheck::warc::ParsedRecord> {
    use std::io::Read as _;
    let data = std::fs::read(file).unwrap();
    let mut rest = &data[..];
    let mut records = Vec::new();
    while !rest.is_empty() {
        let mut decoder = flate2::bufread::GzDecoder::new(rest);
        let mut bytes = Vec::new();
        decoder.read_to_end(&mut bytes).unwrap();
        rest = decoder.into_inner();
        records.push(provcheck::warc::parse_record(&bytes).unwrap());
    }
    records
}

/// warcio's checks on every record (`scripts/warc_check.py`: `warcio check`, with the payload
/// of a chunked response de-chunked as WARC 1.1 defines it), and `warcio index`.
pub(crate) fn warcio_check(files: &[PathBuf]) {
    let Ok(warcio) = std::env::var("WARCIO") else {
        return;
    };
    let python = Path::new(&warcio).with_file_name("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/warc_check.py");
    let runs = [
        (python.as_path(), vec![script.as_os_str()]),
        (Path::new(&warcio), vec!["index".as_ref()]),
    ];
    for (program, args) in runs {
        let out = std::process::Command::new(program)
            .args(&args)
            .args(files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} {args:?} failed:\n{}\n{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn index(archive: &Path) -> provcheck::db::Connection {
    crate::backends::index_conn(&archive.join("index.sqlite"))
}

fn count(conn: &provcheck::db::Connection, sql: &str) -> i64 {
    conn.query_row(sql, (), |r| r.get(0)).unwrap()
}

#[test]
fn check_archives_every_exchange_as_evidence() {
    let server = evidence_site();
    // Left behind in target/tmp for .ci/run to validate with warcio.
    // (The PostgreSQL passes, which run beside the first, keep theirs in the test's directory.)
    let dir = TempDir::new().unwrap();
    let archive = if crate::backends::postgres_pass().is_some() {
        dir.path().join("archive")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("warc-evidence")
    };
    let _ = std::fs::remove_dir_all(&archive);
    let urls: String = ["/page", "/same", "/gz", "/missing", "/huge", "/moved"]
        .iter()
        .map(|p| format!("{}\n", server.url(p)))
        .collect();
    write(dir.path(), "story.txt", urls);
    let out = provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--max-body",
            "10KB",
            "--format",
            "json",
        ])
        .arg("--archive")
        .arg(&archive)
        .output()
        .unwrap();
    let doc = json_exiting(&out, 1);
    let first = &doc["citations"][0];
    // /page and /same serve one payload: whichever is archived first is the response, the
    // other a revisit of it.
    let types: Vec<&str> = (0..2)
        .map(|i| {
            doc["citations"][i]["capture"]["record_type"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        types.contains(&"response") && types.contains(&"revisit"),
        "{types:?}"
    );
    assert_eq!(
        doc["citations"][0]["capture"]["payload_sha256"],
        doc["citations"][1]["capture"]["payload_sha256"]
    );
    assert_eq!(
        first["capture"]["payload_sha256"].as_str().unwrap().len(),
        64
    );

    let conn = crate::backends::index_conn_for(dir.path(), &archive.join("index.sqlite"));
    // Six cited URLs and the host's soft-404 probe.
    assert_eq!(count(&conn, "SELECT count(*) FROM checks"), 7);
    // Those plus the redirect's target: eight responses archived, each with its request.
    assert_eq!(count(&conn, "SELECT count(*) FROM snapshots"), 8);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE record_type = 'request'"
        ),
        8
    );
    assert!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE record_type = 'revisit'"
        ) >= 2
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM snapshots WHERE truncated = 'length'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM snapshots WHERE http_status = 404"
        ),
        2
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM snapshots WHERE content_encoding = 'gzip'"
        ),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM snapshots WHERE length(payload_sha1) = 32"
        ),
        8
    );
    let files = warc_files(&archive);
    // (In a bucket, a file is an object per written batch.)
    if crate::backends::local_warc_only("one WARC file for one run") {
        assert_eq!(files.len(), 1);
    }
    // WARC 1.1 6.7.2: an identical-payload revisit's block is a truncated response.
    let revisits: Vec<_> = files
        .iter()
        .flat_map(|f| records_of(f))
        .filter(|r| r.field("warc-type") == Some("revisit"))
        .collect();
    assert!(!revisits.is_empty());
    for r in &revisits {
        assert_eq!(r.field("warc-truncated"), Some("length"));
    }

    // The gzip body is stored as delivered, and shown decoded.
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(!raw.is_empty());
    let body = provcheck(dir.path())
        .args(["show", "--body", &server.url("/gz")])
        .arg("--archive")
        .arg(&archive)
        .output()
        .unwrap();
    assert_eq!(body.status.code(), Some(0));
    assert_eq!(String::from_utf8(body.stdout).unwrap(), page(2, 1500));

    provcheck(dir.path())
        .arg("verify")
        .arg("--archive")
        .arg(&archive)
        .assert()
        .code(0)
        // Sixteen records of exchanges, the run's manifest, and a warcinfo opening each file.
        .stdout(predicate::str::contains(format!(
            "OK: {} records",
            17 + files.len()
        )));
    warcio_check(&files);
}

#[test]
fn history_show_and_export_read_what_was_archived() {
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n", server.url("/page")),
    );
    for _ in 0..2 {
        provcheck(dir.path())
            .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
            .assert()
            .code(0);
    }
    let url = server.url("/page");
    let history = provcheck(dir.path())
        .args(["history", &url, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(history.status.code(), Some(0));
    let doc = json(&history.stdout);
    let kinds: Vec<_> = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["what"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(kinds.len(), 4);
    assert!(kinds.contains(&"snapshot:response".to_owned()));
    assert!(kinds.contains(&"snapshot:revisit".to_owned()), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "check:ok").count(), 2);

    // The latest capture is the revisit; show resolves its payload.
    provcheck(dir.path())
        .args(["show", &url])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("record: revisit")
                .and(predicate::str::contains("HTTP/1.1 200 OK")),
        );
    provcheck(dir.path())
        .args(["show", "--text", &url])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Page 1"));
    provcheck(dir.path())
        .args(["show", "--at", "2000-01-01", &url])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no capture"));
    provcheck(dir.path())
        .args(["history", &server.url("/never")])
        .assert()
        .code(1);

    let cdxj = provcheck(dir.path())
        .args(["export", "cdxj"])
        .output()
        .unwrap();
    let text = String::from_utf8(cdxj.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(")/page ")).collect();
    assert_eq!(
        lines.len(),
        2,
        "two captures of the page (and one probe per run)"
    );
    assert_eq!(text.lines().count(), 4);
    assert!(lines[0].starts_with("1,0,0,127:"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"mime\":\"warc/revisit\""))
    );
    assert!(lines.iter().all(|l| l.contains("\"digest\":\"sha1:")));
}

#[test]
fn verify_names_a_corrupt_record_and_a_missing_file() {
    if !crate::backends::local_warc_only("a WARC file edited and removed") {
        return;
    }
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n{}\n", server.url("/page"), server.url("/gz")),
    );
    provcheck(dir.path())
        .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(0);
    let archive = dir.path().join("archive");
    let (file, offset, length): (String, i64, i64) = index(&archive)
        .query_row(
            "SELECT f.path, r.offset, r.length FROM records r JOIN warc_files f ON f.id = r.warc_file_id
             WHERE r.record_type = 'response' ORDER BY r.offset LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let path = archive.join(&file);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = usize::try_from(offset + length / 2).unwrap();
    bytes[at] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    provcheck(dir.path()).arg("verify").assert().code(1).stdout(
        predicate::str::contains("corrupt")
            .and(predicate::str::contains(file.as_str()))
            .and(predicate::str::contains(format!("offset {offset}"))),
    );
    std::fs::remove_file(&path).unwrap();
    provcheck(dir.path()).arg("verify").assert().code(1).stdout(
        predicate::str::contains("missing-file").and(predicate::str::contains(file.as_str())),
    );
}

#[test]
fn no_archive_only_checks() {
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", server.url("/page"));
    provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--no-archive",
        ])
        .assert()
        .code(0);
    assert!(!dir.path().join("archive").exists());
}

#[test]
fn an_archive_that_cannot_be_created_exits_2() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "https://example.com/\n");
    write(dir.path(), "not-a-dir", "a file");
    provcheck(dir.path())
        .args(["check", "story.txt", "--archive", "not-a-dir/archive"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not-a-dir/archive"));
}

#[test]
fn an_index_from_a_newer_provcheck_is_refused() {
    if !crate::backends::sqlite_only("PRAGMA user_version") {
        return;
    }
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", "https://example.com/\n");
    std::fs::create_dir(dir.path().join("archive")).unwrap();
    crate::backends::index_conn(&dir.path().join("archive/index.sqlite"))
        .execute_batch("PRAGMA user_version = 42;")
        .unwrap();
    for args in [&["check", "story.txt"][..], &["verify"][..]] {
        provcheck(dir.path()).args(args).assert().code(2).stderr(
            predicate::str::contains("schema version 42").and(predicate::str::contains("newer")),
        );
    }
    let version: i64 = crate::backends::index_conn(&dir.path().join("archive/index.sqlite"))
        .query_row("PRAGMA user_version", (), |r| r.get(0))
        .unwrap();
    assert_eq!(version, 42);
}

/// A site of `n` distinct pages of about 20 KB.
fn big_site() -> TestServer {
    TestServer::start(|req| {
        match req
            .target
            .strip_prefix("/p/")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => Resp::ok(&page(n + 10, 20_000)),
            None => Resp::status(404),
        }
    })
}

fn many_urls(server: &TestServer, range: std::ops::Range<usize>) -> String {
    range
        .map(|i| format!("{}\n", server.url(&format!("/p/{i}"))))
        .collect()
}

#[test]
fn a_kill_9_mid_run_leaves_every_indexed_record_complete_and_the_next_run_recovers() {
    if !crate::backends::local_warc_only("a WARC file cut mid-record on disk (the bucket: s3.rs)") {
        return;
    }
    let server = big_site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "big.txt", many_urls(&server, 0..4000));
    let mut child = crate::cli::provcheck_process(dir.path())
        .args([
            "check",
            "big.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--host-interval",
            "0s",
            "--host-concurrency",
            "16",
            "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written a good part of its WARC file.
    let archive = dir.path().join("archive");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let size: u64 = warc_files(&archive)
            .iter()
            .filter_map(|f| f.metadata().ok())
            .map(|m| m.len())
            .sum();
        if size > 2_000_000 || Instant::now() > deadline {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Every row the index holds points at a complete record, before any recovery.
    provcheck(dir.path()).arg("verify").assert().code(0);
    let conn = index(&archive);
    let checked = count(&conn, "SELECT count(*) FROM checks");
    assert!(
        checked > 0 && checked < 4000,
        "killed mid-run ({checked} checked)"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM warc_files WHERE state = 'open'"
        ),
        1
    );
    drop(conn);

    // The next run recovers the file and carries on.
    write(dir.path(), "small.txt", many_urls(&server, 5000..5010));
    provcheck(dir.path())
        .args(["check", "small.txt", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(0);
    let conn = index(&archive);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM warc_files WHERE state = 'open'"
        ),
        0
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM warc_files WHERE state = 'recovered'"
        ),
        1
    );
    // The killed run is recorded as interrupted, the next one as finished.
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM runs WHERE status = 'interrupted'"
        ),
        1
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM runs WHERE status = 'finished'"),
        1
    );
    provcheck(dir.path()).arg("verify").assert().code(0);
    warcio_check(&warc_files(&archive));
}

#[test]
fn two_processes_write_one_archive_at_once() {
    let server = big_site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a.txt", many_urls(&server, 0..300));
    write(dir.path(), "b.txt", many_urls(&server, 200..500));
    let spawn = |article: &str| {
        crate::cli::provcheck_process(dir.path())
            .args([
                "check",
                article,
                "--allow-net",
                "127.0.0.1/32",
                "--host-interval",
                "0s",
                "--host-concurrency",
                "8",
                "-q",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a.txt"), spawn("b.txt"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let archive = dir.path().join("archive");
    let conn = index(&archive);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM checks"),
        602,
        "600 URLs and one probe per run"
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM runs WHERE status = 'finished'"),
        2
    );
    let files = warc_files(&archive).len();
    if crate::backends::local_warc_only("a WARC file per process") {
        assert_eq!(files, 2, "each process writes its own file");
    } else {
        assert!(files >= 2, "each process writes its own objects: {files}");
    }
    provcheck(dir.path()).arg("verify").assert().code(0);
    warcio_check(&warc_files(&archive));
}

#[test]
fn a_full_disk_ends_the_run_with_exit_2_and_keeps_what_was_written() {
    if !crate::backends::local_warc_only("a full local disk") {
        return;
    }
    let server = big_site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "big.txt", many_urls(&server, 0..400));
    // A file-size limit stands in for a full disk: writes past 1 MB fail (EFBIG) as they would
    // with ENOSPC. SIGXFSZ is ignored so the write fails instead of killing the process.
    let bin = assert_cmd::cargo::cargo_bin("provcheck");
    let out = crate::backends::pass_env(&mut std::process::Command::new("bash"), dir.path())
        .current_dir(dir.path())
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 1024; exec '{}' check big.txt --allow-net 127.0.0.1/32 --host-interval 0s -q",
            bin.display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("archiv"), "{stderr}");
    let conn = index(&dir.path().join("archive"));
    assert!(
        count(&conn, "SELECT count(*) FROM checks") > 0,
        "some captures were kept"
    );
    // The run is recorded as failed, unless the full disk also refused that last index write
    // (about one run in twelve here), which the message then says.
    let failed = count(&conn, "SELECT count(*) FROM runs WHERE status = 'failed'");
    let unrecorded = count(&conn, "SELECT count(*) FROM runs WHERE status = 'running'");
    assert!(
        failed == 1 || (unrecorded == 1 && stderr.contains("cannot close the archive")),
        "failed {failed}, still running {unrecorded}: {stderr}"
    );
    drop(conn);
    provcheck(dir.path()).arg("verify").assert().code(0);
    warcio_check(&warc_files(&dir.path().join("archive")));

    // The next run, with room again, recovers the file; a run whose end could not be recorded
    // is then marked interrupted, never left running.
    write(dir.path(), "small.txt", many_urls(&server, 1000..1002));
    provcheck(dir.path())
        .args(["check", "small.txt", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(0);
    let conn = index(&dir.path().join("archive"));
    assert_eq!(
        count(&conn, "SELECT count(*) FROM runs WHERE status = 'running'"),
        0
    );
}

#[test]
fn warc_files_rotate_at_the_configured_size() {
    let server = big_site();
    let dir = TempDir::new().unwrap();
    write(dir.path(), "story.txt", many_urls(&server, 0..30));
    write(
        dir.path(),
        "provcheck.toml",
        "warc_max_size = \"40KB\"\nallow_net = [\"127.0.0.1/32\"]\n\
         operator = \"Example Desk, standards@example.test\"\ncontact = \"standards@example.test\"\n",
    );
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .assert()
        .code(0);
    let archive = dir.path().join("archive");
    let files = warc_files(&archive);
    // Every record names the warcinfo record of the run; every WARC-Date has microseconds;
    // the warcinfo says who captured, from where, as what, and how robots.txt was treated.
    let records: Vec<provcheck::warc::ParsedRecord> =
        files.iter().flat_map(|f| records_of(f)).collect();
    let warcinfos: Vec<&provcheck::warc::ParsedRecord> = records
        .iter()
        .filter(|r| r.fields["warc-type"] == "warcinfo")
        .collect();
    let first = &warcinfos[0].fields["warc-record-id"];
    for r in &records {
        let date = &r.fields["warc-date"];
        assert!(
            date.len() == "2026-11-30T03:00:00.000000Z".len() && date.as_bytes()[19] == b'.',
            "{date}"
        );
        if r.fields["warc-record-id"] != *first {
            assert_eq!(&r.fields["warc-warcinfo-id"], first, "{:?}", r.fields);
        }
    }
    let info = String::from_utf8_lossy(&warcinfos[0].block);
    for field in [
        "software: provcheck/",
        "format: WARC File Format 1.1",
        "conformsTo: http://iipc.github.io/warc-specifications/",
        "operator: Example Desk, standards@example.test\r\n",
        "http-header-user-agent: provcheck/",
        "standards@example.test",
        "robots: ignore",
        "hostname: ",
    ] {
        assert!(info.contains(field), "{field} in {info}");
    }
    assert!(files.len() >= 3, "{} files", files.len());
    for f in &files {
        // A file grows past the limit only by its first record.
        assert!(f.metadata().unwrap().len() < 80_000, "{}", f.display());
        assert!(
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("provcheck-")
        );
    }
    let conn = index(&archive);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM records WHERE record_type = 'warcinfo'"
        ),
        i64::try_from(files.len()).unwrap()
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM warc_files WHERE state = 'closed'"
        ),
        i64::try_from(files.len()).unwrap()
    );
    drop(conn);
    provcheck(dir.path()).arg("verify").assert().code(0);
    warcio_check(&files);
}

#[test]
fn sigterm_stops_a_run_at_a_record_boundary_with_a_partial_report() {
    let server = TestServer::start(|req| {
        if numbered(&req.target, "/p/", 200).is_some() {
            Resp::ok(&page(7, 2_000)).delay(Duration::from_millis(100))
        } else {
            Resp::status(404)
        }
    });
    let dir = TempDir::new().unwrap();
    write(dir.path(), "many.txt", many_urls(&server, 0..200));
    let child = crate::cli::provcheck_process(dir.path())
        .args([
            "check",
            "many.txt",
            "--allow-net",
            "127.0.0.1/32",
            "--host-interval",
            "0s",
            "--host-concurrency",
            "2",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "stopped within seconds"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not checked"), "{stderr}");
    // The report tells the truth: every citation is in it, those the run never reached
    // `not-checked` (they were left out, and the article read as citing fewer URLs).
    let doc = json(&out.stdout);
    let citations = doc["citations"].as_array().unwrap();
    assert_eq!(citations.len(), 200);
    let not_checked = citations
        .iter()
        .filter(|c| c["outcome"] == "not-checked")
        .count();
    assert!(
        not_checked > 0 && not_checked < 200,
        "{not_checked} not checked"
    );
    assert!(
        stderr.contains(&format!("{not_checked} URLs not checked")),
        "{stderr}"
    );
    let conn = index(&dir.path().join("archive"));
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM warc_files WHERE state = 'open'"
        ),
        0,
        "the file was closed"
    );
    drop(conn);
    provcheck(dir.path()).arg("verify").assert().code(0);
}

/// Issue 13, finding 7: an index that fails SQLite's own integrity check is a problem `verify`
/// reports (it said "0 problems" while `history` and `report` failed with "malformed").
#[test]
fn issue_13_verify_runs_sqlites_integrity_check_on_the_index() {
    if !crate::backends::sqlite_only("SQLite's integrity check") {
        return;
    }
    let (_server, dir, _) = one_page_checked();
    provcheck(dir.path()).arg("verify").assert().code(0);
    // An index whose entries no longer match its definition: every record is still readable,
    // but SQLite finds rows missing from the index.
    {
        let conn = crate::backends::index_conn(&dir.path().join("archive/index.sqlite"));
        conn.execute_batch(
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = replace(sql, '(payload_sha256)', '(captured_at)')
             WHERE name = 'snapshots_by_payload';
             PRAGMA writable_schema = OFF;",
        )
        .unwrap();
    }
    provcheck(dir.path()).arg("verify").assert().code(1).stdout(
        predicate::str::contains("index: index.sqlite")
            .and(predicate::str::contains("SQLite integrity check")),
    );
}

/// Issue 13, finding 6: a read-only archive (another user's, a read-only mount) could not be
/// read: every read command exited 2 "unable to open database file". Read commands open the
/// index read-only; report and diff use it without filling their caches. Run as root (CI), the
/// commands run as `nobody` through setpriv, for whom the archive is not writable.
#[test]
fn issue_13_a_read_only_archive_can_be_read() {
    use std::os::unix::fs::PermissionsExt;
    if !crate::backends::sqlite_only("a read-only index file") {
        return;
    }
    let (_server, dir, url) = one_page_checked();
    let archive = dir.path().join("archive");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    // Everything readable by all, writable by no one but root.
    let mode = |path: &Path, dir_mode: u32, file_mode: u32| {
        for entry in entries_under(path) {
            let m = if entry.is_dir() { dir_mode } else { file_mode };
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(m)).unwrap();
        }
    };
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    mode(&archive, 0o555, 0o444);
    let bin = assert_cmd::cargo::cargo_bin("provcheck");
    let run = |args: &[&str]| {
        let mut cmd = if is_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            c
        } else {
            std::process::Command::new(&bin)
        };
        cmd.current_dir(dir.path())
            .env("PROVCHECK_OFFLINE", "1")
            .args(args)
            .output()
            .unwrap()
    };
    let outputs = [
        run(&["verify"]),
        run(&["history", &url]),
        run(&["show", &url, "--text"]),
        run(&["export", "cdxj"]),
        run(&["report", "--format", "json", "--all"]),
        run(&["diff", &url]),
    ];
    mode(&archive, 0o755, 0o644);
    for out in &outputs {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(String::from_utf8_lossy(&outputs[2].stdout).contains("What it said."));
    assert!(String::from_utf8_lossy(&outputs[4].stdout).contains(&url));
}

/// Every file and directory under `root`, `root` included.
fn entries_under(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            for entry in std::fs::read_dir(&out[i]).unwrap() {
                out.push(entry.unwrap().path());
            }
        }
        i += 1;
    }
    out
}

/// Issue 13: a damaged index is not trusted with an allocation or an addition. A record length
/// of 2^63-1 made `show` allocate that much (a panic, exit 101) and `verify` overflow.
#[test]
fn issue_13_an_index_claiming_a_huge_record_is_a_clear_error() {
    let (_server, dir, url) = one_page_checked();
    crate::backends::index_conn(&dir.path().join("archive/index.sqlite"))
        .execute_batch(&format!(
            "UPDATE records SET length = {} WHERE record_type = 'response'",
            i64::MAX
        ))
        .unwrap();
    provcheck(dir.path())
        .args(["show", &url])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".warc.gz").and(predicate::str::contains("ends at byte")));
    provcheck(dir.path())
        .arg("verify")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("truncated"));
}

/// A site of one page (`/a`, anything else 404) and an archive holding one fine check of it:
/// the server (kept alive), the directory and the page's URL.
fn one_page_checked() -> (TestServer, TempDir, String) {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/a" => Resp::ok("<html><title>A source</title><body><p>What it said.</p></body></html>")
            .header("content-type", "text/html"),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    let url = server.url("/a");
    write(dir.path(), "story.txt", format!("{url}\n"));
    provcheck(dir.path())
        .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(0);
    (server, dir, url)
}

/// The entries of a zip file: name, whether stored uncompressed, and bytes.
pub(crate) fn zip_entries(path: &Path) -> Vec<(String, bool, Vec<u8>)> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (
                entry.name().unwrap().into_owned(),
                entry.compression() == zip::CompressionMethod::Stored,
                bytes,
            )
        })
        .collect()
}

#[test]
fn export_wacz_packages_one_articles_evidence_that_tools_accept() {
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "a.txt",
        format!("{}\n{}\n", server.url("/moved"), server.url("/gz")),
    );
    write(dir.path(), "b.txt", format!("{}\n", server.url("/same")));
    // b's /same first, alone: its payload (/page's too) is archived there, whatever order the
    // fetches of a run end in (a loaded machine once let a's redirect to /page win).
    provcheck(dir.path())
        .args(["check", "b.txt", "--allow-net", "127.0.0.1/32"])
        .assert()
        .code(0);
    for _ in 0..2 {
        provcheck(dir.path())
            .args(["check", "a.txt", "b.txt", "--allow-net", "127.0.0.1/32"])
            .assert()
            .code(0);
    }
    let wacz = dir.path().join("a.wacz");
    provcheck(dir.path())
        .args(["export", "wacz", "--article", "a", "--title", "Article a"])
        .arg("-o")
        .arg(&wacz)
        .assert()
        .code(0);
    let entries = zip_entries(&wacz);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "archive/data.warc.gz",
            "indexes/index.cdxj",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json"
        ]
    );
    assert!(
        entries.iter().all(|e| e.1),
        "every entry stored, not deflated"
    );
    let file = |name: &str| &entries.iter().find(|e| e.0 == name).unwrap().2;
    // The datapackage lists every file with its size and SHA-256; its digest file, its own.
    let package: serde_json::Value = serde_json::from_slice(file("datapackage.json")).unwrap();
    assert_eq!(package["wacz_version"], "1.1.1");
    assert_eq!(package["title"], "Article a");
    let resources = package["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 3);
    for r in resources {
        let bytes = file(r["path"].as_str().unwrap());
        assert_eq!(r["bytes"], bytes.len());
        assert_eq!(
            r["hash"],
            format!("sha256:{}", provcheck::warc::Sha256::of(&[bytes]).hex())
        );
    }
    let digest: serde_json::Value =
        serde_json::from_slice(file("datapackage-digest.json")).unwrap();
    assert_eq!(
        digest["hash"],
        format!(
            "sha256:{}",
            provcheck::warc::Sha256::of(&[file("datapackage.json")]).hex()
        )
    );
    // The pages are article a's cited URLs, never b's; each has its capture time and title.
    let pages: Vec<serde_json::Value> = String::from_utf8(file("pages/pages.jsonl").clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pages[0]["format"], "json-pages-1.0");
    let urls: Vec<&str> = pages[1..]
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&server.url("/gz").as_str()), "{urls:?}");
    assert!(!urls.iter().any(|u| u.ends_with("/same")), "{urls:?}");
    assert!(
        pages[1..]
            .iter()
            .all(|p| p["title"].as_str().is_some_and(|t| t.starts_with("Page")))
    );
    // Every index line points at a whole record of data.warc.gz with its URL; the data holds
    // the redirect's target too, and every record is a copy of the archive's.
    let data = dir.path().join("data.warc.gz");
    std::fs::write(&data, file("archive/data.warc.gz")).unwrap();
    let cdxj = String::from_utf8(file("indexes/index.cdxj").clone()).unwrap();
    assert!(cdxj.contains(")/page "), "{cdxj}");
    // /page's payload was first archived at b's /same: that original is in, for replay to
    // resolve the revisit, though it is no page of article a.
    assert!(cdxj.contains(")/same "), "{cdxj}");
    let bytes = std::fs::read(&data).unwrap();
    for line in cdxj.lines() {
        let json: serde_json::Value =
            serde_json::from_str(line.splitn(3, ' ').nth(2).unwrap()).unwrap();
        let offset: usize = json["offset"].as_str().unwrap().parse().unwrap();
        let length: usize = json["length"].as_str().unwrap().parse().unwrap();
        let mut member = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&bytes[offset..offset + length]),
            &mut member,
        )
        .unwrap();
        let record = provcheck::warc::parse_record(&member).unwrap();
        assert_eq!(record.field("warc-target-uri"), json["url"].as_str());
    }
    let records = records_of(&data);
    assert_eq!(records[0].fields["warc-type"], "warcinfo");
    warcio_check(&[data]);
    if let Ok(validator) = std::env::var("WACZ") {
        let out = std::process::Command::new(validator)
            .args(["validate", "-f"])
            .arg(&wacz)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "wacz validate:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // An article the archive does not know is an error, and nothing is written.
    let missing = dir.path().join("missing.wacz");
    provcheck(dir.path())
        .args(["export", "wacz", "--article", "nope", "-o"])
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope"));
    assert!(!missing.exists());
}

/// Issue 17, part 3: each run closes with a manifest chained to the previous one; `verify
/// --chain` recomputes the chain and names the first link that does not hold.
#[test]
fn every_run_is_sealed_by_a_manifest_and_verify_chain_finds_tampering() {
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n{}\n", server.url("/page"), server.url("/missing")),
    );
    for _ in 0..2 {
        provcheck(dir.path())
            .args(["check", "story.txt", "--allow-net", "127.0.0.1/32"])
            .assert()
            .code(1);
    }
    let verify = || {
        provcheck(dir.path())
            .args(["verify", "--chain"])
            .output()
            .unwrap()
    };
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("chain: OK: 2 manifests linked; 0 time-stamped; head: run 2"),
        "{text}"
    );
    let archive = dir.path().join("archive");
    let files = warc_files(&archive);
    let manifests: Vec<_> = files
        .iter()
        .flat_map(|f| records_of(f))
        .filter(|r| {
            r.field("content-type")
                .is_some_and(|t| t.contains("provcheck-manifest"))
        })
        .collect();
    assert_eq!(manifests.len(), 2, "one manifest record per run");
    let first = String::from_utf8_lossy(&manifests[0].block).into_owned();
    assert!(
        first.contains("\"outcome\":\"not-found\"") && first.contains("\"record\":\"<urn:uuid:")
    );
    // The audit shows the head, for the desk's lawyers.
    let head_hash = text
        .split("sha256 ")
        .nth(1)
        .map(|h| h.trim().to_owned())
        .unwrap();
    let report = provcheck(dir.path())
        .args(["report", "--format", "md"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&report.stdout).into_owned();
    assert!(
        report.contains("Record chain head: run 2, sha256") && report.contains(&head_hash),
        "{report}"
    );
    let second = String::from_utf8_lossy(&manifests[1].block).into_owned();
    let head: serde_json::Value = serde_json::from_str(second.lines().next().unwrap()).unwrap();
    assert!(head["prev_sha256"].as_str().is_some_and(|h| h.len() == 64));
    warcio_check(&files);

    // An outcome edited after the fact: the run is named.
    let conn = index(&archive);
    conn.execute(
        "UPDATE checks SET outcome = 'ok' WHERE id = (SELECT min(id) FROM checks WHERE outcome = 'not-found')",
        (),
    )
    .unwrap();
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("chain: FAIL after 0 manifests: run 1:"),
        "{text}"
    );
    conn.execute(
        "UPDATE checks SET outcome = 'not-found' WHERE id = (SELECT min(id) FROM checks WHERE http_status = 404)",
        (),
    )
    .unwrap();
    assert_eq!(verify().status.code(), Some(0));

    // The first run's manifest removed from the index: the second no longer follows.
    conn.execute("DELETE FROM manifests WHERE run_id = 1", ())
        .unwrap();
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("run 2's manifest does not follow"), "{text}");
}

/// A time-stamp authority on loopback: `openssl ts -reply` with the test TSA (its certificate and
/// key in tests/fixtures/tsa) answers each RFC 3161 request POSTed to it. `None` when no
/// `openssl` binary is on PATH.
fn local_tsa() -> Option<(std::net::SocketAddr, TempDir)> {
    use std::io::{Read as _, Write as _};
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let work = TempDir::new().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tsa");
    for f in ["ts.cnf", "tsa.pem", "tsa.key"] {
        std::fs::copy(fixtures.join(f), work.path().join(f)).unwrap();
    }
    std::fs::write(work.path().join("serial"), "01\n").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = work.path().to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let Ok(n) = s.read(&mut buf) else { return };
                if n == 0 {
                    return;
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while data.len() < head_end + length {
                let Ok(n) = s.read(&mut buf) else { return };
                if n == 0 {
                    return;
                }
                data.extend_from_slice(&buf[..n]);
            }
            std::fs::write(dir.join("req.tsq"), &data[head_end..head_end + length]).unwrap();
            let made = std::process::Command::new("openssl")
                .args([
                    "ts",
                    "-reply",
                    "-config",
                    "ts.cnf",
                    "-section",
                    "tsa_config",
                    "-queryfile",
                    "req.tsq",
                    "-signer",
                    "tsa.pem",
                    "-inkey",
                    "tsa.key",
                    "-out",
                    "resp.tsr",
                ])
                .current_dir(&dir)
                .output()
                .unwrap();
            let reply = if made.status.success() {
                std::fs::read(dir.join("resp.tsr")).unwrap()
            } else {
                Vec::new()
            };
            let _ = s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.len()
                )
                .as_bytes(),
            );
            let _ = s.write_all(&reply);
        }
    });
    Some((addr, work))
}

/// Issue 17, part 3: with `tsa_url`, each run's manifest is time-stamped (RFC 3161) by that
/// authority; `verify --chain` checks the reply is for the manifest, the standard tool verifies
/// the authority's signature on it, and a reply that does not hold is a break.
#[test]
fn manifests_are_time_stamped_by_a_local_authority() {
    let Some((tsa, _work)) = local_tsa() else {
        eprintln!("skipped: no openssl binary for the local time-stamp authority");
        return;
    };
    let server = evidence_site();
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!("{}\n", server.url("/page")),
    );
    write(
        dir.path(),
        "provcheck.toml",
        format!("allow_net = [\"127.0.0.1/32\"]\ntsa_url = \"http://{tsa}/tsa\"\n"),
    );
    provcheck(dir.path())
        .args(["check", "story.txt"])
        .assert()
        .code(0);
    let out = provcheck(dir.path())
        .args(["verify", "--chain"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("chain: OK: 1 manifest linked; 1 time-stamped; head: run 1")
            && text.contains(", time-stamped 20"),
        "{text}"
    );
    let report = provcheck(dir.path())
        .args(["report", "--format", "md"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&report.stdout).contains(", time-stamped 20"),
        "the audit shows the head's time-stamp"
    );
    // The reply kept is one the standard tool verifies against the authority's certificate.
    let conn = index(&dir.path().join("archive"));
    let (reply, sha): (Vec<u8>, String) = conn
        .query_row(
            "SELECT tsa_reply, sha256 FROM manifests WHERE run_id = 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    std::fs::write(dir.path().join("reply.tsr"), &reply).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tsa");
    let verified = std::process::Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-in",
            "reply.tsr",
            "-digest",
            &sha,
            "-CAfile",
        ])
        .arg(fixtures.join("tsa.pem"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("Verification: OK"),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    // A reply swapped for another hash's: a break.
    let imprint = reply.windows(2).position(|w| w == [0x04, 0x20]).unwrap();
    let mut swapped = reply.clone();
    swapped[imprint + 2] ^= 0xff;
    conn.execute(
        "UPDATE manifests SET tsa_reply = ?1 WHERE run_id = 1",
        [&swapped],
    )
    .unwrap();
    let out = provcheck(dir.path())
        .args(["verify", "--chain"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("its time-stamp does not hold"), "{text}");
}
