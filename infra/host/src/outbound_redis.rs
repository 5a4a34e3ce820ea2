//! Outbound Redis, `fermyon:spin/redis@2.0.0`: a component opens
//! `redis://host[:port]` only when its `allowed_outbound_hosts` allow that
//! address (scheme `redis`, port 6379 by default), else `invalid-address`, as Spin.
//!
//! Components open a connection per request (their instances do not
//! outlive it), so the host keeps one multiplexed connection per address
//! for all of them ([`RedisPool`]): a request pays no TCP handshake, and
//! Redis sees one client per host rather than one per request. A command
//! that changes a connection's state (`SELECT`, `MULTI`, `SUBSCRIBE`, ...)
//! moves that request onto a connection of its own first, so it never
//! changes what other requests see.

use std::collections::HashMap;
use std::sync::Mutex;

use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use wasmtime::component::Resource;

use crate::state::State;
use crate::state::bindings::fermyon::spin::redis as v2;

/// One shared connection per address.
#[derive(Default)]
pub struct RedisPool {
    by_address: Mutex<HashMap<String, MultiplexedConnection>>,
}

/// Commands whose effect stays with the connection, not the keyspace.
const STATEFUL: &[&str] = &[
    "AUTH",
    "CLIENT",
    "DISCARD",
    "EXEC",
    "HELLO",
    "MONITOR",
    "MULTI",
    "PSUBSCRIBE",
    "PUNSUBSCRIBE",
    "QUIT",
    "READONLY",
    "READWRITE",
    "RESET",
    "SELECT",
    "SSUBSCRIBE",
    "SUBSCRIBE",
    "SUNSUBSCRIBE",
    "UNSUBSCRIBE",
    "UNWATCH",
    "WATCH",
];

async fn connect(address: &str) -> Result<MultiplexedConnection, v2::Error> {
    let client = redis::Client::open(address).map_err(|_| v2::Error::InvalidAddress)?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(other)
}

impl RedisPool {
    /// The shared connection to `address`, opened on first use.
    async fn shared(&self, address: &str) -> Result<MultiplexedConnection, v2::Error> {
        if let Some(conn) = self.lock().get(address) {
            return Ok(conn.clone());
        }
        let conn = connect(address).await?;
        // Two first requests may both connect; one connection is kept.
        Ok(self
            .lock()
            .entry(address.to_owned())
            .or_insert(conn)
            .clone())
    }

