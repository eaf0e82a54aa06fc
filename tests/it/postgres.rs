//! The index in PostgreSQL (`index_url = "postgres://..."`), against a real server: `.ci/run`
//! starts a throwaway cluster of Debian's PostgreSQL on loopback (`scripts/pg-server.sh`) and
//! names it in `PROVCHECK_TEST_PG`; each test works in a database of its own. With an S3 server
//! at hand too (`PROVCHECK_TEST_S3`) the WARC files go to a bucket: the combination a desk that
//! outgrew one machine runs. Every command's output is compared with the same commands on an
//! embedded archive (SQLite and a directory).

use crate::backends::{Pg, TestIndex};
use crate::cli::{json, provcheck};
use crate::fixtures::TEXT;
use crate::s3::{S3, archived, desk, ok, records_verified, site, verified};
use assert_cmd::Command;
use std::path::Path;

/// A command in `dir`, pointed at the S3 server when there is one.
fn command(dir: &Path, s3: Option<&S3>) -> Command {
    match s3 {
        Some(s3) => s3.command(dir),
        None => provcheck(dir),
    }
}

/// What the readers say of an archive, with what differs between two archives of the same
/// checks left out (times, file names, ids).
fn readings(dir: &Path, s3: Option<&S3>, tagged: &str) -> Vec<String> {
    let run = |args: &[&str]| ok(&command(dir, s3).args(args).output().unwrap());
    let history = json(run(&["history", "--format", "json", tagged]).as_bytes());
    let events: Vec<String> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["kind"], e["outcome"], e["http_status"]))
        .collect();
    let report = json(run(&["report", "--all", "--format", "json"]).as_bytes());
    let statuses: Vec<String> = report["articles"][0]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["url"], c["status"]))
        .collect();
    let cdxj = run(&["export", "cdxj"]);
    let cdx_keys: Vec<String> = cdxj
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    let show = run(&["show", tagged, "--body"]);
    vec![
        events.join("\n"),
        statuses.join("\n"),
        cdx_keys.join("\n"),
        show.contains(TEXT[0]).to_string(),
    ]
}

#[test]
fn every_command_works_on_a_postgresql_index_with_the_same_outputs() {
    let Some(pg) = Pg::from_env() else { return };
    let s3 = S3::from_env();
    let site = site();
    let tagged = site.url("/tagged");

    // The embedded archive: checked, then swept (a 304).
    let embedded = tempfile::tempdir().unwrap();
    archived(embedded.path(), &site);

    // The same on PostgreSQL (and a bucket).
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), &site);
    let url = pg.new_database("every");
    let mut config = std::fs::read_to_string(dir.path().join("provcheck.toml")).unwrap();
    config.push_str(&format!("index_url = \"{url}\"\n"));
    if let Some(s3) = &s3 {
        let (bucket, prefix) = s3.new_prefix("pg-every");
        config.push_str(&format!("warc_url = \"s3://{bucket}/{prefix}/\"\n"));
    }
    std::fs::write(dir.path().join("provcheck.toml"), config).unwrap();
    for args in [
        &["check", "desk/story.txt"][..],
        &["sweep", "desk", "--max-age", "0s"],
    ] {
        ok(&command(dir.path(), s3.as_ref())
            .args(args)
            .output()
            .unwrap());
    }
    assert!(
        !dir.path().join("archive/index.sqlite").exists(),
        "the index is in PostgreSQL"
    );
    let index = TestIndex::Postgres(url.clone());
    assert_eq!(index.int("SELECT COUNT(*) FROM runs", None), 2);

    // Every reader says the same of both.
    assert_eq!(
        readings(dir.path(), s3.as_ref(), &tagged),
        readings(embedded.path(), s3.as_ref(), &tagged)
    );
    verified(
        &mut command(dir.path(), s3.as_ref()),
        &dir.path().join("archive"),
    );
    // The same records but the warcinfo opening each file (a bucket holds a file per batch).
    let kinds = "SELECT record_type, CAST(COUNT(*) AS TEXT) FROM records
                 WHERE record_type <> 'warcinfo' GROUP BY record_type ORDER BY record_type";
    assert_eq!(
        index.pairs(kinds),
        TestIndex::of(&embedded.path().join("archive"), None).pairs(kinds)
    );
    let diff = command(dir.path(), s3.as_ref())
        .args(["diff", &tagged])
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0), "{diff:?}");
    let wacz = dir.path().join("story.wacz");
    ok(&command(dir.path(), s3.as_ref())
        .args(["export", "wacz", "--article", "story", "-o"])
        .arg(&wacz)
        .output()
        .unwrap());
    assert!(std::fs::metadata(&wacz).unwrap().len() > 1000);

    // A row edited behind provcheck's back breaks the chain, and verify says where.
    index.execute("UPDATE checks SET outcome = 'gone' WHERE id = (SELECT MIN(id) FROM checks)");
    let out = command(dir.path(), s3.as_ref())
        .args(["verify", "--chain"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("run 1"), "{said}");
}

