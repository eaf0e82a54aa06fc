//! The seam between provcheck's index and the database engine that holds it.
//!
//! Every statement of the index goes through these types: a [`Connection`], its cached
//! [`Statement`]s, [`Transaction`]s and [`Row`]s, in the shape of rusqlite's API (which the index
//! was first written against) but bound and read through provcheck's own [`Value`]s, so that
//! one engine can be swapped for another without touching the queries' callers. SQLite (the
//! embedded default, through rusqlite) or PostgreSQL (`postgres://` index URLs, through the
//! `postgres` crate; `pg.rs` translates the dialect and the types).
//!
//! The SQL is written once, in the dialect both engines share: `?N` placeholders, `ON CONFLICT`
//! upserts, `CAST(SUM(x) AS BIGINT)` where a sum is read as an integer.

mod pg;
mod value;

pub use value::{FromSql, Params, ToSql, Value, ValueRef};

use std::fmt::Write as _;

/// A database error, from the engine or from reading a value as the wrong type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres_message(.0))]
    Postgres(postgres::Error),
    /// The TLS a PostgreSQL URL asks for cannot be set up.
    #[error("TLS to PostgreSQL: {0}")]
    Tls(String),
    /// A query that should return a row returned none.
    #[error("query returned no rows")]
    NoRows,
    /// A column held a value of another type than the one read.
    #[error("column {column}: {message}")]
    Type { column: usize, message: String },
}

impl Error {
    /// Whether the engine said another connection holds the lock (worth waiting for).
    #[must_use]
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        Self::Postgres(error)
    }
}

/// PostgreSQL's own words (its message and detail), or the client's summary and why (its
/// sources: "error connecting to server: Connection refused").
fn postgres_message(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut message = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            let _ = write!(message, " ({detail})");
        }
        return message;
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = write!(message, ": {cause}");
        source = cause.source();
    }
    message
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `.optional()` on a single-row result: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Parameters bound in order: `params![a, b, c]`.
#[macro_export]
macro_rules! db_params {
    () => {
        &[] as &[&dyn $crate::db::ToSql]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql]
    };
}
pub use crate::db_params as params;

/// Parameters from an iterator of values.
pub fn params_from_iter<I>(iter: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    iter.into_iter().map(|v| v.to_sql().to_owned()).collect()
}

/// When a transaction takes the write lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionBehavior {
    /// At its first write.
    Deferred,
    /// At once: a transaction that reads before it writes must not find the lock taken then.
    /// On PostgreSQL, one advisory lock for all such transactions: one at a time, as SQLite.
    Immediate,
    /// SQLite: immediate. PostgreSQL: read committed, beside other writers — for a transaction
    /// whose rows no other writer's overlap but through upserts (a batch of captures: each
    /// worker's URLs are its own).
    Concurrent,
}

/// An open connection to the index's database.
pub struct Connection {
    engine: Engine,
}

enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<pg::Pg>),
}

