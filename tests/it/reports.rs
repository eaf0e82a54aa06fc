//! Audit reports over an archive built by real sweeps against a loopback site: a dead source, a
//! soft-404, an edited and a replaced source, a permanent redirect and a source with a hostile
//! title; a loopback stand-in of the Wayback availability API (a capture found, none found, an
//! error, a slow answer); filters; determinism; escaping.

use crate::cli::{json, json_exiting, provcheck, write};
use crate::fixtures::{TEXT, edited, page};
use crate::server::{Resp, TestServer};
use predicates::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tempfile::TempDir;

const HOSTILE_TITLE: &str = "<script>alert(1)</script>";
const HOSTILE_ANCHOR: &str = "<img src=x onerror=\"document.body.dataset.pwned=1\">";

/// A desk archive after three nights, the Wayback stand-in, and the directory to run in.
struct Desk {
    dir: TempDir,
    site: TestServer,
    wayback: TestServer,
}

impl Desk {
    fn report(&self, args: &[&str]) -> std::process::Output {
        provcheck(self.dir.path())
            .env_remove("PROVCHECK_OFFLINE")
            .arg("report")
            .args(args)
            .args([
                "--wayback-endpoint",
                &self.wayback.url("/wayback/available"),
                "--timeout",
                "1s",
                "--retries",
                "0",
            ])
            .output()
            .unwrap()
    }

