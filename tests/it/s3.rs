//! WARC files in an S3-compatible bucket (`--warc-url s3://bucket/prefix/`), against a real S3
//! server: `.ci/run` starts SeaweedFS's S3 gateway on loopback and names it in
//! `PROVCHECK_TEST_S3` (`http://127.0.0.1:PORT`, with `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`). Without it these tests say so and pass, unless
//! `PROVCHECK_REQUIRE_S3` is set (CI sets it). The refused-upload test needs no server.

use crate::cli::{json, provcheck, write};
use crate::fixtures::{TEXT, page};
use crate::server::{Resp, TestServer};
use assert_cmd::Command;
use rusty_s3::S3Action as _;
use std::path::Path;
use std::time::Duration;

/// A client that returns error answers instead of failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// The S3 server of the tests.
pub struct S3 {
    endpoint: String,
    key: String,
    secret: String,
}

impl S3 {
    pub fn from_env() -> Option<Self> {
        let endpoint = std::env::var("PROVCHECK_TEST_S3")
            .ok()
            .filter(|e| !e.is_empty());
        let Some(endpoint) = endpoint else {
            assert!(
                std::env::var_os("PROVCHECK_REQUIRE_S3").is_none(),
                "PROVCHECK_REQUIRE_S3 is set but PROVCHECK_TEST_S3 is not"
            );
            eprintln!("PROVCHECK_TEST_S3 is not set: S3 test skipped");
            return None;
        };
        Some(Self {
            endpoint,
            key: std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
            secret: std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
        })
    }

    fn bucket(&self, name: &str) -> rusty_s3::Bucket {
        rusty_s3::Bucket::new(
            self.endpoint.parse().unwrap(),
            rusty_s3::UrlStyle::Path,
            name.to_owned(),
            "us-east-1".to_owned(),
        )
        .unwrap()
    }

    fn credentials(&self) -> rusty_s3::Credentials {
        rusty_s3::Credentials::new(self.key.clone(), self.secret.clone())
    }

    /// The tests' bucket (created once; SeaweedFS gives each bucket volumes of its own) and a
    /// prefix of this test's own in it.
    pub fn new_prefix(&self, what: &str) -> (String, String) {
        let name = "provcheck-tests".to_owned();
        let url = self
            .bucket(&name)
            .create_bucket(&self.credentials())
            .sign(Duration::from_secs(60));
        let status = agent().put(url.as_str()).send_empty().unwrap().status();
        // 409: created by an earlier test.
        assert!(
            status.is_success() || status.as_u16() == 409,
            "create bucket {name}: {status}"
        );
        (name, format!("{what}-{}", fastrand::u64(..)))
    }

    /// The object's bytes.
    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let url = self
            .bucket(bucket)
            .get_object(Some(&self.credentials()), key)
            .sign(Duration::from_secs(60));
        agent()
            .get(url.as_str())
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    }

    /// Replaces an object behind provcheck's back (as an attacker or a broken tool would).
    fn overwrite(&self, bucket: &str, key: &str, body: &[u8]) {
        let url = self
            .bucket(bucket)
            .put_object(Some(&self.credentials()), key)
            .sign(Duration::from_secs(60));
        let status = agent().put(url.as_str()).send(body).unwrap().status();
        assert!(status.is_success());
    }

    pub fn command(&self, dir: &Path) -> Command {
        let mut cmd = provcheck(dir);
        self.apply_assert(&mut cmd);
        cmd
    }

    /// The variables that point provcheck at this server.
    pub fn vars(&self) -> [(&'static str, &str); 4] {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", self.key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.as_str()),
            ("AWS_REGION", "us-east-1"),
        ]
    }

    pub fn apply(&self, cmd: &mut std::process::Command) {
        cmd.envs(self.vars());
    }

    pub fn apply_assert(&self, cmd: &mut Command) {
        cmd.envs(self.vars());
    }
}

/// A page with an ETag (304 on a re-check) and a second page.
pub fn site() -> TestServer {
    let story = page("Talks resume", &TEXT);
    TestServer::start(move |req| match req.target.as_str() {
        "/tagged" => {
            if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                return Resp {
                    body: Vec::new(),
                    ..Resp::status(304)
                }
                .header("etag", "\"v1\"");
            }
            Resp::ok(&story)
                .header("content-type", "text/html")
                .header("etag", "\"v1\"")
        }
        "/other" => Resp::ok(&page("Other story", &TEXT[..2])).header("content-type", "text/html"),
        _ => Resp::status(404),
    })
}

