//! The independent witness (issue 17, part 2): a loopback stand-in of the Wayback Machine's CDX
//! server and replay answers for three sources archived by `check` — one it holds with our
//! payload's digest, one it holds with other bytes (whose text is fetched and compared), one it
//! never captured — and fails for a fourth. `report` shows each capture's witness; answers are
//! cached, final once the window has closed, and `--offline` reads only the cache.

use crate::cli::{json, provcheck, write};
use crate::fixtures::{TEXT, edited, page};
use crate::server::{Resp, TestServer};
use std::path::Path;

/// Base32 SHA-1, as CDX servers write a payload's digest.
fn sha1_base32(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    data_encoding::BASE32.encode(&sha1::Sha1::digest(bytes))
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

fn witness_of<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    &citation(doc, path)["reference"]["witness"]
}

fn latest_witness_of<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    &citation(doc, path)["latest_capture"]["witness"]
}

fn report(dir: &Path, cdx: &TestServer, offline: bool) -> std::process::Output {
    let mut cmd = provcheck(dir);
    if !offline {
        cmd.env_remove("PROVCHECK_OFFLINE");
    }
    cmd.args(["report", "--all", "--format", "json", "--retries", "0"])
        .args(["--timeout", "2s"])
        .args(["--witness-endpoint", &cdx.url("/cdx/search/cdx")])
        .args(["--wayback-endpoint", &cdx.url("/wayback/available")])
        .output()
        .unwrap()
}

#[test]
fn each_capture_is_witnessed_differs_or_has_no_witness() {
    let same = page("Story", &TEXT);
    let other = page("Story", &edited());
    let digest = sha1_base32(same.as_bytes());
    let site = {
        let (same, other) = (same.clone(), other.clone());
        TestServer::start(move |req| match req.target.as_str() {
            "/same" | "/none" | "/broken" => Resp::ok(&same),
            "/other" => Resp::ok(&other),
            _ => Resp::status(404),
        })
    };
    let origin = site.url("");
    let cdx = {
        let digest = digest.clone();
        TestServer::start(move |req| {
            let t = req.target.as_str();
            let header = r#"["timestamp","original","digest","statuscode"]"#;
            let row = |ts: &str, path: &str, digest: &str| {
                format!(r#"["{ts}","{origin}{path}","{digest}","200"]"#)
            };
            if t.starts_with("/web/") {
                // The replay of the other archive's capture of /other: the page as cited.
                return Resp::ok(&page("Story", &TEXT));
            }
            if t.contains("%2Fsame") {
                let rows = [
                    row(
                        "20000101000000",
                        "/same",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    ),
                    row("20000102000000", "/same", &digest),
                ];
                Resp::ok(&format!("[{header},{}]", rows.join(",")))
            } else if t.contains("%2Fother") {
                Resp::ok(&format!(
                    "[{header},{}]",
                    row(
                        "20000101000000",
                        "/other",
                        "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
                    )
                ))
            } else if t.contains("%2Fnone") {
                Resp::ok("[]")
            } else {
                Resp::status(503)
            }
        })
    };
    let dir = tempfile::TempDir::new().unwrap();
    write(
        dir.path(),
        "story.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n- {}\n- {}\n",
            site.url("/same"),
            site.url("/other"),
            site.url("/none"),
            site.url("/broken")
        ),
    );
    // A window of zero: every answer looked up after the capture is final.
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\nwitness_window = \"0s\"\n",
    );
    // Checked twice: each source's reference and latest capture are two captures, asked about
    // in one report (and /other's two share their nearest other capture).
    for _ in 0..2 {
        let out = provcheck(dir.path())
            .args(["check", "story.txt"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = report(dir.path(), &cdx, false);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out.stdout);
    let same = witness_of(&doc, "/same");
    assert_eq!(same["status"], "witnessed", "{doc:#}");
    assert_eq!(same["timestamp"], "20000102000000");
    assert_eq!(
        same["url"],
        cdx.url(&format!("/web/20000102000000/{}", site.url("/same")))
    );
    let other = witness_of(&doc, "/other");
    assert_eq!(other["status"], "witness-differs", "{doc:#}");
    assert_eq!(
        latest_witness_of(&doc, "/other")["status"],
        "witness-differs",
        "{doc:#}"
    );
    assert_eq!(latest_witness_of(&doc, "/same")["status"], "witnessed");
    let similarity = other["similarity"].as_f64().unwrap();
    assert!(similarity > 0.3 && similarity < 1.0, "{similarity}");
    assert_eq!(
        cdx.hits(&format!("/web/20000101000000id_/{}", site.url("/other"))),
        1
    );
    assert_eq!(witness_of(&doc, "/none")["status"], "no-witness");
    assert!(witness_of(&doc, "/broken").is_null(), "{doc:#}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&site.url("/broken")) && stderr.contains("witness lookup failed"),
        "{stderr}"
    );

    // Offline: the cache only, nothing asked.
    let asked = cdx.total_hits();
    let before = cdx.all_hits();
    let doc = json(&report(dir.path(), &cdx, true).stdout);
    assert_eq!(cdx.total_hits(), asked);
    assert_eq!(witness_of(&doc, "/same")["status"], "witnessed");
    assert_eq!(witness_of(&doc, "/none")["status"], "no-witness");

    // Online again: final answers are not asked again; the failures (of /broken's two
    // captures) are, once each (and no Wayback availability lookup: every source is fine).
    let doc = json(&report(dir.path(), &cdx, false).stdout);
    // One CDX query per distinct window: the two checks may fall in one second or two.
    let after = cdx.all_hits();
    let asked_again: Vec<_> = after
        .iter()
        .filter(|(target, n)| before.get(*target) != Some(n))
        .map(|(target, _)| target.as_str())
        .collect();
    let broken: Vec<_> = before
        .keys()
        .filter(|t| t.contains("%2Fbroken"))
        .map(String::as_str)
        .collect();
    assert!(!broken.is_empty());
    assert_eq!(
        asked_again, broken,
        "before: {before:#?}\nafter: {after:#?}"
    );
    assert_eq!(
        cdx.total_hits(),
        asked + asked_again.len(),
        "before: {before:#?}\nafter: {after:#?}"
    );
    assert_eq!(witness_of(&doc, "/other")["status"], "witness-differs");

    // The HTML report says it for the desk.
    let html = provcheck(dir.path())
        .args(["report", "--all"])
        .args(["--witness-endpoint", &cdx.url("/cdx/search/cdx")])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains("Witnessed: an independent archive holds the same bytes"),
        "{html}"
    );
    assert!(html.contains("No independent capture within the window."));
}
