//! Several sweep workers on one archive (`sweep --worker`): they share the night's queue and
//! each host's politeness budget, and a worker killed with kill -9 is taken over by the others
//! once its lease lapses. The server's own log is the proof: requests in flight at once, and
//! the gaps between request starts.

use crate::cli::{provcheck, write};
use crate::server::{Resp, TestServer};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn worker(dir: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("provcheck"))
        .current_dir(dir)
        .env("PROVCHECK_OFFLINE", "1")
        .args(["-v", "sweep", "desk", "--worker", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A desk of one article citing `n` pages of `site`, and the configuration.
fn desk(dir: &Path, site: &TestServer, n: usize, config: &str) {
    std::fs::create_dir_all(dir.join("desk")).unwrap();
    let list: String = (0..n)
        .map(|i| format!("- {}\n", site.url(&format!("/p/{i}"))))
        .collect();
    write(dir, "desk/story.txt", format!("Story\n\n{list}"));
    write(
        dir,
        "provcheck.toml",
        format!("allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\n{config}"),
    );
}

/// Checks per cited page in the index (robots.txt aside), in page order.
fn checks_per_page(dir: &Path, n: usize) -> Vec<i64> {
    let index = rusqlite::Connection::open(dir.join("archive/index.sqlite")).unwrap();
    (0..n)
        .map(|i| {
            index
                .query_row(
                    "SELECT COUNT(*) FROM checks c JOIN urls u ON u.id = c.url_id
                     WHERE u.url LIKE ?1",
                    [format!("%/p/{i}")],
                    |r| r.get(0),
                )
                .unwrap()
        })
        .collect()
}

/// A site whose pages `/p/N` answer after `delay` (robots.txt and the rest: 404).
fn pages(delay: Duration) -> TestServer {
    TestServer::start(move |req| {
        if req.target.starts_with("/p/") {
            Resp::ok("<html><title>Page</title><p>A page of the story.</p></html>")
                .header("content-type", "text/html")
                .delay(delay)
        } else {
            Resp::status(404)
        }
    })
}

#[test]
fn workers_share_the_queue_and_each_hosts_budget() {
    let site = pages(Duration::from_millis(30));
    let n = 45;
    let interval = Duration::from_millis(40);
    for (round, workers) in [2, 3].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        desk(
            dir.path(),
            &site,
            n,
            "host_concurrency = 2\nhost_interval = \"40ms\"\nsweep_batch = 5\nworker_lease = \"3s\"\n",
        );
        let before = site.starts().len();
        let children: Vec<Child> = (0..workers).map(|_| worker(dir.path())).collect();
        let mut checked = Vec::new();
        let mut logs = String::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let log = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(out.status.code(), Some(0), "{log}");
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            checked.push(doc["checked_urls"].as_u64().unwrap());
            logs.push_str(&log);
        }
        // Every page checked once, in the index and on the wire, the work shared.
        assert_eq!(
            checks_per_page(dir.path(), n),
            vec![1; n],
            "{workers} workers\n{logs}"
        );
        for i in 0..n {
            // One request per page per round (the site serves both rounds).
            assert_eq!(site.hits(&format!("/p/{i}")), round + 1, "/p/{i}");
        }
        assert_eq!(checked.iter().sum::<u64>(), n as u64, "{checked:?}");
        assert!(
            checked.iter().filter(|c| **c > 0).count() >= 2,
            "one worker did everything: {checked:?}"
        );
        // The host's budget held for all of them together: never more than 2 in flight, and
        // starts spaced by the interval (every request: pages and robots.txt).
        assert!(
            site.max_in_flight() <= 2,
            "{} in flight",
            site.max_in_flight()
        );
        let starts = &site.starts()[before..];
        let closest = starts.windows(2).map(|w| w[1] - w[0]).min().unwrap();
        // The server's threads may see an arrival late (a loaded machine), which shortens the
        // next gap by as much; without a shared budget the gaps are ~0.
        let gaps: Vec<_> = starts
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis())
            .collect();
        assert!(
            closest >= interval / 2,
            "closest starts {closest:?} apart: gaps {gaps:?}\n{logs}"
        );
        let span = *starts.last().unwrap() - starts[0];
        let bound = interval * u32::try_from(starts.len() - 1).unwrap();
        assert!(
            span >= bound.saturating_sub(interval),
            "span {span:?} for {} starts",
            starts.len()
        );

        let verify = provcheck(dir.path()).arg("verify").output().unwrap();
        assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    }
}

#[test]
fn a_worker_killed_mid_sweep_is_taken_over_and_nothing_is_checked_twice() {
    let site = pages(Duration::from_millis(60));
    let n = 40;
    let dir = tempfile::tempdir().unwrap();
    desk(
        dir.path(),
        &site,
        n,
        "host_concurrency = 1\nhost_interval = \"0s\"\nsweep_batch = 4\nworker_lease = \"1s\"\n",
    );
    let mut doomed = worker(dir.path());
    // Let it commit some batches, then kill it mid-batch.
    let started = Instant::now();
    let committed = || {
        rusqlite::Connection::open_with_flags(
            dir.path().join("archive/index.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM checks", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(0)
    };
    while committed() < 8 {
        assert!(started.elapsed() < Duration::from_secs(30), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let others: Vec<Child> = (0..2).map(|_| worker(dir.path())).collect();
    std::thread::sleep(Duration::from_millis(100));
    doomed.kill().unwrap();
    let _ = doomed.wait();
    for child in others {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every citation checked once: the killed worker's claims lapsed and were taken over; what
    // it committed was done with its checks.
    assert_eq!(checks_per_page(dir.path(), n), vec![1; n]);
    let index = rusqlite::Connection::open(dir.path().join("archive/index.sqlite")).unwrap();
    let pending: i64 = index
        .query_row("SELECT COUNT(*) FROM sweep_queue WHERE done = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pending, 0);
    drop(index);
    let verify = provcheck(dir.path()).arg("verify").output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
}

#[test]
fn a_sweep_and_workers_never_run_beside_each_other() {
    let site = TestServer::start(|req| {
        if req.target.starts_with("/p/") {
            Resp::ok("<html><title>Page</title></html>").delay(Duration::from_millis(100))
        } else {
            Resp::status(404)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    desk(
        dir.path(),
        &site,
        20,
        "host_concurrency = 1\nsweep_batch = 2\n",
    );
    let running = worker(dir.path());
    let lock = dir.path().join("archive/sweep.lock");
    let started = Instant::now();
    while site.total_hits() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "no request");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(lock.exists());
    let out = provcheck(dir.path())
        .args(["sweep", "desk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another sweep is running")
            && String::from_utf8_lossy(&out.stderr).contains("sweep workers"),
        "{out:?}"
    );
    let out = running.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