pub fn desk(dir: &Path, site: &TestServer) {
    std::fs::create_dir_all(dir.join("desk")).unwrap();
    write(
        dir,
        "desk/story.txt",
        format!(
            "Talks resume\n\n- {}\n- {}\n",
            site.url("/tagged"),
            site.url("/other")
        ),
    );
    write(
        dir,
        "provcheck.toml",
        "allow_net = [\"127.0.0.1/32\"]\nsoft404_probe = false\n",
    );
}

/// The two text columns `sql` selects, of every row, from the index in `archive`.
fn pairs(archive: &Path, sql: &str) -> Vec<(String, String)> {
    let index = rusqlite::Connection::open(archive.join("index.sqlite")).unwrap();
    let mut stmt = index.prepare(sql).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `(path, state)` of every WARC file the index knows.
fn warc_rows(dir: &Path) -> Vec<(String, String)> {
    pairs(
        &dir.join("archive"),
        "SELECT path, state FROM warc_files ORDER BY id",
    )
}

fn local_warc_files(dir: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir.join("archive"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".warc.gz"))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

pub fn ok(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_command_works_on_warc_files_in_a_bucket() {
    let Some(s3) = S3::from_env() else { return };
    let (bucket, prefix) = s3.new_prefix("every");
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), &site);
    let warc_url = format!("s3://{bucket}/{prefix}/");

    // check, then sweep (the second answering 304), both writing to the bucket: named by the
    // flag, then by the environment as a desk would export it.
    ok(&s3
        .command(dir.path())
        .args(["check", "desk/story.txt", "--warc-url", &warc_url])
        .output()
        .unwrap());
    ok(&s3
        .command(dir.path())
        .args(["sweep", "desk", "--max-age", "0s"])
        .env("PROVCHECK_WARC_URL", &warc_url)
        .output()
        .unwrap());
    let rows = warc_rows(dir.path());
    assert!(rows.len() >= 2, "{rows:?}");
    for (path, state) in &rows {
        assert!(path.starts_with(&warc_url), "{path}");
        assert_eq!(state, "closed", "{path}");
    }
    assert!(
        local_warc_files(dir.path()).is_empty(),
        "{:?}",
        local_warc_files(dir.path())
    );
    // Every object is a WARC file of gzip members, a warcinfo record first.
    let (_, key) = rows[0]
        .0
        .strip_prefix("s3://")
        .unwrap()
        .split_once('/')
        .unwrap();
    let mut first = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&s3.get(&bucket, key)[..]),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n"));

    // The readers find the records from the index alone.
    let tagged = site.url("/tagged");
    let verify = ok(&s3.command(dir.path()).arg("verify").output().unwrap());
    assert!(verify.contains("0 problems"), "{verify}");
    let history = ok(&s3
        .command(dir.path())
        .args(["history", &tagged])
        .output()
        .unwrap());
    assert!(history.contains(" 304 "), "{history}");
    assert!(history.contains(&warc_url), "{history}");
    let show = ok(&s3
        .command(dir.path())
        .args(["show", &tagged, "--body"])
        .output()
        .unwrap());
    assert!(show.contains(TEXT[0]), "{show}");
    let report = json(
        ok(&s3
            .command(dir.path())
            .args(["report", "--all", "--format", "json"])
            .output()
            .unwrap())
        .as_bytes(),
    );
    let citations: Vec<_> = report["articles"][0]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(citations, ["ok", "ok"], "{report:#}");
    let cdxj = ok(&s3
        .command(dir.path())
        .args(["export", "cdxj"])
        .output()
        .unwrap());
    assert!(cdxj.contains(&format!("\"filename\": \"{warc_url}")) || cdxj.contains(&warc_url));
    let wacz = dir.path().join("story.wacz");
    ok(&s3
        .command(dir.path())
        .args(["export", "wacz", "--article", "story", "-o"])
        .arg(&wacz)
        .output()
        .unwrap());
    assert!(std::fs::metadata(&wacz).unwrap().len() > 1000);

    // A record edited in the bucket behind provcheck's back: verify re-reads it and says where.
    let (path, _) = rows
        .iter()
        .find(|(p, _)| {
            let (_, key) = p.strip_prefix("s3://").unwrap().split_once('/').unwrap();
            let bytes = s3.get(&bucket, key);
            let mut text = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::MultiGzDecoder::new(&bytes[..]),
                &mut text,
            )
            .is_ok()
                && String::from_utf8_lossy(&text).contains("WARC-Type: response")
        })
        .expect("an object holding a response");
    let (_, key) = path.strip_prefix("s3://").unwrap().split_once('/').unwrap();
    let mut bytes = s3.get(&bucket, key);
    let last = bytes.len() - 20;
    bytes[last] ^= 0xff;
    s3.overwrite(&bucket, key, &bytes);
    let out = s3.command(dir.path()).arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains(path.as_str()), "{text}");
}

