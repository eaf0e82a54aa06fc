//! Several sweep workers on one archive (`sweep --worker`): they share the night's queue and
//! each host's politeness budget, and a worker killed with kill -9 is taken over by the others
//! once its lease lapses. The server's own log is the proof: requests in flight at once, and
//! the gaps between request starts. Each test runs on SQLite (workers of one machine sharing
//! its archive directory) and, when a server is at hand, on PostgreSQL: each worker then has an
//! archive directory of its own, as on machines of its own, sharing the index in the database
//! and (with an S3 server) the WARC files in a bucket.

use crate::backends::{Pg, TestIndex};
use crate::cli::{provcheck, write};
use crate::s3::S3;
use crate::server::{Resp, TestServer};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the workers keep the archive.
struct Backend {
    /// The PostgreSQL index; `None`: `archive/index.sqlite`.
    index_url: Option<String>,
    /// The bucket of the WARC files, and its server.
    bucket: Option<(S3, String)>,
}

impl Backend {
    /// SQLite, then PostgreSQL (with a bucket when an S3 server is at hand) when a server is.
    fn all(what: &str) -> Vec<Self> {
        let mut all = vec![Self {
            index_url: None,
            bucket: None,
        }];
        if let Some(pg) = Pg::from_env() {
            let bucket = S3::from_env().map(|s3| {
                let (bucket, prefix) = s3.new_prefix(what);
                (s3, format!("s3://{bucket}/{prefix}/"))
            });
            all.push(Self {
                index_url: Some(pg.new_database(what)),
                bucket,
            });
        }
        all
    }

    /// The configuration lines that put the archive there.
    fn config(&self) -> String {
        let mut lines = String::new();
        if let Some(url) = &self.index_url {
            lines.push_str(&format!("index_url = \"{url}\"\n"));
        }
        if let Some((_, url)) = &self.bucket {
            lines.push_str(&format!("warc_url = \"{url}\"\n"));
        }
        lines
    }

    /// Worker `k`'s archive directory: its own on PostgreSQL when the WARC files are shared
    /// through a bucket, else the desk's.
    fn archive(&self, dir: &Path, k: usize) -> PathBuf {
        if self.index_url.is_some() && self.bucket.is_some() {
            dir.join(format!("machine-{k}"))
        } else {
            dir.join("archive")
        }
    }

    fn index(&self, dir: &Path) -> TestIndex {
        TestIndex::of(&dir.join("archive"), self.index_url.as_deref())
    }

