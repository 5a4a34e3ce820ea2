//! Outbound Redis, `fermyon:spin/redis@2.0.0`: a component opens
//! `redis://host[:port]` only when its `allowed_outbound_hosts` allow that
//! address (scheme `redis`, port 6379 by default), else `invalid-address`, as Spin.

use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use wasmtime::component::Resource;

use crate::state::State;
use crate::state::bindings::fermyon::spin::redis as v2;

/// An open connection, a `fermyon:spin/redis.connection`.
pub struct RedisConnection {
    conn: MultiplexedConnection,
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
        let client =
            redis::Client::open(address.as_str()).map_err(|_| v2::Error::InvalidAddress)?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(other)?;
        self.table
            .push(RedisConnection { conn })
            .map_err(|_| v2::Error::TooManyConnections)
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), v2::Error> {
        let mut conn = self.redis(&c)?;
        let _: i64 = conn.publish(&channel, &payload).await.map_err(other)?;
        Ok(())
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> Result<Option<Vec<u8>>, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.get(&key).await.map_err(other)
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), v2::Error> {
        let mut conn = self.redis(&c)?;
        let () = conn.set(&key, &value).await.map_err(other)?;
        Ok(())
    }

    async fn incr(&mut self, c: Resource<RedisConnection>, key: String) -> Result<i64, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.incr(&key, 1).await.map_err(other)
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.del(&keys).await.map_err(other)
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.sadd(&key, &values).await.map_err(other)
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> Result<Vec<String>, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.smembers(&key).await.map_err(other)
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> Result<u32, v2::Error> {
        let mut conn = self.redis(&c)?;
        conn.srem(&key, &values).await.map_err(other)
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<v2::RedisParameter>,
    ) -> Result<Vec<v2::RedisResult>, v2::Error> {
        let mut conn = self.redis(&c)?;
        let mut cmd = redis::cmd(&command);
        for a in arguments {
            match a {
                v2::RedisParameter::Int64(i) => cmd.arg(i),
                v2::RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        let value: redis::Value = cmd.query_async(&mut conn).await.map_err(other)?;
        let mut out = Vec::new();
        results(value, &mut out);
        Ok(out)
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