#[test]
fn a_refused_upload_loses_nothing_and_the_next_run_uploads_it() {
    // An S3 endpoint that refuses every request.
    let refusing = TestServer::start(|_| {
        Resp {
            status: 503,
            ..Resp::ok("<Error><Code>ServiceUnavailable</Code></Error>")
        }
        .header("content-type", "application/xml")
    });
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), &site);
    let out = provcheck(dir.path())
        .env("AWS_ENDPOINT_URL", refusing.url(""))
        .env("AWS_ACCESS_KEY_ID", "k")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .args([
            "check",
            "desk/story.txt",
            "--warc-url",
            "s3://evidence/newsroom/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot upload WARC file")
            && stderr.contains("s3://evidence/newsroom/")
            && stderr.contains("503")
            && stderr.contains("ServiceUnavailable"),
        "{stderr}"
    );
    // Nothing the index names is missing: the records stay in the local file, which is still
    // `open` (never uploaded), and no capture row points at anything.
    let rows = warc_rows(dir.path());
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|(p, s)| !p.starts_with("s3://") && s == "open"),
        "{rows:?}"
    );
    let index = rusqlite::Connection::open(dir.path().join("archive/index.sqlite")).unwrap();
    let snapshots: i64 = index
        .query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(snapshots, 0);
    drop(index);
    let verify = provcheck(dir.path()).arg("verify").output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");

    // With the bucket reachable, the next run recovers the file, uploads it, and goes on.
    let Some(s3) = S3::from_env() else { return };
    let (bucket, prefix) = s3.new_prefix("refused");
    let warc_url = format!("s3://{bucket}/{prefix}/");
    ok(&s3
        .command(dir.path())
        .args(["check", "desk/story.txt", "--warc-url", &warc_url])
        .output()
        .unwrap());
    let rows = warc_rows(dir.path());
    assert!(
        rows.iter().all(|(p, _)| p.starts_with(&warc_url)),
        "{rows:?}"
    );
    assert!(rows.iter().any(|(_, s)| s == "recovered"), "{rows:?}");
    assert!(local_warc_files(dir.path()).is_empty());
    let verify = ok(&s3.command(dir.path()).arg("verify").output().unwrap());
    assert!(verify.contains("0 problems"), "{verify}");

    // The bucket unreachable: verify says which object and why, not that a file is gone.
    let out = s3
        .command(dir.path())
        .env("AWS_ENDPOINT_URL", refusing.url(""))
        .arg("verify")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(&warc_url) && text.contains("503") && !text.contains("is missing"),
        "{text}"
    );
}

#[test]
fn a_warc_url_that_is_not_s3_is_a_config_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "story.txt", "Story\n\n- http://127.0.0.1:9/a\n");
    let out = provcheck(dir.path())
        .args([
            "check",
            "story.txt",
            "--warc-url",
            "https://evidence.example/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warc_url") && stderr.contains("https://evidence.example/"),
        "{stderr}"
    );
}

/// `(record_id, block digest)` of every record the index at `dir` knows, in order.
fn records(dir: &Path) -> Vec<(String, String)> {
    pairs(
        dir,
        "SELECT record_id, block_sha256 FROM records ORDER BY id",
    )
}

/// The number of records `verify` says it read ("OK: N records in ...").
pub fn records_verified(out: &str) -> &str {
    out.split(" records")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
}

pub fn verified(cmd: &mut Command, archive: &Path) -> String {
    let out = ok(&cmd
        .args(["verify", "--chain", "--archive"])
        .arg(archive)
        .output()
        .unwrap());
    assert!(out.contains("0 problems"), "{out}");
    out
}

/// Checked, then swept (a 304 each), into the archive under `dir`.
pub fn archived(dir: &Path, site: &TestServer) {
    desk(dir, site);
    for args in [
        &["check", "desk/story.txt"][..],
        &["sweep", "desk", "--max-age", "0s"],
    ] {
        ok(&provcheck(dir).args(args).output().unwrap());
    }
}