#[allow(clippy::needless_pass_by_value)]
impl Connection {
    /// Wraps an open SQLite connection.
    #[must_use]
    pub fn from_sqlite(sqlite: rusqlite::Connection) -> Self {
        Self {
            engine: Engine::Sqlite(sqlite),
        }
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user@host:port/db`).
    pub fn connect_postgres(url: &str) -> Result<Self> {
        Ok(Self {
            engine: Engine::Postgres(Box::new(pg::Pg::connect(url)?)),
        })
    }

    /// The SQLite connection, for what only SQLite has (pragmas, `VACUUM INTO`).
    #[must_use]
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.engine {
            Engine::Sqlite(c) => Some(c),
            Engine::Postgres(_) => None,
        }
    }

    /// Whether the database is PostgreSQL.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// Whether this connection cannot write.
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(c) => c.is_readonly(rusqlite::MAIN_DB).unwrap_or(true),
            Engine::Postgres(pg) => pg.read_only.get(),
        }
    }

    /// Makes every later transaction of this connection read-only (PostgreSQL: a reader's
    /// session writes nothing, not even a cache; SQLite readers open the file read-only).
    pub fn set_read_only(&self) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(()),
            Engine::Postgres(pg) => {
                pg.batch("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
                pg.read_only.set(true);
                Ok(())
            }
        }
    }

    /// A statement kept in the connection's cache.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            inner: match &self.engine {
                Engine::Sqlite(c) => StatementInner::Cached(c.prepare_cached(sql)?),
                Engine::Postgres(pg) => StatementInner::Postgres(pg, pg.statement(sql)?),
            },
        })
    }

    /// A statement used once (or rarely): a scan. On PostgreSQL its rows are read through a
    /// cursor, a page at a time.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            inner: match &self.engine {
                Engine::Sqlite(c) => StatementInner::Plain(c.prepare(sql)?),
                Engine::Postgres(pg) => StatementInner::Scan(pg, sql.to_owned()),
            },
        })
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// The first row of a query, read by `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs statements separated by semicolons, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Postgres(pg) => pg.batch(sql),
        }
    }

    /// The id of the row the last `INSERT` on this connection created.
    pub fn last_insert_rowid(&self) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.last_insert_rowid()),
            Engine::Postgres(pg) => pg.last_insert_rowid(),
        }
    }

    /// Opens a transaction (deferred).
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.unchecked_transaction_with(TransactionBehavior::Deferred)
    }

    /// Opens a transaction that takes the write lock as `behavior` says.
    pub fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        self.unchecked_transaction_with(behavior)
    }

    /// Opens a transaction through a shared reference (deferred).
    pub fn unchecked_transaction(&self) -> Result<Transaction<'_>> {
        self.unchecked_transaction_with(TransactionBehavior::Deferred)
    }

    fn unchecked_transaction_with(&self, behavior: TransactionBehavior) -> Result<Transaction<'_>> {
        self.execute_batch(match (behavior, self.is_postgres()) {
            (TransactionBehavior::Deferred, _) => "BEGIN DEFERRED",
            (TransactionBehavior::Immediate, _) | (TransactionBehavior::Concurrent, false) => {
                "BEGIN IMMEDIATE"
            }
            (TransactionBehavior::Concurrent, true) => "BEGIN ISOLATION LEVEL READ COMMITTED",
        })?;
        Ok(Transaction {
            conn: self,
            finished: false,
        })
    }
}

