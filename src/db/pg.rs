//! PostgreSQL behind the seam: one blocking client (the `postgres` crate), statements prepared
//! once per connection, the shared SQL dialect translated on the way in and PostgreSQL's types
//! read back as the index's [`ValueRef`]s.

use super::{Error, Result, ValueRef};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// The key of the advisory lock every immediate transaction takes: PostgreSQL's stand-in for
/// SQLite's one writer at a time, so that what was proven for one engine holds on the other.
const WRITER_LOCK: i64 = 0x7072_6f76_6368_6b00; // "provchk\0"

/// An open PostgreSQL connection.
pub(super) struct Pg {
    client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Cursors declared so far (each gets a name of its own).
    cursors: std::cell::Cell<u64>,
    /// The session is read-only.
    pub(super) read_only: std::cell::Cell<bool>,
}

/// Rows a cursor hands over per `FETCH`.
const FETCH: usize = 1000;

/// An open cursor: the rows of a scan, fetched a page at a time; closed when dropped.
pub(super) struct Cursor<'c> {
    pg: &'c Pg,
    name: String,
    page: std::vec::IntoIter<postgres::Row>,
    done: bool,
}

impl Cursor<'_> {
    /// The next row, fetching the next page when this one is used up.
    pub(super) fn next(&mut self) -> Result<Option<postgres::Row>> {
        if let Some(row) = self.page.next() {
            return Ok(Some(row));
        }
        if self.done {
            return Ok(None);
        }
        let fetch = format!("FETCH {FETCH} FROM {}", self.name);
        let rows = self.pg.with_client(|c| c.query(&fetch, &[]))?;
        self.done = rows.len() < FETCH;
        self.page = rows.into_iter();
        Ok(self.page.next())
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        let close = format!("CLOSE {}", self.name);
        // A cursor of a transaction that failed went with it.
        let _ = self.pg.with_client(|c| c.batch_execute(&close));
    }
}

/// The TLS of `sslmode=require`: the server's certificate verified, for the host the URL
/// names, against the CA certificates of the PEM file `PGSSLROOTCERT` names (libpq's variable:
/// a private CA, as managed databases use), else against the system's roots. Without
/// `sslmode=require` the connection is plain (libpq's `prefer` without a certificate check would
/// only look safe).
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let builder = rustls::ClientConfig::builder();
    let config = if let Some(path) = std::env::var_os("PGSSLROOTCERT").filter(|p| !p.is_empty()) {
        let bad =
            |message: String| Error::Tls(format!("PGSSLROOTCERT {}: {message}", path.display()));
        let mut roots = rustls::RootCertStore::empty();
        for cert in
            CertificateDer::pem_file_iter(&path).map_err(|e| bad(format!("cannot read it: {e}")))?
        {
            let cert = cert.map_err(|e| bad(format!("not a PEM file of certificates: {e}")))?;
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(bad("holds no certificate".to_owned()));
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        let verifier =
            rustls_platform_verifier::Verifier::new(Arc::clone(builder.crypto_provider()))
                .map_err(|e| Error::Tls(format!("the system's certificate roots: {e}")))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl Pg {
    /// Connects to `url`; a URL without a password takes `PGPASSWORD`'s, as libpq does.
    pub(super) fn connect(url: &str) -> Result<Self> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_password().is_none()
            && let Some(password) = std::env::var_os("PGPASSWORD")
        {
            config.password(password.as_encoded_bytes());
        }
        let client = if config.get_ssl_mode() == postgres::config::SslMode::Require {
            config.connect(tls()?)?
        } else {
            config.connect(postgres::NoTls)?
        };
        Ok(Self {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            cursors: std::cell::Cell::new(0),
            read_only: std::cell::Cell::new(false),
        })
    }

    /// Runs `f` on the client. The blocking client drives a runtime of its own, which cannot be
    /// entered from a thread already running async tasks (the fetcher's, where the hosts'
    /// shared budget is asked): there it runs on a thread of its own for the call.
    pub(super) fn with_client<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
    ) -> Result<T> {
        let mut client = self.client.borrow_mut();
        let client: &mut postgres::Client = &mut client;
        let result = if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(move || f(client))
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        } else {
            f(client)
        };
        Ok(result?)
    }

    /// The statement for `sql` (in the shared dialect), prepared on first use.
    pub(super) fn statement(&self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let translated = translate(sql);
        let statement = self.with_client(|c| c.prepare(&translated))?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(super) fn execute(
        &self,
        statement: &postgres::Statement,
        params: &[ValueRef<'_>],
    ) -> Result<usize> {
        let params: Vec<Param<'_>> = params.iter().map(|v| Param(*v)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let n = self.with_client(|c| c.execute(statement, &refs))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub(super) fn query(
        &self,
        statement: &postgres::Statement,
        params: &[ValueRef<'_>],
    ) -> Result<Vec<postgres::Row>> {
        let params: Vec<Param<'_>> = params.iter().map(|v| Param(*v)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.with_client(|c| c.query(statement, &refs))
    }

    /// The rows of `sql` (in the shared dialect) through a cursor: a scan of the whole index
    /// holds a page of rows at a time, not all of them. `WITH HOLD`, so that it also works
    /// outside a transaction (PostgreSQL then keeps the result on its side until it is closed).
    pub(super) fn cursor(&self, sql: &str, params: &[ValueRef<'_>]) -> Result<Cursor<'_>> {
        let n = self.cursors.get() + 1;
        self.cursors.set(n);
        let name = format!("provcheck_scan_{n}");
        let declare = format!(
            "DECLARE {name} NO SCROLL CURSOR WITH HOLD FOR {}",
            translate(sql)
        );
        let params: Vec<Param<'_>> = params.iter().map(|v| Param(*v)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.with_client(|c| c.execute(declare.as_str(), &refs))?;
        Ok(Cursor {
            pg: self,
            name,
            page: Vec::new().into_iter(),
            done: false,
        })
    }

    /// Statements without parameters; a transaction's `BEGIN` in SQLite's words is said in
    /// PostgreSQL's.
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        let sql = match sql.trim() {
            "BEGIN IMMEDIATE" => format!("BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"),
            "BEGIN DEFERRED" | "BEGIN" => "BEGIN ISOLATION LEVEL REPEATABLE READ".to_owned(),
            other => other.to_owned(),
        };
        self.with_client(|c| c.batch_execute(&sql))
    }

    pub(super) fn last_insert_rowid(&self) -> Result<i64> {
        self.with_client(|c| c.query_one("SELECT lastval()", &[])?.try_get(0))
    }
}

/// The shared dialect in PostgreSQL's words: `?N` placeholders become `$N` (a bare `?` the next
/// number), `INSERT OR IGNORE` an `ON CONFLICT DO NOTHING`, and the column `offset` (a reserved
/// word there) is quoted. String literals and quoted identifiers are left as they are.
#[must_use]
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = 0u32;
    let mut chars = sql.char_indices().peekable();
    let mut ignore = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    digits = next.to_string();
                } else if let Ok(n) = digits.parse::<u32>() {
                    next = next.max(n);
                }
                out.push('$');
                out.push_str(&digits);
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some((i, d)) = chars.peek().copied() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        end = i + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &sql[at..end];
                if word == "offset" {
                    out.push_str("\"offset\"");
                } else if word.eq_ignore_ascii_case("OR") && out.trim_end().ends_with("INSERT") {
                    // INSERT OR IGNORE: the conflict clause goes at the end.
                    let rest = sql[end..].trim_start();
                    if rest.starts_with("IGNORE") {
                        for _ in 0.."IGNORE".len() + (sql[end..].len() - rest.len()) {
                            chars.next();
                        }
                        ignore = true;
                        while out.ends_with(' ') {
                            out.pop();
                        }
                    } else {
                        out.push_str(word);
                    }
                } else {
                    out.push_str(word);
                }
            }
            c => out.push(c),
        }
    }
    if ignore {
        let trimmed = out.trim_end().trim_end_matches(';').len();
        out.truncate(trimmed);
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    out
}