    /// Drops the shared connection after it failed, so the next request
    /// connects anew (a restarted Redis, a cut connection).
    fn forget(&self, address: &str) {
        self.lock().remove(address);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, MultiplexedConnection>> {
        self.by_address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Open connections (tests, `/metrics`).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// An open connection, a `fermyon:spin/redis.connection`.
pub struct RedisConnection {
    address: String,
    conn: MultiplexedConnection,
    /// A connection of this request's own (after a stateful command).
    own: bool,
}

fn other(e: redis::RedisError) -> v2::Error {
    if e.kind() == redis::ErrorKind::UnexpectedReturnType {
        v2::Error::TypeError
    } else {
        v2::Error::Other(e.to_string())
    }
}

impl State {
    fn redis(&mut self, c: &Resource<RedisConnection>) -> Result<MultiplexedConnection, v2::Error> {
        self.table
            .get(c)
            .map(|r| r.conn.clone())
            .map_err(|e| v2::Error::Other(e.to_string()))
    }

    /// Moves `c` off the shared connection onto one of its own.
    async fn own_connection(&mut self, c: &Resource<RedisConnection>) -> Result<(), v2::Error> {
        let address = match self.table.get(c) {
            Ok(r) if !r.own => r.address.clone(),
            Ok(_) => return Ok(()),
            Err(e) => return Err(v2::Error::Other(e.to_string())),
        };
        let conn = connect(&address).await?;
        let r = self
            .table
            .get_mut(c)
            .map_err(|e| v2::Error::Other(e.to_string()))?;
        r.conn = conn;
        r.own = true;
        Ok(())
    }

    /// After a failed command: a broken shared connection is replaced.
    fn redis_failed(&mut self, c: &Resource<RedisConnection>, e: &redis::RedisError) {
        if (e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal())
            && let Ok(r) = self.table.get(c)
            && !r.own
        {
            self.ctx.redis.forget(&r.address);
        }
    }

    /// A command's result; a broken shared connection is dropped from the pool.
    fn settle<T>(
        &mut self,
        c: &Resource<RedisConnection>,
        result: redis::RedisResult<T>,
    ) -> Result<T, v2::Error> {
        result.map_err(|e| {
            self.redis_failed(c, &e);
            other(e)
        })
    }
}

/// A command's reply, flattened one level as Spin hands it to components.
fn results(value: redis::Value, out: &mut Vec<v2::RedisResult>) {
    match value {
        redis::Value::Nil => out.push(v2::RedisResult::Nil),
        redis::Value::Int(i) => out.push(v2::RedisResult::Int64(i)),
        redis::Value::BulkString(b) => out.push(v2::RedisResult::Binary(b)),
        redis::Value::SimpleString(s) => out.push(v2::RedisResult::Status(s)),
        redis::Value::Okay => out.push(v2::RedisResult::Status("OK".to_owned())),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            for item in items {
                results(item, out);
            }
        }
        other => out.push(v2::RedisResult::Binary(format!("{other:?}").into_bytes())),
    }
}

impl v2::Host for State {}

impl v2::HostConnection for State {
    async fn open(&mut self, address: String) -> Result<Resource<RedisConnection>, v2::Error> {
        let allowed = address
            .parse::<http::Uri>()
            .map_err(|_| "not a URL")
            .and_then(|uri| self.ctx.outbound.check(&uri));
        if let Err(reason) = allowed {
            tracing::warn!(component = %self.ctx.id, address, reason, "outbound Redis connection denied");
            return Err(v2::Error::InvalidAddress);
        }
        let conn = self.ctx.redis.shared(&address).await?;
        self.table
            .push(RedisConnection {
                address,
                conn,
                own: false,
            })
            .map_err(|_| v2::Error::TooManyConnections)
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), v2::Error> {
        let mut conn = self.redis(&c)?;
        let published: redis::RedisResult<i64> = conn.publish(&channel, &payload).await;
        self.settle(&c, published).map(drop)
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> Result<Option<Vec<u8>>, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.get(&key).await;
        self.settle(&c, result)
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), v2::Error> {
        let mut conn = self.redis(&c)?;
        let set: redis::RedisResult<()> = conn.set(&key, &value).await;
        self.settle(&c, set)
    }

    async fn incr(&mut self, c: Resource<RedisConnection>, key: String) -> Result<i64, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.incr(&key, 1).await;
        self.settle(&c, result)
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.del(&keys).await;
        self.settle(&c, result)
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.sadd(&key, &values).await;
        self.settle(&c, result)
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> Result<Vec<String>, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.smembers(&key).await;
        self.settle(&c, result)
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        let result = conn.srem(&key, &values).await;
        self.settle(&c, result)
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<v2::RedisParameter>,
    ) -> Result<Vec<v2::RedisResult>, v2::Error> {
        if STATEFUL.contains(&command.to_ascii_uppercase().as_str()) {
            self.own_connection(&c).await?;
        }
        let mut conn = self.redis(&c)?;
        let mut cmd = redis::cmd(&command);
        for a in arguments {
            match a {
                v2::RedisParameter::Int64(i) => cmd.arg(i),
                v2::RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        let value: redis::RedisResult<redis::Value> = cmd.query_async(&mut conn).await;
        let value = self.settle(&c, value)?;
        let mut out = Vec::new();
        results(value, &mut out);
        Ok(out)
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