/// An open transaction: rolled back when dropped without [`Transaction::commit`].
pub struct Transaction<'c> {
    conn: &'c Connection,
    finished: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.finished = true;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    pub fn rollback(mut self) -> Result<()> {
        self.finished = true;
        self.conn.execute_batch("ROLLBACK")?;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

enum StatementInner<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Plain(rusqlite::Statement<'c>),
    Postgres(&'c pg::Pg, postgres::Statement),
    /// A PostgreSQL scan: its SQL, declared as a cursor when queried.
    Scan(&'c pg::Pg, String),
}

/// A prepared statement.
pub struct Statement<'c> {
    inner: StatementInner<'c>,
}

// Parameters are taken by value, as rusqlite takes them: call sites pass arrays and slices.
#[allow(clippy::needless_pass_by_value)]
impl<'c> Statement<'c> {
    /// Binds `params` (SQLite) or reads them out (PostgreSQL binds at execution).
    fn bind<'p, P: Params>(&mut self, params: &'p P) -> Result<Option<Vec<ValueRef<'p>>>> {
        let values = params.values();
        let statement: &mut rusqlite::Statement<'c> = match &mut self.inner {
            StatementInner::Cached(s) => s,
            StatementInner::Plain(s) => s,
            StatementInner::Postgres(..) | StatementInner::Scan(..) => return Ok(Some(values)),
        };
        statement.clear_bindings();
        for (i, value) in values.into_iter().enumerate() {
            statement.raw_bind_parameter(
                i + 1,
                rusqlite::types::ToSqlOutput::Borrowed(value.sqlite()),
            )?;
        }
        Ok(None)
    }

    /// The names of the statement's result columns.
    #[must_use]
    pub fn column_names(&self) -> Vec<String> {
        match &self.inner {
            StatementInner::Cached(s) => s.column_names().map(str::to_owned).collect(),
            StatementInner::Plain(s) => s.column_names().map(str::to_owned).collect(),
            StatementInner::Postgres(_, s) => {
                s.columns().iter().map(|c| c.name().to_owned()).collect()
            }
            StatementInner::Scan(pg, sql) => pg
                .statement(sql)
                .map(|s| s.columns().iter().map(|c| c.name().to_owned()).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether the statement returns at least one row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }

    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = self.bind(&params)?;
        match (&mut self.inner, values) {
            (StatementInner::Cached(s), _) => Ok(s.raw_execute()?),
            (StatementInner::Plain(s), _) => Ok(s.raw_execute()?),
            (StatementInner::Postgres(pg, statement), values) => {
                pg.execute(statement, &values.unwrap_or_default())
            }
            (StatementInner::Scan(pg, sql), values) => {
                let statement = pg.statement(sql)?;
                pg.execute(&statement, &values.unwrap_or_default())
            }
        }
    }

    /// The rows of the statement, read one at a time (on PostgreSQL, a cached statement's are
    /// fetched whole, a scan's a page at a time).
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let values = self.bind(&params)?;
        Ok(Rows {
            inner: match (&mut self.inner, values) {
                (StatementInner::Cached(s), _) => RowsInner::Sqlite(s.raw_query()),
                (StatementInner::Plain(s), _) => RowsInner::Sqlite(s.raw_query()),
                (StatementInner::Postgres(pg, statement), values) => RowsInner::Postgres {
                    rows: pg
                        .query(statement, &values.unwrap_or_default())?
                        .into_iter(),
                    current: None,
                },
                (StatementInner::Scan(pg, sql), values) => RowsInner::Cursor {
                    cursor: pg.cursor(sql, &values.unwrap_or_default())?,
                    current: None,
                },
            },
        })
    }

    /// The first row, read by `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(Error::NoRows),
        }
    }

    /// Every row, each read by `f`.
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            f,
        })
    }
}

/// The rows of a query.
pub struct Rows<'s> {
    inner: RowsInner<'s>,
}

enum RowsInner<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres {
        rows: std::vec::IntoIter<postgres::Row>,
        current: Option<postgres::Row>,
    },
    Cursor {
        cursor: pg::Cursor<'s>,
        current: Option<postgres::Row>,
    },
}

impl Rows<'_> {
    /// The next row, or `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match &mut self.inner {
            RowsInner::Sqlite(rows) => Ok(rows.next()?.map(|r| Row {
                inner: RowInner::Sqlite(r),
            })),
            RowsInner::Postgres { rows, current } => {
                *current = rows.next();
                Ok(current.as_ref().map(|r| Row {
                    inner: RowInner::Postgres(r),
                }))
            }
            RowsInner::Cursor { cursor, current } => {
                *current = cursor.next()?;
                Ok(current.as_ref().map(|r| Row {
                    inner: RowInner::Postgres(r),
                }))
            }
        }
    }
}

/// The rows of a query, each read by a function.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// One row of a query's result.
pub struct Row<'r> {
    inner: RowInner<'r>,
}

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

/// A column's place in a row.
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    /// The value of column `column`, read as `T`.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, column: I) -> Result<T> {
        let column = column.index();
        let value = match &self.inner {
            RowInner::Sqlite(row) => ValueRef::from_sqlite(row.get_ref(column)?),
            RowInner::Postgres(row) => pg::value(row, column)?,
        };
        T::from_sql(value).map_err(|message| Error::Type { column, message })
    }
}
