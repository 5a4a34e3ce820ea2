//! Fills a Redis with edge cache entries for benchmarks: each one is what
//! the edge stores for a product answer (`/v1/origin/catalog/products/BENCH-<i>`,
//! tagged `catalog` and `sku:BENCH-<i>`), written by the cache's own code
//! (`cache::serve` on a miss, an in-process origin), as Redis commands on
//! stdout for `redis-cli --pipe`:
//!
//!     cargo run --release -p meridian-edge --example cache_fill -- --entries 1000000 \
//!         | redis-cli -p 6379 --pipe
//!
//! Fill locks are left out: they would expire within seconds anyway.

use std::cell::RefCell;
use std::io::{BufWriter, Stdout, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::Parser;
use meridian_edge::cache::flow::Client;
use meridian_edge::cache::kv::Expiry;
use meridian_edge::cache::{CacheConfig, CacheRequest, Kv, serve};
use meridian_edge::http::response::Refusal;

#[derive(Parser)]
#[command(about = "Edge cache entries as Redis commands, for redis-cli --pipe")]
struct Args {
    /// How many entries.
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Their `max-age`, seconds.
    #[arg(long, default_value_t = 3600)]
    max_age: u64,
    /// Bytes of each answer's body.
    #[arg(long, default_value_t = 600)]
    body_bytes: usize,
}

/// A store that writes every change as a Redis command and holds nothing:
/// every read is a miss, so every request stores its entry.
struct RespSink {
    out: RefCell<BufWriter<Stdout>>,
    failed: RefCell<Option<std::io::Error>>,
}

impl RespSink {
    fn command(&self, args: &[&[u8]]) {
        let mut out = self.out.borrow_mut();
        let mut write = || -> std::io::Result<()> {
            write!(out, "*{}\r\n", args.len())?;
            for arg in args {
                write!(out, "${}\r\n", arg.len())?;
                out.write_all(arg)?;
                out.write_all(b"\r\n")?;
            }
            Ok(())
        };
        if let Err(e) = write() {
            self.failed.borrow_mut().get_or_insert(e);
        }
    }

    fn set(&self, key: &str, value: &[u8], until: Option<Expiry>) {
        if key.starts_with("c/l/") {
            return;
        }
        match until {
            Some(until) => {
                let at = until.unix_ms.to_string();
                self.command(&[b"SET", key.as_bytes(), value, b"PXAT", at.as_bytes()]);
            }
            None => self.command(&[b"SET", key.as_bytes(), value]),
        }
    }
}

impl Kv for RespSink {
    fn get(&self, _: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        RespSink::set(self, key, value, None);
        Ok(())
    }
    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        RespSink::set(self, key, value, Some(until));
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.command(&[b"DEL", key.as_bytes()]);
        Ok(())
    }
    fn swap_if(&self, key: &str, _: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        RespSink::set(self, key, value, None);
        Ok(true)
    }
    fn swap_if_until(
        &self,
        key: &str,
        _: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        RespSink::set(self, key, value, Some(until));
        Ok(true)
    }
    fn durable(&self) -> &dyn Kv {
        self
    }
    fn pause(&self, _: std::time::Duration) {}
}

fn main() -> Result<()> {
    let args = Args::parse();
    let sink = RespSink {
        out: RefCell::new(BufWriter::with_capacity(1 << 20, std::io::stdout())),
        failed: RefCell::new(None),
    };
    let config = CacheConfig::default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let clock = || now;
    // What the gate adds to an origin request from a German shopper.
    let headers = [
        ("meridian-market", "DE"),
        ("meridian-locale", "de-DE"),
        ("meridian-currency", "EUR"),
    ];
    for i in 0..args.entries {
        let sku = format!("BENCH-{i}");
        let request = CacheRequest::new(
            &format!("/v1/origin/catalog/products/{sku}"),
            headers,
            &config,
        )
        .map_err(|r| anyhow::anyhow!("{}: {}", r.code, r.message))?;
        let body = format!(
            "{{\"sku\":\"{sku}\",\"pad\":\"{}\"}}",
            "x".repeat(args.body_bytes.saturating_sub(20))
        );
        let fetch = async |_: http::request::Parts| -> Result<http::Response<Vec<u8>>, Refusal> {
            http::Response::builder()
                .status(200)
                .header("cache-control", format!("public, max-age={}", args.max_age))
                .header("surrogate-key", format!("catalog sku:{sku}"))
                .header("content-type", "application/json")
                .header("etag", format!("\"{sku}\""))
                .body(body.clone().into_bytes())
                .map_err(|e| Refusal::new(502, "origin-invalid", e.to_string()))
        };
        let outcome = futures_executor::block_on(serve(
            &sink,
            &config,
            &request,
            Client::default(),
            &clock,
            fetch,
        ))
        .map_err(|r| anyhow::anyhow!("{}: {}", r.code, r.message))?;
        anyhow::ensure!(
            outcome.status.value().contains("stored"),
            "entry {i} was not stored: {}",
            outcome.status.value()
        );
        if let Some(e) = sink.failed.borrow_mut().take() {
            return Err(e).context("writing to stdout");
        }
    }
    sink.out.borrow_mut().flush().context("writing to stdout")?;
    Ok(())
}