#[test]
fn an_archive_migrates_into_postgresql_and_back() {
    let Some(pg) = Pg::from_env() else { return };
    let s3 = S3::from_env();
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    archived(dir.path(), &site);
    let from = dir.path().join("archive");
    let there = dir.path().join("in-postgres");
    let back = dir.path().join("back");
    let url = pg.new_database("migrate");
    let mut into = command(dir.path(), s3.as_ref());
    into.args(["archive", "migrate", "--to"])
        .arg(&there)
        .args(["--to-index-url", &url]);
    if let Some(s3) = &s3 {
        let (bucket, prefix) = s3.new_prefix("pg-migrate");
        into.args(["--to-warc-url", &format!("s3://{bucket}/{prefix}/")]);
    }
    ok(&into.output().unwrap());
    // Never onto an archive: the database holds one now.
    let again = command(dir.path(), s3.as_ref())
        .args(["archive", "migrate", "--to"])
        .arg(dir.path().join("elsewhere"))
        .args(["--to-index-url", &url])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("an archive is already there"));
    ok(&command(dir.path(), s3.as_ref())
        .args(["archive", "migrate", "--archive"])
        .arg(&there)
        .args(["--index-url", &url, "--to"])
        .arg(&back)
        .output()
        .unwrap());

    // The same records with the same digests on every side, each verified.
    let sql = "SELECT record_id, block_sha256 FROM records ORDER BY id";
    let source = TestIndex::of(&from, None).pairs(sql);
    assert!(!source.is_empty());
    assert_eq!(TestIndex::of(&there, Some(&url)).pairs(sql), source);
    assert_eq!(TestIndex::of(&back, None).pairs(sql), source);
    let counts: Vec<String> = [(&from, None), (&there, Some(url.as_str())), (&back, None)]
        .iter()
        .map(|(archive, index_url)| {
            let mut cmd = command(dir.path(), s3.as_ref());
            cmd.args(["verify", "--chain", "--archive"]).arg(archive);
            if let Some(index_url) = index_url {
                cmd.args(["--index-url", index_url]);
            }
            let out = ok(&cmd.output().unwrap());
            assert!(out.contains("0 problems"), "{out}");
            records_verified(&out).to_owned()
        })
        .collect();
    assert_eq!(counts[0], counts[1]);
    assert_eq!(counts[0], counts[2]);
    // New rows get new ids in PostgreSQL after the copied ones: a check into the migrated
    // archive works.
    ok(&command(dir.path(), s3.as_ref())
        .args(["check", "desk/story.txt", "--archive"])
        .arg(&there)
        .args(["--index-url", &url])
        .output()
        .unwrap());
}

#[test]
fn a_reader_finds_no_archive_in_an_empty_database_and_creates_nothing() {
    let Some(pg) = Pg::from_env() else { return };
    let url = pg.new_database("empty");
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["verify"][..],
        &["export", "cdxj"],
        &["history", "https://example.org/"],
    ] {
        let out = provcheck(dir.path())
            .args(args)
            .args(["--index-url", &url])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("holds no provcheck archive"), "{said}");
    }
    let tables = TestIndex::Postgres(url).int(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        None,
    );
    assert_eq!(tables, 0, "a reader created tables");
}