    fn report_ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.report(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

fn desk() -> Desk {
    let night = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&night);
    let site = TestServer::start(move |req| {
        let later = n.load(Ordering::SeqCst) > 0;
        match (req.target.as_str(), later) {
            ("/stable" | "/dies" | "/soft" | "/edits" | "/swaps" | "/moves", false) => {
                Resp::ok(&page("Story", &TEXT))
            }
            ("/stable" | "/new-home", _) => Resp::ok(&page("Story", &TEXT)),
            ("/hostile", false) => Resp::ok(&page(HOSTILE_TITLE, &TEXT)),
            ("/hostile", true) => {
                let mut t = TEXT;
                t[1] = "<b>bold</b> & <script>alert(2)</script> replaced the delegation paragraph entirely here.";
                Resp::ok(&page(HOSTILE_TITLE, &t))
            }
            ("/gone", _) => Resp::status(410),
            ("/soft", true) => Resp::ok(&page(
                "Page not found",
                &["Sorry, the page you were looking for could not be found."],
            )),
            ("/edits", true) => Resp::ok(&page("Story", &edited())),
            ("/swaps", true) => Resp::ok(&page(
                "Floods",
                &[
                    "Heavy rain flooded the valley overnight and rescue teams evacuated three villages along the river banks.",
                    "The weather service warned of more storms in the coming days and urged residents to stay away from the water.",
                ],
            )),
            ("/moves", true) => Resp::redirect(301, "/new-home"),
            _ => Resp::status(404),
        }
    });
    // The availability API: found for /dies, none for /soft, an error for /swaps, too slow
    // for /gone.
    let wayback = TestServer::start(|req| {
        let t = req.target.as_str();
        if t.contains("%2Fdies") {
            Resp::ok(r#"{"archived_snapshots":{"closest":{"available":true,"status":"200","timestamp":"20200101000000","url":"http://web.archive.org/web/20200101000000/http://x/dies"}}}"#)
                .header("content-type", "application/json")
        } else if t.contains("%2Fsoft") {
            Resp::ok(r#"{"url":"x","archived_snapshots":{}}"#)
        } else if t.contains("%2Fgone") {
            Resp::ok(r#"{"archived_snapshots":{}}"#).delay(Duration::from_secs(5))
        } else {
            Resp::status(503)
        }
    });

    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/a.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n- {}\n- {}\n- {}\n- {}\n",
            site.url("/stable"),
            site.url("/dies"),
            site.url("/soft"),
            site.url("/edits"),
            site.url("/swaps"),
            site.url("/gone"),
        ),
    );
    write(
        dir.path(),
        "desk/b.html",
        format!(
            "<html><body><p>Moved: <a href=\"{}\">the ministry</a>.</p>\n<p>Hostile: <a href=\"{}\">{}</a>.</p></body></html>\n",
            site.url("/moves"),
            site.url("/hostile"),
            HOSTILE_ANCHOR
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('"', "&quot;")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nconfirm_failures = 2\nconfirm_spacing = \"0s\"\nhost_interval = \"0s\"\nsoft404_probe = false\nwitness = false\n",
    );
    for n in 0..3 {
        night.store(n, Ordering::SeqCst);
        let out = provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", "0s", "--format", "json"])
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Desk { dir, site, wayback }
}

fn citation<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    doc["articles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["citations"].as_array().unwrap())
        .find(|c| c["url"].as_str().unwrap().ends_with(path))
        .unwrap_or_else(|| panic!("{path} not listed in {doc:#}"))
}

fn kinds(c: &serde_json::Value) -> Vec<&str> {
    c["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn the_report_tells_the_desk_what_died_changed_or_moved_and_what_to_cite_instead() {
    let desk = desk();
    let doc = json(&desk.report_ok(&["--format", "json"]));
    assert_eq!(doc["schema_version"], 1);
    let summary = &doc["summary"];
    assert_eq!(summary["articles"], 2);
    assert_eq!(summary["articles_checked"], 2);
    assert_eq!(summary["articles_affected"], 2);
    assert_eq!(summary["citations"], 8);
    let by_status: std::collections::BTreeMap<String, u64> = summary["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_status["dead"], 2, "{summary:#}");
    assert_eq!(by_status["soft-404"], 1, "{summary:#}");
    assert_eq!(by_status["replaced"], 1, "{summary:#}");
    assert_eq!(by_status["edited"], 2, "{summary:#}");
    assert_eq!(by_status["moved"], 1, "{summary:#}");
    assert_eq!(by_status["ok"], 1, "{summary:#}");
    assert_eq!(summary["listed"], 7);
    assert_eq!(summary["not_listed"], 1);

    // Night by night: three sweeps, every check counted once, the news of each night.
    let nights = doc["nights"].as_array().unwrap();
    let runs: usize = nights
        .iter()
        .map(|n| n["runs"].as_array().unwrap().len())
        .sum();
    assert_eq!(runs, 3);
    let news = |what: &str| -> u64 {
        nights
            .iter()
            .flat_map(|n| n["news"].as_array().unwrap())
            .filter(|c| c["name"] == what)
            .map(|c| c["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(news("newly-dead"), 2);
    assert_eq!(news("newly-soft-404"), 1);
    assert_eq!(news("newly-replaced"), 1);

    // Problems first: article a (two dead sources) before b; dead before edited within it.
    assert_eq!(doc["articles"][0]["id"], "a");
    assert_eq!(doc["articles"][0]["citations"][0]["status"], "dead");

    let dies = citation(&doc, "/dies");
    assert_eq!(dies["status"], "dead");
    assert_eq!(dies["checks"], 3);
    assert!(dies["last_fine"].as_str().unwrap() < dies["since"].as_str().unwrap());
    let reference = &dies["reference"];
    assert_eq!(reference["sha256"].as_str().unwrap().len(), 64);
    assert!(
        reference["warc_file"]
            .as_str()
            .unwrap()
            .ends_with(".warc.gz")
    );
    let show = reference["show"].as_str().unwrap();
    assert!(
        show.starts_with("provcheck show ") && show.contains(" --at "),
        "{show}"
    );
    assert_eq!(kinds(dies), ["archived-copy", "wayback"]);
    assert_eq!(
        dies["suggestions"][1]["url"],
        "http://web.archive.org/web/20200101000000/http://x/dies"
    );
    assert_eq!(dies["suggestions"][1]["after_citation"], false);

    // The show command in the report prints the archived copy.
    let words: Vec<String> = show
        .split_whitespace()
        .skip(1)
        .map(|w| w.trim_matches('\'').to_owned())
        .collect();
    provcheck(desk.dir.path())
        .args(&words)
        .arg("--text")
        .assert()
        .success()
        .stdout(predicate::str::contains("talks with regional partners"));

    let soft = citation(&doc, "/soft");
    assert_eq!(soft["status"], "soft-404");
    assert_eq!(soft["soft404"]["rule"], "title");
    assert_eq!(kinds(soft), ["archived-copy", "wayback-none"]);

    let swaps = citation(&doc, "/swaps");
    assert_eq!(swaps["status"], "replaced");
    assert_eq!(swaps["change"]["grade"], "replaced");
    assert_eq!(kinds(swaps), ["archived-copy", "wayback-failed"]);
    assert!(
        swaps["suggestions"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("503")
    );

    let gone = citation(&doc, "/gone");
    assert_eq!(gone["status"], "dead");
    assert_eq!(gone["last_fine"], serde_json::Value::Null);
    // Never fine: no archived copy of ours; the slow API timed out.
    assert_eq!(kinds(gone), ["wayback-failed"]);
    assert!(
        gone["suggestions"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("timeout")
    );

    let edits = citation(&doc, "/edits");
    assert_eq!(edits["status"], "edited");
    assert!(edits["change"]["similarity"].as_f64().unwrap() > 0.3);
    let excerpt = edits["change"]["excerpt"].as_array().unwrap();
    assert!(excerpt.iter().any(|s| s["kind"] == "removed"));
    assert!(
        excerpt
            .iter()
            .any(|s| s["kind"] == "added" && s["text"].as_str().unwrap().contains("Economists"))
    );

    let moves = citation(&doc, "/moves");
    assert_eq!(moves["status"], "moved");
    assert_eq!(kinds(moves), ["new-url"]);
    assert_eq!(moves["suggestions"][0]["url"], desk.site.url("/new-home"));

    let hostile = citation(&doc, "/hostile");
    assert_eq!(hostile["anchor"], HOSTILE_ANCHOR);
    assert_eq!(hostile["reference"]["title"], HOSTILE_TITLE);

    // --all lists the fine one too.
    let all = json(&desk.report_ok(&["--format", "json", "--all", "--offline"]));
    assert_eq!(citation(&all, "/stable")["status"], "ok");
}

#[test]
fn wayback_answers_are_cached_and_failures_are_asked_again() {
    let desk = desk();
    desk.report_ok(&["--format", "json"]);
    let asked = desk.wayback.total_hits();
    assert_eq!(asked, 4, "one lookup per source to replace");

    // Offline: cached answers only; the failures are simply absent.
    let offline = json(&desk.report_ok(&["--format", "json", "--offline"]));
    assert_eq!(desk.wayback.total_hits(), asked);
    assert_eq!(
        kinds(citation(&offline, "/dies")),
        ["archived-copy", "wayback"]
    );
    assert_eq!(
        kinds(citation(&offline, "/soft")),
        ["archived-copy", "wayback-none"]
    );
    assert_eq!(kinds(citation(&offline, "/swaps")), ["archived-copy"]);

    // Online again: only the two that failed are asked again.
    desk.report_ok(&["--format", "json"]);
    assert_eq!(desk.wayback.total_hits(), asked + 2);
}

#[test]
fn the_same_archive_gives_byte_identical_reports_in_every_format() {
    let desk = desk();
    desk.report_ok(&["--format", "json"]); // fills the Wayback cache
    for format in ["html", "md", "csv", "json"] {
        let a = desk.report_ok(&["--format", format, "--offline"]);
        let b = desk.report_ok(&["--format", format, "--offline"]);
        assert!(!a.is_empty());
        assert!(a == b, "{format} differs between two runs");
    }
    // -o writes the same bytes to a file.
    let html = desk.report_ok(&["--format", "html", "--offline"]);
    desk.report_ok(&["--format", "html", "--offline", "-o", "audit.html"]);
    assert_eq!(
        std::fs::read(desk.dir.path().join("audit.html")).unwrap(),
        html
    );
}

#[test]
fn filters_select_articles_statuses_and_a_period() {
    let desk = desk();
    let listed = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["--format", "json", "--offline"];
        a.extend_from_slice(args);
        let doc = json(&desk.report_ok(&a));
        doc["articles"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["citations"].as_array().unwrap())
            .map(|c| {
                let url = c["url"].as_str().unwrap();
                url[url.rfind('/').unwrap()..].to_owned()
            })
            .collect()
    };
    assert_eq!(listed(&["--article", "b"]), ["/hostile", "/moves"]);
    assert_eq!(listed(&["--status", "dead"]), ["/dies", "/gone"]);
    assert_eq!(listed(&["--status", "moved,ok"]), ["/moves", "/stable"]);
    assert_eq!(listed(&["--since", "1d"]).len(), 7);
    assert!(listed(&["--since", "2999-01-01"]).is_empty());
    let future = json(&desk.report_ok(&["--format", "json", "--offline", "--since", "2999-01-01"]));
    assert!(future["nights"].as_array().unwrap().is_empty());
    assert_eq!(
        future["summary"]["citations"], 8,
        "the summary still counts all"
    );
}

#[test]
fn bad_report_arguments_exit_2_with_a_message() {
    let desk = desk();
    let out = desk.report(&["--article", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article nope"));
    let out = desk.report(&["--status", "deceased"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown status \"deceased\""));
    let out = desk.report(&["--since", "a while"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid --since"));
    // (With the index in PostgreSQL a directory is not needed to read it: the WARC files may
    // be in a bucket.)
    if crate::backends::sqlite_only("an archive directory without index.sqlite") {
        let out = desk.report(&["--archive", "no-such-archive"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-archive"));
    }
    let out = desk.report(&["--offline", "-o", "no-such-dir/report.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir/report.html"));
}

#[test]
fn text_from_sources_and_articles_is_escaped_in_every_format() {
    let desk = desk();
    let html = String::from_utf8(desk.report_ok(&["--format", "html", "--offline"])).unwrap();
    assert!(!html.contains(HOSTILE_TITLE), "raw title in the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>bold"));
    // Structurally: no script, no event handler, and every link a web address.
    let doc = scraper::Html::parse_document(&html);
    let all = scraper::Selector::parse("*").unwrap();
    for element in doc.select(&all) {
        let e = element.value();
        assert_ne!(e.name(), "script");
        assert_ne!(e.name(), "img");
        assert!(e.attrs().all(|(name, _)| !name.starts_with("on")), "{e:?}");
        if let Some(href) = e.attr("href") {
            assert!(
                href.starts_with("http://") || href.starts_with("https://"),
                "{href}"
            );
        }
        // Self-contained: nothing loaded from elsewhere.
        assert!(e.attr("src").is_none(), "{e:?}");
        assert!(!(e.name() == "link" && e.attr("rel") == Some("stylesheet")));
    }
    let text: String = doc.root_element().text().collect();
    assert!(text.contains(HOSTILE_TITLE), "the title shows as written");
    assert!(text.contains(HOSTILE_ANCHOR), "the anchor shows as written");

    let md = String::from_utf8(desk.report_ok(&["--format", "md", "--offline"])).unwrap();
    // Every `<` in the Markdown is backslash-escaped: no HTML reaches a Markdown renderer.
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "{md}"
    );
    assert!(md.contains(r"\<script\>alert\(1\)\</script\>"));

    let csv = desk.report_ok(&["--format", "csv", "--offline"]);
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let headers = reader.headers().unwrap().clone();
    let anchor = headers.iter().position(|h| h == "anchor").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().any(|r| &r[anchor] == HOSTILE_ANCHOR));
}

/// The HTML report in a real browser: Debian's chromium, headless. CI installs it and sets
/// PROVCHECK_REQUIRE_CHROMIUM=1; elsewhere the test says it was skipped.
#[test]
fn a_browser_shows_hostile_text_as_text_and_runs_nothing() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        assert!(
            std::env::var_os("PROVCHECK_REQUIRE_CHROMIUM").is_none(),
            "PROVCHECK_REQUIRE_CHROMIUM is set but {chromium} does not exist"
        );
        eprintln!("skipped: no {chromium} (CI installs Debian's chromium and runs this test)");
        return;
    }
    let desk = desk();
    desk.report_ok(&["--format", "html", "--offline", "-o", "audit.html"]);
    let page = desk.dir.path().join("audit.html");
    let profile = TempDir::new().unwrap();
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("Source audit"),
        "chromium rendered nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dom.contains("data-pwned"), "a hostile handler ran");
    // The live DOM after scripts: hostile text is text, never an element.
    let doc = scraper::Html::parse_document(&dom);
    let scripts = scraper::Selector::parse("script, img, iframe, object, embed").unwrap();
    assert_eq!(doc.select(&scripts).count(), 0);
    let text: String = doc.root_element().text().collect();
    assert!(text.contains(HOSTILE_TITLE));
    assert!(text.contains(HOSTILE_ANCHOR));
}

#[test]
fn check_suggests_what_to_cite_instead_of_a_problem() {
    let desk = desk();
    // A new article cites the dead source (archived fine on the first night) and the moved one.
    write(
        desk.dir.path(),
        "draft.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n",
            desk.site.url("/dies"),
            desk.site.url("/moves")
        ),
    );
    let out = provcheck(desk.dir.path())
        .env_remove("PROVCHECK_OFFLINE")
        .args(["check", "draft.txt", "--format", "json", "--retries", "0"])
        .args([
            "--wayback-endpoint",
            &desk.wayback.url("/wayback/available"),
        ])
        .output()
        .unwrap();
    let doc = json_exiting(&out, 1);
    let by_path = |path: &str| -> serde_json::Value {
        doc["citations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["url"].as_str().unwrap().ends_with(path))
            .unwrap()
            .clone()
    };
    let dies = by_path("/dies");
    assert_eq!(dies["outcome"], "not-found");
    assert_eq!(kinds(&dies), ["archived-copy", "wayback"]);
    assert!(
        dies["suggestions"][0]["show"]
            .as_str()
            .unwrap()
            .contains("--at")
    );
    let moves = by_path("/moves");
    assert_eq!(kinds(&moves), ["new-url"]);

    // The terminal says it too; offline, no Wayback line.
    let text = provcheck(desk.dir.path())
        .args(["check", "draft.txt", "--retries", "0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("instead: our archived copy of"), "{text}");
    assert!(text.contains("instead: the new URL: "), "{text}");
    assert!(!text.contains("Wayback"), "{text}");

    // The Wayback Machine unreachable: said once on stderr, not under each citation.
    write(
        desk.dir.path(),
        "draft2.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n",
            desk.site.url("/gone"),
            desk.site.url("/swaps-never-cited")
        ),
    );
    let out = provcheck(desk.dir.path())
        .env_remove("PROVCHECK_OFFLINE")
        .args(["check", "draft2.txt", "--retries", "0"])
        .args(["--wayback-endpoint", "http://127.0.0.1:9/wayback/available"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("Wayback"), "{stdout}");
    assert_eq!(
        stderr.matches("Wayback lookup failed").count(),
        1,
        "{stderr}"
    );
}

/// Issue 16, item 1: a relative link with no base URL was counted as `unchecked` and never
/// listed, so a source the desk could not check vanished from the audit. The report lists it
/// with why, and the sweep says it on stderr.
#[test]
fn a_citation_that_can_never_be_checked_is_listed_with_why() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("desk")).unwrap();
    std::fs::write(
        dir.path().join("desk/a.html"),
        "<p>See <a href=\"/relative/source\">this</a> and <a href=\"mailto:desk@example.com\">mail</a></p>",
    )
    .unwrap();
    let out = crate::cli::provcheck(dir.path())
        .args(["sweep", "desk"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 citation(s) of the articles read name no URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = crate::cli::provcheck(dir.path())
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    let doc = crate::cli::json(&out.stdout);
    let listed: Vec<&serde_json::Value> = doc["articles"][0]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        listed.len(),
        1,
        "the mailto link is not a source: {listed:?}"
    );
    assert_eq!(listed[0]["url_as_written"], "/relative/source");
    assert!(
        listed[0]["uncheckable"]
            .as_str()
            .unwrap()
            .contains("relative link with no base URL")
    );
    let md = crate::cli::provcheck(dir.path())
        .args(["report", "--format", "md"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("Never checked: a relative link"));
}
