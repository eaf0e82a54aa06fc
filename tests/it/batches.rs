//! The sweep in batches (issue 18, item 4): what it holds in memory follows `sweep_batch`, not
//! the archive. Twelve URLs in batches of three give the same verdicts and news as one batch,
//! in article and line order; each origin's robots.txt is read once per run and each URL shape
//! probed once, not once per batch.

use crate::cli::{json, provcheck, write};
use crate::fixtures::{TEXT, article};
use crate::server::{Resp, TestServer};
use tempfile::TempDir;

#[test]
fn a_sweep_in_batches_reads_robots_once_and_reports_news_in_order() {
    let server = TestServer::start(|req| {
        let t = req.target.as_str();
        if t == "/robots.txt" {
            Resp::ok("User-agent: *\nDisallow: /private/\n").header("content-type", "text/plain")
        } else if t.strip_prefix("/p/").is_some_and(|n| n.len() == 1) {
            Resp::ok(&article(&TEXT))
        } else {
            Resp::status(404)
        }
    });
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("desk")).unwrap();
    let mut a = String::from("Wire provenance\n");
    for n in 0..10 {
        a.push_str(&format!("- {}\n", server.url(&format!("/p/{n}"))));
    }
    a.push_str(&format!(
        "- {}\n- {}\n",
        server.url("/gone/0"),
        server.url("/gone/1")
    ));
    write(dir.path(), "desk/a.txt", a);
    write(
        dir.path(),
        "desk/b.txt",
        format!(
            "Wire provenance\n- {}\n- {}\n",
            server.url("/gone/1"),
            server.url("/p/3")
        ),
    );
    write(
        dir.path(),
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nhost_interval = \"0s\"\nconfirm_failures = 1\n\
         confirm_spacing = \"0s\"\nsweep_batch = 3\nwitness = false\n",
    );
    let sweep = || {
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
        json(&out.stdout)
    };
    let first = sweep();
    assert_eq!(first["checked_urls"], 12, "{first:#}");
    assert_eq!(first["not_checked_urls"], 0);
    let news: Vec<(String, u64, String)> = first["news"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let url = n["url"].as_str().unwrap();
            (
                n["article"].as_str().unwrap().to_owned(),
                n["line"].as_u64().unwrap(),
                format!(
                    "{} {}",
                    &url[url.rfind("/gone").unwrap_or(0)..],
                    n["what"].as_str().unwrap()
                ),
            )
        })
        .collect();
    assert_eq!(
        news,
        [
            ("a".to_owned(), 12, "/gone/0 newly-dead".to_owned()),
            ("a".to_owned(), 13, "/gone/1 newly-dead".to_owned()),
            ("b".to_owned(), 2, "/gone/1 newly-dead".to_owned()),
        ]
    );
    assert_eq!(
        server.hits("/robots.txt"),
        1,
        "one robots.txt per origin per run"
    );
    for n in 0..10 {
        assert_eq!(server.hits(&format!("/p/{n}")), 1, "/p/{n} fetched once");
    }
    // One probe per URL shape per run (here /p/N and /gone/N), not one per batch.
    let probes: usize = server.total_hits() - 1 - 12;
    assert!(probes <= 2, "{probes} probes");

    let second = sweep();
    assert!(second["news"].as_array().unwrap().is_empty(), "{second:#}");
    assert_eq!(second["checked_urls"], 12);
    assert_eq!(server.hits("/robots.txt"), 2);
}