#[test]
fn an_index_url_that_is_not_postgresql_or_unreachable_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("story.txt"), "Story\n").unwrap();
    let out = provcheck(dir.path())
        .args(["check", "story.txt", "--index-url", "mysql://db/provcheck"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("mysql://db/provcheck") && said.contains("postgres://"),
        "{said}"
    );
    // A server that is not there: the index is named, without the password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://provcheck:s3cret@127.0.0.1:{port}/provcheck");
    let out = provcheck(dir.path())
        .args(["verify", "--index-url", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("127.0.0.1:{port}")), "{said}");
    assert!(!said.contains("s3cret"), "the password was printed: {said}");
}

/// `sslmode=require`: the connection is TLS, the server's certificate checked against
/// `PGSSLROOTCERT` (else the system's roots). The test cluster (`scripts/pg-server.sh`) has a CA
/// of its own and a role, `tlsonly`, that it lets in over TLS only.
#[test]
fn sslmode_require_connects_over_tls_and_checks_the_servers_certificate() {
    let Some(pg) = Pg::from_env() else { return };
    let (Ok(tls), Ok(ca)) = (
        std::env::var("PROVCHECK_TEST_PG_TLS"),
        std::env::var("PROVCHECK_TEST_PG_CA"),
    ) else {
        assert!(
            std::env::var_os("PROVCHECK_REQUIRE_PG").is_none(),
            "PROVCHECK_REQUIRE_PG is set but the cluster has no TLS (openssl missing?)"
        );
        eprintln!("PROVCHECK_TEST_PG_TLS is not set: TLS test skipped");
        return;
    };
    let db = pg.new_database_owned_by("tls", "tlsonly");
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), &site);
    let run = |url: &str, ca: &str| {
        provcheck(dir.path())
            .args(["check", "desk/story.txt", "--index-url", url])
            .env("PGSSLROOTCERT", ca)
            .output()
            .unwrap()
    };
    let plain = format!("{tls}{db}");
    let require = format!("{plain}?sslmode=require");
    // Without TLS the server turns the role away, and provcheck says so.
    let out = run(&plain, &ca);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no encryption"),
        "{out:?}"
    );
    // A certificate no trusted CA signed is refused before anything is sent.
    let out = run(&require, "");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("UnknownIssuer"),
        "{out:?}"
    );
    // With the cluster's CA: the check is archived over TLS and read back.
    ok(&run(&require, &ca));
    let history = ok(&provcheck(dir.path())
        .args(["history", "--format", "json", &site.url("/tagged")])
        .args(["--index-url", &require])
        .env("PGSSLROOTCERT", &ca)
        .output()
        .unwrap());
    let history = json(history.as_bytes());
    let events = history["history"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "check" && e["what"] == "ok"),
        "{history}"
    );
}

/// A database created at schema 16 (the first PostgreSQL schema) is taken to 17 by the first
/// command that writes, not by a reader.
#[test]
fn a_schema_16_database_is_upgraded_by_the_first_writer() {
    let Some(pg) = Pg::from_env() else { return };
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    desk(dir.path(), &site);
    let url = pg.new_database("v16");
    let check = || {
        ok(&provcheck(dir.path())
            .args(["check", "desk/story.txt", "--index-url", &url])
            .output()
            .unwrap())
    };
    check();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "DROP INDEX snapshots_by_payload;
             CREATE INDEX snapshots_by_payload ON snapshots (payload_sha256);
             UPDATE provcheck_schema SET version = 16;",
        )
        .unwrap();
    let index = TestIndex::Postgres(url.clone());
    let state = || {
        (
            index.int("SELECT MAX(version) FROM provcheck_schema", None),
            index.int(
                "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'snapshots_by_payload' \
                 AND indexdef LIKE '%WHERE%'",
                None,
            ),
        )
    };
    ok(&provcheck(dir.path())
        .args(["history", &site.url("/tagged"), "--index-url", &url])
        .output()
        .unwrap());
    assert_eq!(state(), (16, 0), "a reader changed the schema");
    check();
    assert_eq!(state(), (17, 1));
}