#[test]
fn an_archive_migrates_to_another_directory_and_never_onto_one() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    archived(dir.path(), &site);
    let from = dir.path().join("archive");
    let to = dir.path().join("moved");
    ok(&provcheck(dir.path())
        .args(["archive", "migrate", "--to"])
        .arg(&to)
        .output()
        .unwrap());
    assert_eq!(records(&to), records(&from));
    assert!(!records(&to).is_empty());
    let a = verified(&mut provcheck(dir.path()), &from);
    let b = verified(&mut provcheck(dir.path()), &to);
    assert_eq!(records_verified(&a), records_verified(&b));
    // The copy stands alone: the source's files gone, it still verifies.
    std::fs::remove_dir_all(from.join("warc")).unwrap();
    verified(&mut provcheck(dir.path()), &to);
    // Never onto an archive.
    let out = provcheck(dir.path())
        .args(["archive", "migrate", "--archive"])
        .arg(&to)
        .arg("--to")
        .arg(&to)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("an archive is already there"),
        "{out:?}"
    );
}

#[test]
fn an_archive_migrates_into_a_bucket_and_back() {
    let Some(s3) = S3::from_env() else { return };
    let (bucket, prefix) = s3.new_prefix("migrate");
    let warc_url = format!("s3://{bucket}/{prefix}/");
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    archived(dir.path(), &site);
    let from = dir.path().join("archive");
    let there = dir.path().join("in-bucket");
    let back = dir.path().join("back");
    ok(&s3
        .command(dir.path())
        .args(["archive", "migrate", "--to"])
        .arg(&there)
        .args(["--to-warc-url", &warc_url])
        .output()
        .unwrap());
    let index = rusqlite::Connection::open(there.join("index.sqlite")).unwrap();
    let paths: Vec<String> = index
        .prepare("SELECT path FROM warc_files")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(index);
    assert!(!paths.is_empty());
    assert!(paths.iter().all(|p| p.starts_with(&warc_url)), "{paths:?}");
    ok(&s3
        .command(dir.path())
        .args(["archive", "migrate", "--archive"])
        .arg(&there)
        .arg("--to")
        .arg(&back)
        .output()
        .unwrap());
    assert_eq!(records(&there), records(&from));
    assert_eq!(records(&back), records(&from));
    let outs: Vec<String> = [&from, &there, &back]
        .iter()
        .map(|a| verified(&mut s3.command(dir.path()), a))
        .collect();
    let counts: Vec<&str> = outs.iter().map(|s| records_verified(s)).collect();
    assert_eq!(counts[0], counts[1]);
    assert_eq!(counts[0], counts[2]);
    // The history reads the same from each side.
    let history = |archive: &Path| {
        let out = ok(&s3
            .command(dir.path())
            .args([
                "history",
                "--format",
                "json",
                &site.url("/tagged"),
                "--archive",
            ])
            .arg(archive)
            .output()
            .unwrap());
        json(out.as_bytes())["history"].as_array().unwrap().len()
    };
    assert!(history(&from) >= 3, "a snapshot and two checks");
    assert_eq!(history(&from), history(&there));
    assert_eq!(history(&from), history(&back));
}

#[test]
fn an_endpoint_behind_an_internal_ca_is_trusted_through_aws_ca_bundle() {
    use crate::wire::{TLS_DIR, TlsServer};
    // An HTTPS endpoint with the tests' own CA; it holds no object (404 to anything).
    let endpoint = TlsServer::start(&[b"http/1.1"], "/none", "", Vec::new());
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    archived(dir.path(), &site);
    // The index names an object there.
    let index = rusqlite::Connection::open(dir.path().join("archive/index.sqlite")).unwrap();
    index
        .execute(
            "UPDATE warc_files SET path = 's3://evidence/' || id || '.warc.gz'",
            [],
        )
        .unwrap();
    drop(index);
    let verify = |bundle: Option<&str>| {
        let mut cmd = provcheck(dir.path());
        cmd.env(
            "AWS_ENDPOINT_URL",
            format!("https://127.0.0.1:{}", endpoint.addr.port()),
        )
        .env("AWS_ACCESS_KEY_ID", "k")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .env_remove("AWS_CA_BUNDLE");
        if let Some(bundle) = bundle {
            cmd.env("AWS_CA_BUNDLE", bundle);
        }
        let out = cmd.args(["verify", "--format", "json"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    // Without the bundle the certificate is refused; with it the server is reached (and says
    // it has no such object).
    let refused = verify(None);
    assert!(refused.contains("certificate"), "{refused}");
    let reached = verify(Some(&format!("{TLS_DIR}/ca.pem")));
    assert!(reached.contains("the WARC file is missing"), "{reached}");
    assert!(!reached.contains("certificate"), "{reached}");
    // A bundle that cannot be read is said, naming it.
    let bad = verify(Some("/nonexistent/ca.pem"));
    assert!(
        bad.contains("AWS_CA_BUNDLE") && bad.contains("/nonexistent/ca.pem"),
        "{bad}"
    );
}
