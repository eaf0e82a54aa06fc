//! The index's two engines, for tests that run against both: SQLite (always) and PostgreSQL
//! when `.ci/run` (or a developer, with `scripts/pg-server.sh`) names a server in
//! `PROVCHECK_TEST_PG` (`postgres://provcheck@127.0.0.1:PORT/provcheck`, a role that may create
//! databases). Without it the PostgreSQL half says so and is skipped, unless
//! `PROVCHECK_REQUIRE_PG` is set (CI sets it).

use std::path::{Path, PathBuf};

/// The PostgreSQL server of the tests.
pub struct Pg {
    admin: String,
}

impl Pg {
    pub fn from_env() -> Option<Self> {
        let Some(admin) = std::env::var("PROVCHECK_TEST_PG")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            assert!(
                std::env::var_os("PROVCHECK_REQUIRE_PG").is_none(),
                "PROVCHECK_REQUIRE_PG is set but PROVCHECK_TEST_PG is not"
            );
            eprintln!("PROVCHECK_TEST_PG is not set: PostgreSQL test skipped");
            return None;
        };
        Some(Self { admin })
    }

    /// A new, empty database of this test's own; its URL.
    pub fn new_database(&self, what: &str) -> String {
        let name = self.create(what, None);
        let mut url = url::Url::parse(&self.admin).unwrap();
        url.set_path(&name);
        url.to_string()
    }

    /// A new, empty database owned by `role`; its name.
    pub fn new_database_owned_by(&self, what: &str, role: &str) -> String {
        self.create(what, Some(role))
    }

    fn create(&self, what: &str, owner: Option<&str>) -> String {
        let name = format!("{what}_{:016x}", fastrand::u64(..));
        let mut client = postgres::Client::connect(&self.admin, postgres::NoTls).unwrap();
        let owner = owner.map(|o| format!(" OWNER {o}")).unwrap_or_default();
        client
            .batch_execute(&format!("CREATE DATABASE {name}{owner}"))
            .unwrap();
        name
    }
}

/// Where a test archive's index is, read behind provcheck's back.
pub enum TestIndex {
    File(PathBuf),
    Postgres(String),
}

impl TestIndex {
    /// The index of the archive directory `archive`, or the database `url`.
    pub fn of(archive: &Path, url: Option<&str>) -> Self {
        match url {
            Some(url) => Self::Postgres(url.to_owned()),
            None => Self::File(archive.join("index.sqlite")),
        }
    }

    /// The integer `sql` (with `?1` bound to `param` when given) answers; `None` when the
    /// index cannot be read yet.
    pub fn try_int(&self, sql: &str, param: Option<&str>) -> Option<i64> {
        match self {
            Self::File(path) => {
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .ok()?;
                match param {
                    Some(p) => conn.query_row(sql, [p], |r| r.get(0)).ok(),
                    None => conn.query_row(sql, [], |r| r.get(0)).ok(),
                }
            }
            Self::Postgres(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).ok()?;
                let sql = sql.replace("?1", "$1");
                let row = match param {
                    Some(p) => client.query_one(&sql, &[&p]).ok()?,
                    None => client.query_one(&sql, &[]).ok()?,
                };
                row.try_get::<_, i64>(0).ok()
            }
        }
    }

    pub fn int(&self, sql: &str, param: Option<&str>) -> i64 {
        self.try_int(sql, param)
            .unwrap_or_else(|| panic!("cannot read the index: {sql}"))
    }

    /// The two text columns `sql` selects, of every row.
    pub fn pairs(&self, sql: &str) -> Vec<(String, String)> {
        match self {
            Self::File(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Self::Postgres(url) => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect(),
        }
    }

    /// Runs `sql` on the index (an edit behind provcheck's back).
    pub fn execute(&self, sql: &str) {
        match self {
            Self::File(path) => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Self::Postgres(url) => {
                postgres::Client::connect(url, postgres::NoTls)
                    .unwrap()
                    .batch_execute(sql)
                    .unwrap();
            }
        }
    }
}

/// The suite's PostgreSQL passes: `the_archive_tests_again_on_postgresql` (in `main.rs`) runs
/// the archive's tests again in a child process with `PROVCHECK_TEST_PASS=postgres`, where
/// every `provcheck` a test runs (see `cli::provcheck`) gets `PROVCHECK_INDEX_URL`: a database
/// of its own per test directory, as a desk would export it; `..._and_s3` with
/// `PROVCHECK_TEST_PASS=postgres+s3`, where it also gets `PROVCHECK_WARC_URL` (see
/// [`pass_warc_vars`]). The server's URL in either pass.
pub fn postgres_pass() -> Option<String> {
    matches!(
        std::env::var("PROVCHECK_TEST_PASS").as_deref(),
        Ok("postgres" | "postgres+s3")
    )
    .then(|| std::env::var("PROVCHECK_TEST_PG").ok())
    .flatten()
}

/// In the PostgreSQL pass, the index URL of the archive run in `dir` (a database created on
/// the first call for that directory); `None` in the SQLite pass.
pub fn pass_index_url(dir: &Path) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DATABASES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let admin = postgres_pass()?;
    let mut databases = DATABASES.get_or_init(Mutex::default).lock().unwrap();
    Some(
        databases
            .entry(dir.to_path_buf())
            .or_insert_with(|| Pg { admin }.new_database("pass"))
            .clone(),
    )
}