/// A value bound to a PostgreSQL parameter of whatever type the server inferred for it.
#[derive(Debug)]
struct Param<'a>(ValueRef<'a>);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        let text_like = matches!(
            *ty,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
        );
        match self.0 {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                #[allow(clippy::cast_precision_loss)]
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                _ if text_like => i.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(format!("an integer for a parameter of type {ty}").into()),
            },
            ValueRef::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 => (r as f32).to_sql(ty, out),
                _ if text_like => r.to_string().as_str().to_sql(&Type::TEXT, out),
                _ => Err(format!("a real for a parameter of type {ty}").into()),
            },
            ValueRef::Text(t) => match *ty {
                Type::INT8 => t.trim().parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => t.trim().parse::<i32>()?.to_sql(ty, out),
                Type::FLOAT8 => t.trim().parse::<f64>()?.to_sql(ty, out),
                Type::BYTEA => t.as_bytes().to_sql(ty, out),
                _ => t.to_sql(&Type::TEXT, out),
            },
            ValueRef::Blob(b) => match *ty {
                _ if text_like => std::str::from_utf8(b)?.to_sql(&Type::TEXT, out),
                _ => b.to_sql(&Type::BYTEA, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of a PostgreSQL row as the index reads values.
pub(super) fn value(row: &postgres::Row, i: usize) -> Result<ValueRef<'_>> {
    let column = row.columns().get(i).ok_or_else(|| Error::Type {
        column: i,
        message: "no such column".to_owned(),
    })?;
    let value = match *column.type_() {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(ValueRef::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|v| ValueRef::Integer(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map(|v| ValueRef::Integer(v.into())),
        Type::OID => row
            .try_get::<_, Option<u32>>(i)?
            .map(|v| ValueRef::Integer(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map(|v| ValueRef::Integer(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(ValueRef::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map(|v| ValueRef::Real(v.into())),
        Type::BYTEA => row.try_get::<_, Option<&[u8]>>(i)?.map(ValueRef::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            row.try_get::<_, Option<&str>>(i)?.map(ValueRef::Text)
        }
        ref other => {
            return Err(Error::Type {
                column: i,
                message: format!("PostgreSQL type {other} is not read by the index (cast it)"),
            });
        }
    };
    Ok(value.unwrap_or(ValueRef::Null))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_conflicts_and_reserved_words_are_translated() {
        assert_eq!(
            translate("SELECT r.offset FROM records r WHERE id = ?1 AND x = '?2' AND y = ?2"),
            "SELECT r.\"offset\" FROM records r WHERE id = $1 AND x = '?2' AND y = $2"
        );
        assert_eq!(
            translate("UPDATE t SET a = ? WHERE b = ?"),
            "UPDATE t SET a = $1 WHERE b = $2"
        );
        assert_eq!(
            translate("INSERT OR IGNORE INTO sweep_queue (url_id) VALUES (?1)"),
            "INSERT INTO sweep_queue (url_id) VALUES ($1) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            translate("SELECT \"offset\" FROM t"),
            "SELECT \"offset\" FROM t"
        );
        assert_eq!(translate("SELECT 'it''s' || ?1"), "SELECT 'it''s' || $1");
    }
}