    fn name(&self) -> &'static str {
        match (&self.index_url, &self.bucket) {
            (None, _) => "SQLite",
            (Some(_), None) => "PostgreSQL",
            (Some(_), Some(_)) => "PostgreSQL + S3, a directory per worker",
        }
    }

    /// Worker `k`, started.
    fn worker(&self, dir: &Path, k: usize) -> Child {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("provcheck"));
        command
            .current_dir(dir)
            .env("PROVCHECK_OFFLINE", "1")
            .args([
                "-v",
                "sweep",
                "desk",
                "--worker",
                "--format",
                "json",
                "--archive",
            ])
            .arg(self.archive(dir, k))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((s3, _)) = &self.bucket {
            s3.apply(&mut command);
        }
        command.spawn().unwrap()
    }

    /// Waits for each of `workers`: exit 0.
    fn all_succeed(&self, workers: Vec<Child>) {
        for child in workers {
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                self.name(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// `provcheck verify` from worker 0's directory: exit 0.
    fn verified(&self, dir: &Path) {
        let mut verify = provcheck(dir);
        if let Some((s3, _)) = &self.bucket {
            s3.apply_assert(&mut verify);
        }
        let out = verify
            .arg("verify")
            .arg("--archive")
            .arg(self.archive(dir, 0))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}: {out:?}", self.name());
    }
}

fn worker(dir: &Path) -> Child {
    Backend {
        index_url: None,
        bucket: None,
    }
    .worker(dir, 0)
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
fn checks_per_page(index: &TestIndex, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            index.int(
                "SELECT COUNT(*) FROM checks c JOIN urls u ON u.id = c.url_id
                 WHERE u.url LIKE ?1",
                Some(&format!("%/p/{i}")),
            )
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
    let site = pages(Duration::from_millis(150));
    let n = 30;
    let interval = Duration::from_millis(100);
    let mut round = 0;
    let rounds = [2, 3]
        .into_iter()
        .flat_map(|workers| Backend::all("share").into_iter().map(move |b| (workers, b)));
    for (workers, backend) in rounds {
        round += 1;
        let dir = tempfile::tempdir().unwrap();
        desk(
            dir.path(),
            &site,
            n,
            &format!(
                "host_concurrency = 2\nhost_interval = \"100ms\"\nsweep_batch = 5\nworker_lease = \"10s\"\n{}",
                backend.config()
            ),
        );
        let before = site.starts().len();
        let children: Vec<Child> = (0..workers)
            .map(|k| backend.worker(dir.path(), k))
            .collect();
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
            checks_per_page(&backend.index(dir.path()), n),
            vec![1; n],
            "{workers} workers on {}\n{logs}",
            backend.name()
        );
        for i in 0..n {
            // One request per page per round (the site serves both rounds).
            assert_eq!(site.hits(&format!("/p/{i}")), round, "/p/{i}");
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
        // Starts spaced by the interval, all workers together: any run of k + 1 consecutive
        // starts the server saw spans at least k - 1 intervals. A request sent late (a loaded
        // machine: CI runs this beside the whole suite on 2 cores) shortens the gap after it
        // by as much, so one gap alone proves nothing; but requests are never sent early, so
        // only the first of a run can be late. Without a shared budget 2 or 3 workers start
        // 2 or 3 requests per interval, and a run of 4 spans one interval, not two.
        let starts = &site.starts()[before..];
        let gaps: Vec<_> = starts
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis())
            .collect();
        for (j, first) in starts.iter().enumerate() {
            for (k, later) in starts.iter().enumerate().skip(j + 2) {
                let bound = interval * u32::try_from(k - j - 1).unwrap();
                assert!(
                    *later - *first >= bound,
                    "{}: starts {j}..{k} within {:?}: gaps {gaps:?}\n{logs}",
                    backend.name(),
                    *later - *first
                );
            }
        }

        backend.verified(dir.path());
    }
}

#[test]
fn a_worker_killed_mid_sweep_is_taken_over_and_nothing_is_checked_twice() {
    let site = pages(Duration::from_millis(60));
    let n = 40;
    for backend in Backend::all("killed") {
        let dir = tempfile::tempdir().unwrap();
        desk(
            dir.path(),
            &site,
            n,
            &format!(
                "host_concurrency = 1\nhost_interval = \"0s\"\nsweep_batch = 4\nworker_lease = \"2s\"\n{}",
                backend.config()
            ),
        );
        let index = backend.index(dir.path());
        let mut doomed = backend.worker(dir.path(), 0);
        // Let it commit some batches, then kill it mid-batch.
        let started = Instant::now();
        while index
            .try_int("SELECT COUNT(*) FROM checks", None)
            .unwrap_or(0)
            < 8
        {
            assert!(started.elapsed() < Duration::from_secs(30), "no progress");
            std::thread::sleep(Duration::from_millis(20));
        }
        let others: Vec<Child> = (1..3).map(|k| backend.worker(dir.path(), k)).collect();
        std::thread::sleep(Duration::from_millis(100));
        doomed.kill().unwrap();
        let _ = doomed.wait();
        backend.all_succeed(others);
        // Every citation checked once: the killed worker's claims lapsed and were taken over;
        // what it committed was done with its checks.
        assert_eq!(checks_per_page(&index, n), vec![1; n], "{}", backend.name());
        assert_eq!(
            index.int("SELECT COUNT(*) FROM sweep_queue WHERE done = 0", None),
            0
        );
        backend.verified(dir.path());
    }
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

#[test]
fn many_small_claims_at_once_never_take_a_url_twice() {
    // Claims as close together as they come: tiny batches of instant pages, no spacing, three
    // workers. On PostgreSQL a claim that read a stale join under SKIP LOCKED once took a batch
    // another worker had just claimed (found by scripts/workers-bench.sh).
    let site = pages(Duration::ZERO);
    let n = 300;
    for backend in Backend::all("claims") {
        let dir = tempfile::tempdir().unwrap();
        desk(
            dir.path(),
            &site,
            n,
            &format!(
                "host_concurrency = 16\nhost_interval = \"0s\"\nsweep_batch = 3\nworker_lease = \"30s\"\n{}",
                backend.config()
            ),
        );
        backend.all_succeed((0..3).map(|k| backend.worker(dir.path(), k)).collect());
        let counts = checks_per_page(&backend.index(dir.path()), n);
        let twice: Vec<usize> = (0..n).filter(|i| counts[*i] != 1).collect();
        assert!(
            twice.is_empty(),
            "{}: pages checked other than once: {twice:?}",
            backend.name()
        );
    }
}