/// The index of the archive `provcheck` keeps for a test run in `dir` with the default
/// archive directory: `dir/archive/index.sqlite`, or the pass's database.
pub fn index_of(dir: &Path) -> TestIndex {
    TestIndex::of(&dir.join("archive"), pass_index_url(dir).as_deref())
}

/// Whether a test about the SQLite file itself (its locks, its bytes, its repair) runs: not in
/// the PostgreSQL pass, which says so.
pub fn sqlite_only(test: &str) -> bool {
    if postgres_pass().is_some() {
        eprintln!("{test}: about the SQLite index file; not in the PostgreSQL pass");
        return false;
    }
    true
}

/// The index whose SQLite file would be `index_file` (`DIR/archive/index.sqlite` for a test
/// run in `DIR`), opened through provcheck's own seam: that file, or in the PostgreSQL pass
/// the database of `DIR`. Tests read and edit it behind provcheck's back with the same SQL on
/// both engines.
pub fn index_conn(index_file: &Path) -> provcheck::db::Connection {
    let dir = index_file
        .parent()
        .and_then(Path::parent)
        .expect("an index file in an archive directory");
    index_conn_for(dir, index_file)
}

/// [`index_conn`] for an archive elsewhere than `DIR/archive` (`--archive`), run in `dir`.
pub fn index_conn_for(dir: &Path, index_file: &Path) -> provcheck::db::Connection {
    match pass_index_url(dir) {
        Some(url) => provcheck::db::Connection::connect_postgres(&url).unwrap(),
        None => {
            provcheck::db::Connection::from_sqlite(rusqlite::Connection::open(index_file).unwrap())
        }
    }
}

/// A `provcheck` process run in `dir` outside `cli::provcheck` (to be killed, or under a
/// shell): in the PostgreSQL pass it gets the same `PROVCHECK_INDEX_URL`.
pub fn pass_env<'a>(
    cmd: &'a mut std::process::Command,
    dir: &Path,
) -> &'a mut std::process::Command {
    if let Some(url) = pass_index_url(dir) {
        cmd.env("PROVCHECK_INDEX_URL", url);
    }
    for (key, value) in pass_warc_vars(dir) {
        cmd.env(key, value);
    }
    cmd
}

/// In the PostgreSQL + S3 pass, the bucket prefix of the archive run in `dir` (created on the
/// first call for that directory), with the variables that point provcheck at the S3 server.
pub fn pass_warc_vars(dir: &Path) -> Vec<(&'static str, String)> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static PREFIXES: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    if std::env::var("PROVCHECK_TEST_PASS").as_deref() != Ok("postgres+s3") {
        return Vec::new();
    }
    let Some(s3) = crate::s3::S3::from_env() else {
        return Vec::new();
    };
    let mut prefixes = PREFIXES.get_or_init(Mutex::default).lock().unwrap();
    let url = prefixes
        .entry(dir.to_path_buf())
        .or_insert_with(|| {
            let (bucket, prefix) = s3.new_prefix("pass");
            format!("s3://{bucket}/{prefix}/")
        })
        .clone();
    let mut vars: Vec<(&'static str, String)> = s3
        .vars()
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    vars.push(("PROVCHECK_WARC_URL", url));
    vars
}

/// In the PostgreSQL + S3 pass, local copies of the WARC objects of the archive `archive` (the
/// default `DIR/archive` of a test run in `DIR`), fetched from the bucket into
/// `archive/from-bucket/` in the order of their paths; `None` in the other passes.
pub fn pass_warc_copies(archive: &Path) -> Option<Vec<PathBuf>> {
    if std::env::var("PROVCHECK_TEST_PASS").as_deref() != Ok("postgres+s3") {
        return None;
    }
    let s3 = crate::s3::S3::from_env()?;
    let conn = index_conn(&archive.join("index.sqlite"));
    let mut paths: Vec<String> = conn
        .prepare("SELECT path FROM warc_files ORDER BY path")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    paths.sort();
    let copies = archive.join("from-bucket");
    std::fs::create_dir_all(&copies).unwrap();
    let files = paths
        .iter()
        .map(|path| {
            let (bucket, key) = path
                .strip_prefix("s3://")
                .and_then(|rest| rest.split_once('/'))
                .unwrap_or_else(|| panic!("{path}: not in a bucket"));
            let file = copies.join(key.rsplit('/').next().unwrap());
            std::fs::write(&file, s3.get(bucket, key)).unwrap();
            file
        })
        .collect();
    Some(files)
}

/// Whether a test about WARC files in the archive directory (their bytes edited or removed
/// behind provcheck's back) runs: not in the PostgreSQL + S3 pass, which says so (the bucket's
/// own such tests are in `s3.rs`).
pub fn local_warc_only(test: &str) -> bool {
    if std::env::var("PROVCHECK_TEST_PASS").as_deref() == Ok("postgres+s3") {
        eprintln!("{test}: about WARC files in the directory; not in the PostgreSQL + S3 pass");
        return false;
    }
    true
}
