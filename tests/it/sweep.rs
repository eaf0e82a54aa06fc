//! The nightly sweep end to end: sources that change between sweeps, confirmed verdicts, the
//! lock, and the budget.

use crate::cli::{json, provcheck, write};
use crate::fixtures::{TEXT, article, edited};
use crate::server::{Resp, TestServer, numbered};
use predicates::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tempfile::TempDir;

#[test]
fn a_sweep_reports_only_what_is_new_and_confirms_before_calling_a_source_dead() {
    let edition = Arc::new(AtomicUsize::new(0));
    let e = Arc::clone(&edition);
    let server = TestServer::start(move |req| {
        let night = e.load(Ordering::SeqCst);
        match (req.target.as_str(), night) {
            ("/stable", _) | ("/breaks" | "/edits" | "/swaps", 0) | ("/recovers", 1..) => {
                Resp::ok(&article(&TEXT))
            }
            ("/swaps", _) => Resp::ok(&article(&[
                "Heavy rain flooded the valley overnight and rescue teams evacuated three villages along the river banks.",
                "The weather service warned of more storms in the coming days and urged residents to stay away from the water.",
            ])),
            ("/edits", _) => Resp::ok(&article(&edited())),
            _ => Resp::status(404),
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/a.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n- {}\n- {}\n",
            server.url("/stable"),
            server.url("/breaks"),
            server.url("/edits"),
            server.url("/swaps")
        ),
    );
    write(
        dir.path(),
        "desk/b.md",
        format!("[source]({})\n", server.url("/recovers")),
    );
    // Failures confirm after 2, with no spacing, so the test need not wait a day.
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nconfirm_failures = 2\nconfirm_spacing = \"0s\"\nhost_interval = \"0s\"\n",
    );
    let sweep = |max_age: &str| {
        provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", max_age, "--format", "json"])
            .output()
            .unwrap()
    };
    let news = |out: &std::process::Output| -> Vec<(String, String)> {
        json(&out.stdout)["news"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let url = n["url"].as_str().unwrap();
                (
                    url[url.rfind('/').unwrap()..].to_owned(),
                    n["what"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };

    let night1 = sweep("20h");
    assert_eq!(night1.status.code(), Some(1));
    assert_eq!(
        news(&night1),
        [("/recovers".to_owned(), "newly-failing".to_owned())]
    );

    // Nothing is due within max-age: no request, no news, exit 0.
    let again = sweep("20h");
    assert_eq!(again.status.code(), Some(0));
    assert!(news(&again).is_empty());
    assert_eq!(json(&again.stdout)["checked_urls"], 0);

    edition.store(1, Ordering::SeqCst);
    let night2 = sweep("0s");
    assert_eq!(night2.status.code(), Some(1));
    let mut n2 = news(&night2);
    n2.sort();
    assert_eq!(
        n2,
        [
            ("/breaks".to_owned(), "newly-failing".to_owned()),
            ("/edits".to_owned(), "edited".to_owned()),
            ("/recovers".to_owned(), "recovered".to_owned()),
            ("/swaps".to_owned(), "newly-failing".to_owned()),
            ("/swaps".to_owned(), "replaced".to_owned()),
        ]
    );

    // Confirmed on the second failure: the 404 is dead, the swapped page replaced.
    let night3 = sweep("0s");
    assert_eq!(night3.status.code(), Some(1));
    let mut n3 = news(&night3);
    n3.sort();
    assert_eq!(
        n3,
        [
            ("/breaks".to_owned(), "newly-dead".to_owned()),
            ("/swaps".to_owned(), "newly-replaced".to_owned()),
        ]
    );

    // Text output for cron: silent when nothing is new.
    let quiet = provcheck(dir.path())
        .args(["sweep", "desk", "--max-age", "0s"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        quiet.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stdout)
    );
    provcheck(dir.path()).arg("verify").assert().code(0);
}

#[test]
fn a_second_sweep_is_refused_while_a_check_may_run() {
    let server = TestServer::start(|req| {
        if req.target == "/a" {
            Resp::ok(&article(&TEXT))
        } else {
            Resp::status(404)
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(dir.path(), "desk/a.txt", server.url("/a"));
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\n",
    );
    std::fs::create_dir(dir.path().join("archive")).unwrap();
    // Another sweep holds the lock.
    let mut held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(dir.path().join("archive/sweep.lock"))
        .unwrap();
    held.lock().unwrap();
    std::io::Write::write_all(&mut held, b"pid 4242 started 2026-11-28T02:00:00Z\n").unwrap();
    provcheck(dir.path())
        .args(["sweep", "desk"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("another sweep is running")
                .and(predicate::str::contains("pid 4242")),
        );
    provcheck(dir.path())
        .args(["check", "desk/a.txt"])
        .assert()
        .code(0);
    drop(held);
    provcheck(dir.path())
        .args(["sweep", "desk"])
        .assert()
        .code(0);
}

#[test]
fn a_budget_stops_early_and_the_next_sweep_takes_the_rest_first() {
    let server = TestServer::start(|req| {
        if numbered(&req.target, "/p/", 400).is_some() {
            Resp::ok(&article(&TEXT[..1])).delay(Duration::from_millis(100))
        } else {
            Resp::status(404)
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    let urls: String = (0..30)
        .map(|i| format!("{}\n", server.url(&format!("/p/{i}"))))
        .collect();
    write(dir.path(), "desk/a.txt", urls);
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nhost_interval = \"0s\"\nhost_concurrency = 2\n",
    );
    let first = provcheck(dir.path())
        .args(["sweep", "desk", "--budget", "500ms", "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&first.stdout);
    let checked = doc["checked_urls"].as_u64().unwrap();
    assert!(
        checked > 0 && checked < 30,
        "stopped early ({checked} checked)"
    );
    assert_eq!(doc["not_checked_urls"].as_u64().unwrap(), 30 - checked);
    let second = provcheck(dir.path())
        .args(["sweep", "desk", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        json(&second.stdout)["checked_urls"].as_u64().unwrap(),
        30 - checked,
        "the rest, and only the rest"
    );
    for i in 0..30 {
        assert_eq!(server.hits(&format!("/p/{i}")), 1, "/p/{i} fetched once");
    }
}

#[test]
fn a_sweep_killed_mid_run_resumes_without_fetching_anything_twice() {
    let server = TestServer::start(|req| {
        if numbered(&req.target, "/p/", 400).is_some() {
            Resp::ok(&article(&TEXT)).delay(Duration::from_millis(20))
        } else {
            Resp::status(404)
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    let urls: String = (0..400)
        .map(|i| format!("{}\n", server.url(&format!("/p/{i}"))))
        .collect();
    write(dir.path(), "desk/a.txt", urls);
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nhost_interval = \"0s\"\nhost_concurrency = 4\nconcurrency = 8\n",
    );
    let mut child = crate::cli::provcheck_process(dir.path())
        .args(["sweep", "desk", "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a good part is done.
    let index = dir.path().join("archive/index.sqlite");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let done: i64 = crate::backends::index_of(dir.path())
            .try_int("SELECT count(*) FROM checks", None)
            .unwrap_or(0);
        if done > 100 || std::time::Instant::now() > deadline {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    provcheck(dir.path()).arg("verify").assert().code(0);

    // The lock died with the process; the next sweep resumes.
    let out = provcheck(dir.path())
        .args(["sweep", "desk", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    provcheck(dir.path()).arg("verify").assert().code(0);
    let conn = crate::backends::index_conn(&index);
    // The cited URLs, not the soft-404 probes' random ones.
    let checked = conn
        .prepare("SELECT DISTINCT u.url FROM checks c JOIN urls u ON u.id = c.url_id")
        .unwrap()
        .query_map((), |r| r.get::<_, String>(0))
        .unwrap()
        .filter(|u| {
            let path = u
                .as_ref()
                .unwrap()
                .splitn(4, '/')
                .nth(3)
                .unwrap_or_default();
            numbered(&format!("/{path}"), "/p/", 400).is_some()
        })
        .count();
    assert_eq!(
        checked, 400,
        "every citation checked once the night is over"
    );
    // A URL fetched but not yet archived at the kill is fetched again. Each such URL still held
    // its global slot (held from the start of a fetch to the commit of its capture), so there
    // are at most `concurrency` of them. Nothing archived is fetched twice.
    let twice = (0..400)
        .filter(|i| server.hits(&format!("/p/{i}")) > 1)
        .count();
    assert!(
        twice <= 8,
        "{twice} URLs fetched twice (at most the 8 whose fetch or capture was under way at the kill)"
    );
    let archived_twice: i64 = conn
        .query_row(
            // Each sweep run reads (and archives) robots.txt once: the resumed run did too.
            "SELECT count(*) FROM (SELECT c.url_id FROM checks c JOIN urls u ON u.id = c.url_id
             WHERE u.url NOT LIKE '%/robots.txt' GROUP BY c.url_id HAVING count(*) > 1) AS twice",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(archived_twice, 0, "no URL checked twice in that night");
}

#[test]
fn robots_txt_makes_a_disallowed_url_blocked_never_dead() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/robots.txt" => {
            Resp::ok("User-agent: *\nDisallow: /private/\n").header("content-type", "text/plain")
        }
        "/public" | "/private/page" => Resp::ok(&article(&TEXT)),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/a.txt",
        format!(
            "{}\n{}\n",
            server.url("/public"),
            server.url("/private/page")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nhost_interval = \"0s\"\nconfirm_failures = 1\nconfirm_spacing = \"0s\"\n",
    );
    for _ in 0..3 {
        let out = provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", "0s", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            json(&out.stdout)["news"].as_array().unwrap().is_empty(),
            "a robots refusal is never news of a dead source: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(server.hits("/private/page"), 0, "never requested");
    assert_eq!(server.hits("/public"), 3);
    let conn = crate::backends::index_conn(&dir.path().join("archive/index.sqlite"));
    let (outcome, detail): (String, String) = conn
        .query_row(
            "SELECT c.outcome, c.detail FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.url LIKE '%/private/page' LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(outcome, "blocked");
    assert!(detail.contains("robots"));
    // The robots.txt that decided it is archived, and the check's evidence names its capture.
    let evidence: String = conn
        .query_row(
            "SELECT c.evidence FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.url LIKE '%/private/page' ORDER BY c.id DESC LIMIT 1",
            (),
            |r| r.get(0),
        )
        .unwrap();
    let evidence: serde_json::Value = serde_json::from_str(&evidence).unwrap();
    assert_eq!(evidence["rule"], "robots");
    assert_eq!(evidence["robots_txt"], server.url("/robots.txt"));
    let (robots_url, status, file): (String, i64, String) = conn
        .query_row(
            "SELECT u.url, s.http_status, f.path FROM checks c JOIN urls u ON u.id = c.url_id
             JOIN snapshots s ON s.id = c.snapshot_id JOIN records r ON r.id = s.record_id
             JOIN warc_files f ON f.id = r.warc_file_id WHERE c.id = ?1",
            [evidence["robots_check_id"].as_i64().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (robots_url.as_str(), status),
        (server.url("/robots.txt").as_str(), 200)
    );
    assert_eq!(evidence["warc_file"], file);
    // (The later sweeps' copies are identical-payload revisits of the first.)
    let warc: Vec<_> = crate::archive::warc_files(&dir.path().join("archive"))
        .iter()
        .flat_map(|f| crate::archive::records_of(f))
        .collect();
    assert!(
        warc.iter().any(
            |r| r.fields.get("warc-target-uri") == Some(&server.url("/robots.txt"))
                && String::from_utf8_lossy(&r.block).contains("Disallow: /private/")
        ),
        "the robots.txt response is in the WARC file"
    );
    // The pre-publication check asks anyway: the editor wants to know.
    provcheck(dir.path())
        .args(["check", "desk/a.txt"])
        .assert()
        .code(0);
    assert_eq!(server.hits("/private/page"), 1);
}

/// Issue 16, item 1: relative links of an article became `invalid-url` for good in a sweep,
/// which had no `--base-url`; an HTML article says where it is published (canonical link).
#[test]
fn relative_links_resolve_against_base_url_or_the_articles_canonical_link() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/world/source" | "/world/other" | "/news/other" => Resp::ok(&article(&TEXT[..1])),
        _ => Resp::status(404),
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(dir.path(), "desk/a.md", "See [the source](source).\n");
    write(
        dir.path(),
        "desk/b.html",
        format!(
            "<html><head><link rel=\"canonical\" href=\"{}\"></head><body>\
             <p>See <a href=\"other\">the other</a>.</p></body></html>",
            server.url("/news/story")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nhost_interval = \"0s\"\n",
    );
    let out = provcheck(dir.path())
        .args(["sweep", "desk", "--max-age", "0s", "--format", "json"])
        .arg("--base-url")
        .arg(server.url("/world/"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        server.hits("/world/source"),
        1,
        "the Markdown link, against --base-url"
    );
    assert_eq!(
        server.hits("/world/other"),
        1,
        "--base-url wins over the canonical link"
    );
    assert_eq!(server.hits("/news/other"), 0);
    // Without --base-url, the HTML article resolves against its own canonical link.
    provcheck(dir.path())
        .args(["check", "desk/b.html"])
        .assert()
        .code(0);
    assert_eq!(server.hits("/news/other"), 1);
}

/// Issue 16, item 4: the cron mail says, per item, the status, the link text, why and what to
/// cite instead, and closes with the counts and the command that shows the rest; a page back
/// to its cited text is `recovered`, not `edited`.
#[test]
fn the_mail_is_worth_reading() {
    let night = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&night);
    let server =
        TestServer::start(
            move |req| match (req.target.as_str(), n.load(Ordering::SeqCst)) {
                ("/dies", 0) | ("/wobbles", 0 | 2) => Resp::ok(&article(&TEXT)),
                ("/wobbles", _) => Resp::ok(&article(&edited())),
                _ => Resp::status(404),
            },
        );
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/a.md",
        format!(
            "The [ministry's statement]({}) and [the briefing]({}).\n",
            server.url("/dies"),
            server.url("/wobbles")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nconfirm_failures = 1\nconfirm_spacing = \"0s\"\nhost_interval = \"0s\"\n",
    );
    let sweep = || {
        provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", "0s"])
            .output()
            .unwrap()
    };
    let quiet = sweep();
    assert!(quiet.stdout.is_empty(), "no news, no mail");
    night.store(1, Ordering::SeqCst);
    let mail = String::from_utf8(sweep().stdout).unwrap();
    // (wrapped at 80 columns: compared with the line breaks as spaces)
    let flat = mail.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "newly-dead",
        "404",
        "\"ministry's statement\"",
        "instead: our archived copy",
        "edited",
        "URLs checked",
        "The rest: provcheck report",
    ] {
        assert!(flat.contains(part), "{part} in:\n{mail}");
    }
    // The briefing goes back to what it said when cited.
    night.store(2, Ordering::SeqCst);
    let mail = String::from_utf8(sweep().stdout).unwrap();
    let line = mail
        .lines()
        .find(|l| l.contains("/wobbles"))
        .unwrap_or_else(|| panic!("{mail}"));
    assert!(line.contains("recovered"), "{line}");
}

/// Issue 16, item 3: the sweep mailed `newly-dead` under its configuration, and `report`
/// under another showed the same archive as "failing 5, dead 0". The archive keeps one
/// policy: both use it, and changing it is an explicit act.
#[test]
fn the_sweep_and_the_report_agree_on_one_policy_stored_in_the_archive() {
    let server = TestServer::start(|_| Resp::status(404));
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/a.txt",
        format!("{}\n", server.url("/gone")),
    );
    let fast = "allow_net = [\"127.0.0.1/32\"]\nconfirm_failures = 2\nconfirm_spacing = \"0s\"\nhost_interval = \"0s\"\n";
    write(dir.path(), "provcheck.toml", fast);
    let sweep = |extra: &[&str]| {
        provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", "0s", "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    sweep(&[]);
    let second = sweep(&[]);
    let news = json(&second.stdout)["news"].clone();
    assert_eq!(news[0]["what"], "newly-dead", "{news}");
    // The report, run under a configuration with the default policy, uses the archive's.
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\n",
    );
    let report = provcheck(dir.path())
        .args(["report", "--offline", "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&report.stdout);
    assert_eq!(
        doc["articles"][0]["citations"][0]["status"], "dead",
        "{doc}"
    );
    assert_eq!(doc["policy"]["source"], "archive");
    assert_eq!(doc["policy"]["confirm_failures"], 2);
    assert!(String::from_utf8_lossy(&report.stderr).contains("differs from the archive's"));
    // A sweep under that other configuration keeps the archive's policy, and says so...
    let kept = sweep(&[]);
    assert!(String::from_utf8_lossy(&kept.stderr).contains("--set-policy"));
    // ...until told to make the configuration's the archive's, which is recorded.
    sweep(&["--set-policy"]);
    let conn = crate::backends::index_conn(&dir.path().join("archive/index.sqlite"));
    let policies: i64 = conn
        .query_row("SELECT count(*) FROM policies", (), |r| r.get(0))
        .unwrap();
    assert_eq!(policies, 2, "the first sweep's, and the explicit change");
    let report = provcheck(dir.path())
        .args(["report", "--offline", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&report.stdout)["policy"]["confirm_failures"], 3);
}
