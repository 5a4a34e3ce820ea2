//! The guest side of SQLite: `spin:sqlite/sqlite@3.0.0` (spin-sdk's `sqlite3`)
//! and `fermyon:spin/sqlite@2.0.0` (spin-sdk's `sqlite`), over [`SqliteDbs`].

use wasmtime::component::Resource;

use crate::sqlite::{Rows, Value};
use crate::state::State;
use crate::state::bindings::fermyon::spin::sqlite as v2;
use crate::state::bindings::spin::sqlite::sqlite as v3;

/// An open database, for either WIT version.
pub struct SqliteConnection {
    label: String,
    /// `changes()` / `last-insert-rowid()` of this connection's last statement.
    changes: u64,
    last_insert_rowid: i64,
}

/// The errors both versions share.
enum Refusal {
    NoSuchDatabase,
    AccessDenied,
    InvalidConnection,
    Io(String),
}

impl State {
    fn sqlite_open(&mut self, label: String) -> Result<Resource<SqliteConnection>, Refusal> {
        if !self.ctx.sqlite_labels.contains(&label) {
            tracing::debug!(component = %self.ctx.id, label, "SQLite database not in sqlite_databases");
            return Err(Refusal::AccessDenied);
        }
        if !self.ctx.sqlite.has(&label) {
            return Err(Refusal::NoSuchDatabase);
        }
        self.table
            .push(SqliteConnection {
                label,
                changes: 0,
                last_insert_rowid: 0,
            })
            .map_err(|e| Refusal::Io(e.to_string()))
    }

    async fn sqlite_execute(
        &mut self,
        c: &Resource<SqliteConnection>,
        statement: String,
        params: Vec<Value>,
    ) -> Result<Rows, Refusal> {
        let label = self
            .table
            .get(c)
            .map(|c| c.label.clone())
            .map_err(|_| Refusal::InvalidConnection)?;
        let rows = self
            .ctx
            .sqlite
            .execute(&label, statement, params)
            .await
            .map_err(|e| Refusal::Io(e.to_string()))?;
        if let Ok(conn) = self.table.get_mut(c) {
            if let Some(n) = rows.changes {
                conn.changes = n;
            }
            if let Some(id) = rows.last_insert_rowid {
                conn.last_insert_rowid = id;
            }
        }
        Ok(rows)
    }
}

macro_rules! conversions {
    ($m:ident) => {
        impl From<Refusal> for $m::Error {
            fn from(r: Refusal) -> Self {
                match r {
                    Refusal::NoSuchDatabase => $m::Error::NoSuchDatabase,
                    Refusal::AccessDenied => $m::Error::AccessDenied,
                    Refusal::InvalidConnection => $m::Error::InvalidConnection,
                    Refusal::Io(e) => $m::Error::Io(e),
                }
            }
        }

        impl From<$m::Value> for Value {
            fn from(v: $m::Value) -> Self {
                match v {
                    $m::Value::Integer(i) => Value::Integer(i),
                    $m::Value::Real(r) => Value::Real(r),
                    $m::Value::Text(t) => Value::Text(t),
                    $m::Value::Blob(b) => Value::Blob(b),
                    $m::Value::Null => Value::Null,
                }
            }
        }

        impl From<Rows> for $m::QueryResult {
            fn from(r: Rows) -> Self {
                $m::QueryResult {
                    columns: r.columns,
                    rows: r
                        .rows
                        .into_iter()
                        .map(|row| $m::RowResult {
                            values: row
                                .into_iter()
                                .map(|v| match v {
                                    Value::Integer(i) => $m::Value::Integer(i),
                                    Value::Real(r) => $m::Value::Real(r),
                                    Value::Text(t) => $m::Value::Text(t),
                                    Value::Blob(b) => $m::Value::Blob(b),
                                    Value::Null => $m::Value::Null,
                                })
                                .collect(),
                        })
                        .collect(),
                }
            }
        }
    };
}

conversions!(v2);
conversions!(v3);

impl v2::Host for State {}

impl v2::HostConnection for State {
    async fn open(&mut self, database: String) -> Result<Resource<SqliteConnection>, v2::Error> {
        Ok(self.sqlite_open(database)?)
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v2::Value>,
    ) -> Result<v2::QueryResult, v2::Error> {
        let params = parameters.into_iter().map(Value::from).collect();
        Ok(self.sqlite_execute(&c, statement, params).await?.into())
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}

impl v3::Host for State {}

impl v3::HostConnection for State {
    async fn open(&mut self, database: String) -> Result<Resource<SqliteConnection>, v3::Error> {
        Ok(self.sqlite_open(database)?)
    }

    async fn execute(
        &mut self,
        c: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v3::Value>,
    ) -> Result<v3::QueryResult, v3::Error> {
        let params = parameters.into_iter().map(Value::from).collect();
        Ok(self.sqlite_execute(&c, statement, params).await?.into())
    }

    async fn last_insert_rowid(&mut self, c: Resource<SqliteConnection>) -> i64 {
        self.table.get(&c).map_or(0, |c| c.last_insert_rowid)
    }

    async fn changes(&mut self, c: Resource<SqliteConnection>) -> u64 {
        self.table.get(&c).map_or(0, |c| c.changes)
    }

    async fn drop(&mut self, c: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
