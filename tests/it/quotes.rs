//! Quotations checked against their sources (issue 17, part 1): the pre-publication gate
//! (a quotation the source does not have fails it, a near one is reported; per article or
//! globally only reported), with and without the archive; the sweep's `quote-removed` news; the
//! report's `misquoted` status with the passage as the source had it and has it.

use crate::cli::{json, json_exiting, provcheck, write};
use crate::fixtures::{TEXT, page};
use crate::server::{Resp, TestServer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An article quoting the loopback source three times: verbatim, with a word changed, with a
/// negation added.
fn article(site: &TestServer) -> String {
    format!(
        "<html><body><h1>Talks</h1>\
         <p>The minister said “talks with regional partners would resume after the summit”, \
         according to <a href=\"{a}\">the ministry</a>.</p>\
         <p>Officials said “negotiations over trade, tariffs and energy supplies continued late \
         into the evening”, <a href=\"{b}\">the agency reported</a>.</p>\
         <p>“Any agreement would not depend on parliament approving the budget”, analysts told \
         <a href=\"{c}\">the paper</a>.</p></body></html>",
        a = site.url("/speech"),
        b = site.url("/speech?agency"),
        c = site.url("/speech?paper"),
    )
}

fn quotes_of(doc: &serde_json::Value, suffix: &str) -> Vec<(String, String)> {
    doc["citations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["url"].as_str().unwrap().ends_with(suffix))
        .unwrap()["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["status"].as_str().unwrap().to_owned(),
                q["passage"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_gate_fails_a_quotation_the_source_does_not_have() {
    let site = TestServer::start(|req| {
        if req.target.starts_with("/speech") {
            Resp::ok(&page("Talks", &TEXT))
        } else {
            Resp::status(404)
        }
    });
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), "story.html", article(&site));
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\n",
    );
    for archive in [true, false] {
        let mut cmd = provcheck(dir.path());
        cmd.args(["check", "story.html", "--format", "json"]);
        if !archive {
            cmd.arg("--no-archive");
        }
        let doc = json_exiting(&cmd.output().unwrap(), 1);
        assert_eq!(
            quotes_of(&doc, "/speech"),
            [(
                "found".to_owned(),
                "talks with regional partners would resume after the summit".to_owned()
            )],
            "archive {archive}"
        );
        let close = quotes_of(&doc, "?agency");
        assert_eq!(close[0].0, "close", "{doc:#}");
        assert!(close[0].1.contains("late into the night"), "{close:?}");
        let negated = quotes_of(&doc, "?paper");
        assert_eq!(negated[0].0, "not-found");
        assert!(
            negated[0]
                .1
                .contains("any agreement would depend on parliament approving the budget"),
            "{negated:?}"
        );
        assert_eq!(doc["summary"]["problems"], 1, "{doc:#}");
    }

    // The terminal says which quotation and what the source has.
    let out = provcheck(dir.path())
        .args(["check", "story.html", "--no-archive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("quote-not-found"), "{text}");
    assert!(
        text.contains("quote not found: \"Any agreement would not depend"),
        "{text}"
    );
    assert!(
        text.contains("quote close: \"negotiations over trade"),
        "{text}"
    );
    assert!(text.contains("\"evening\" for \"night\""), "{text}");

    // Only reported, for this article or for all.
    for config in [
        "quote_not_found_articles = { story = \"report\" }\n",
        "quote_not_found = \"report\"\n",
    ] {
        write(
            dir.path(),
            "provcheck.toml",
            format!("allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\n{config}"),
        );
        let out = provcheck(dir.path())
            .args(["check", "story.html", "--no-archive", "--format", "junit"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{config}");
    }
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nquote_not_found = \"maybe\"\n",
    );
    let out = provcheck(dir.path())
        .args(["check", "story.html", "--no-archive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("quote_not_found"));
}

#[test]
fn a_quoted_passage_gone_from_the_source_is_news_and_the_report_shows_it() {
    let night = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&night);
    let site = TestServer::start(move |req| {
        if req.target != "/live" {
            return Resp::status(404);
        }
        let mut text = TEXT;
        if n.load(Ordering::SeqCst) > 0 {
            text[2] = "Analysts said a deal now looked likely within weeks.";
        }
        Resp::ok(&page("Talks", &text))
    });
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    write(
        dir.path(),
        "desk/story.md",
        format!(
            "Analysts warned that \"any agreement would depend on parliament approving the budget\" \
             ([the agency]({})).\n",
            site.url("/live")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\nhost_interval = \"0s\"\nwitness = false\n",
    );
    let sweep = || {
        provcheck(dir.path())
            .args(["sweep", "desk", "--max-age", "0s", "--format", "json"])
            .output()
            .unwrap()
    };
    let first = sweep();
    assert_ne!(
        first.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    night.store(1, Ordering::SeqCst);
    let second = sweep();
    let news = json(&second.stdout)["news"].clone();
    let removed: Vec<&serde_json::Value> = news
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["what"] == "quote-removed")
        .collect();
    assert_eq!(removed.len(), 1, "{news:#}");
    assert!(
        removed[0]["detail"]
            .as_str()
            .unwrap()
            .contains("Analysts cautioned that any agreement"),
        "{news:#}"
    );
    // Said once: the next night is quiet about it.
    let third = sweep();
    assert!(
        !String::from_utf8_lossy(&third.stdout).contains("quote-removed"),
        "{}",
        String::from_utf8_lossy(&third.stdout)
    );

    let report = provcheck(dir.path())
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&report.stdout);
    let citation = &doc["articles"][0]["citations"][0];
    assert_eq!(citation["status"], "misquoted", "{doc:#}");
    let quote = &citation["quotes"][0];
    assert_eq!(quote["reference"]["status"], "found");
    assert_eq!(quote["now"]["status"], "not-found");
    let md = provcheck(dir.path())
        .args(["report", "--format", "md"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&md.stdout).contains("not-found now"),
        "{}",
        String::from_utf8_lossy(&md.stdout)
    );
}
