//! `meridian-host`: run the repository's `spin.toml` on wasmtime.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use meridian_host::Config;
use meridian_host::reuse::{Range, ReuseConfig, parse_duration_range};
use meridian_host::stdio::Follow;

// A reused instance's allocations are freed on whichever worker thread its
// response finishes on; glibc's malloc then takes the owning arena's lock
// on every cross-thread free, which showed as futex waits in `perf` under
// load. mimalloc frees to the owning thread's heap without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Run a Spin application (spin.toml, manifest version 2) on wasmtime.
///
/// Takes `spin up`'s flags where they apply. Application variables are
/// overridden by SPIN_VARIABLE_<NAME> environment variables. Logs go to stderr;
/// filter with RUST_LOG (default: info).
#[derive(Debug, Parser)]
#[command(name = "meridian-host", version)]
struct Cli {
    /// Spin manifest
    #[arg(long, short = 'f', visible_alias = "from", default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to listen on; port 0 picks one
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// State: key-value data, the default SQLite database, logs, file mounts
    /// [default: .spin next to the manifest]
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Compiled-component cache [default: $XDG_CACHE_HOME/meridian, else <state-dir>/compiled]
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Pass an environment variable (KEY=VALUE) to all components; repeatable
    #[arg(long = "env", short = 'e', value_parser = key_value)]
    env: Vec<(String, String)>,
    /// Runtime configuration (TOML): [key_value_store.<label>], [sqlite_database.<label>]
    #[arg(long, env = "RUNTIME_CONFIG_FILE")]
    runtime_config_file: Option<PathBuf>,
    /// Set KEY=VALUE in the default key-value store at start; repeatable
    #[arg(long = "key-value", value_parser = key_value)]
    key_values: Vec<(String, String)>,
    /// Run a SQLite statement against the default database at start, or a file
    /// of statements with @FILE (@FILE:LABEL for another database); repeatable
    #[arg(long = "sqlite")]
    sqlite: Vec<String>,
    /// Show only these components' output on stderr; repeatable [default: all]
    #[arg(long = "follow", conflicts_with = "quiet")]
    follow: Vec<String>,
    /// Show no component output on stderr
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Directory for components' stdout/stderr logs; empty for none [default: <state-dir>/logs]
    #[arg(long, short = 'L', env = "SPIN_LOG_DIR", value_parser = any_path)]
    log_dir: Option<PathBuf>,
    /// Linear memory per instance (per request for WASIp2 components), MiB
    #[arg(long, default_value_t = 128)]
    memory_limit: usize,
    /// Deadline per request, seconds
    #[arg(long, default_value = "30", value_parser = seconds)]
    timeout: Duration,
    /// Most requests one WASIp3 instance serves before it is dropped: a value,
    /// or a range like 1..128 drawn from per instance (WASIp2: always 1)
    #[arg(long, default_value = "128")]
    max_instance_reuse_count: Range<usize>,
    /// Most requests one WASIp3 instance serves at once: a value or a range
    #[arg(long, default_value = "16")]
    max_instance_concurrent_reuse_count: Range<usize>,
    /// How long an idle WASIp3 instance is kept for reuse: 1s, 500ms, or a
    /// range like 100ms..2s
    #[arg(long, default_value = "1s", value_parser = parse_duration_range)]
    idle_instance_timeout: Range<Duration>,
    /// Largest request body, bytes
    #[arg(long, default_value_t = 10 << 20)]
    max_body: usize,
    /// Concurrent instances (pooling allocator)
    #[arg(long, default_value_t = 1000)]
    max_instances: u32,
    /// Largest key-value value, bytes
    #[arg(long, default_value_t = 1 << 20)]
    kv_max_value: usize,
    /// Byte budget of a key-value label (key + value bytes), least recently used
    /// keys evicted; LABEL=SIZE with SIZE like 256MiB, or none; repeatable
    /// [default: cache=256MiB, other labels unbudgeted]
    #[arg(long = "kv-budget", value_parser = budget)]
    kv_budgets: Vec<(String, Option<u64>)>,
    /// How long a component may run after its response, seconds
    #[arg(long, default_value = "30", value_parser = seconds)]
    post_response_timeout: Duration,
    /// Ceiling on components' outbound connect time, seconds (a shorter one they ask stands)
    #[arg(long, default_value = "5", value_parser = seconds)]
    outbound_connect_timeout: Duration,
    /// Ceiling on components' outbound time to first byte, seconds
    #[arg(long, default_value = "30", value_parser = seconds)]
    outbound_first_byte_timeout: Duration,
    /// Ceiling on components' outbound time between bytes, seconds
    #[arg(long, default_value = "30", value_parser = seconds)]
    outbound_between_bytes_timeout: Duration,
    /// From a connection's start or a request's first byte to its complete head, seconds
    #[arg(long, default_value = "10", value_parser = seconds)]
    header_read_timeout: Duration,
    /// A kept-alive connection's wait for its next request, seconds
    #[arg(long, default_value = "60", value_parser = seconds)]
    idle_timeout: Duration,
    /// Open client connections; more get 503
    #[arg(long, default_value_t = 4096, value_parser = positive)]
    max_connections: usize,
    /// `perfmap`: name guest functions for `perf` in /tmp/perf-<pid>.map (as `wasmtime serve --profile`)
    #[arg(long, value_parser = ["perfmap"])]
    profile: Option<String>,
    /// `no`: reset instance memory by madvise only, not Linux's PAGEMAP_SCAN (for comparison)
    #[arg(long, default_value = "auto", value_parser = ["auto", "no"])]
    pooling_pagemap_scan: String,
}

/// A positive number of seconds (fractions allowed).
fn seconds(v: &str) -> Result<Duration, String> {
    let secs: f64 = v.parse().map_err(|_| format!("{v:?}: expected seconds"))?;
    if !(secs > 0.0 && secs.is_finite()) {
        return Err("must be positive".to_owned());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A path, where empty means "none" (clap's own path parser refuses empty values).
fn any_path(v: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(v))
}

fn positive(v: &str) -> Result<usize, String> {
    v.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{v:?}: expected a positive number"))
}

/// `KEY=VALUE` (the value may contain `=`).
fn key_value(v: &str) -> Result<(String, String), String> {
    match v.split_once('=') {
        Some((k, val)) if !k.is_empty() => Ok((k.to_owned(), val.to_owned())),
        _ => Err(format!("{v:?}: expected KEY=VALUE")),
    }
}

/// `LABEL=SIZE` or `LABEL=none`.
fn budget(v: &str) -> Result<(String, Option<u64>), String> {
    let (label, size) = v
        .split_once('=')
        .ok_or_else(|| format!("{v:?}: expected LABEL=SIZE"))?;
    if size == "none" {
        return Ok((label.to_owned(), None));
    }
    let bytes = meridian_host::kv::parse_size(size)
        .filter(|b| *b > 0)
        .ok_or_else(|| format!("{v:?}: expected a size like 256MiB, or none"))?;
    Ok((label.to_owned(), Some(bytes)))
}

impl Cli {
    fn into_config(self) -> Result<Config> {
        let mut config = Config::new(&self.manifest);
        config.listen = self.listen;
        config.state_dir = match self.state_dir {
            Some(dir) => dir,
            // Spin's default for local apps: `.spin` beside the manifest.
            None => match self.manifest.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.join(".spin"),
                _ => PathBuf::from(".spin"),
            },
        };
        config.cache_dir = self.cache_dir.or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|xdg| PathBuf::from(xdg).join("meridian"))
        });
        config.env = self.env;
        config.runtime_config = self.runtime_config_file;
        config.key_values = self.key_values;
        config.sqlite_statements = self.sqlite;
        config.follow = if self.quiet {
            Follow::None
        } else if self.follow.is_empty() {
            Follow::All
        } else {
            Follow::Named(self.follow.into_iter().collect::<BTreeSet<_>>())
        };
        config.log_dir = self.log_dir;
        config.memory_limit = self
            .memory_limit
            .checked_mul(1 << 20)
            .context("--memory-limit is too large")?;
        config.timeout = self.timeout;
        config.reuse = ReuseConfig {
            max_requests: self.max_instance_reuse_count,
            max_concurrent: self.max_instance_concurrent_reuse_count,
            idle_timeout: self.idle_instance_timeout,
        };
        config.reuse.validate().map_err(anyhow::Error::msg)?;
        config.max_body = self.max_body;
        config.max_instances = self.max_instances;
        config.kv_max_value = self.kv_max_value;
        for (label, size) in self.kv_budgets {
            config.kv_budgets.retain(|(l, _)| *l != label);
            if let Some(bytes) = size {
                config.kv_budgets.push((label, bytes));
            }
        }
        config.post_response_timeout = self.post_response_timeout;
        config.outbound_timeouts.connect = self.outbound_connect_timeout;
        config.outbound_timeouts.first_byte = self.outbound_first_byte_timeout;
        config.outbound_timeouts.between_bytes = self.outbound_between_bytes_timeout;
        config.header_read_timeout = self.header_read_timeout;
        config.idle_timeout = self.idle_timeout;
        config.max_connections = self.max_connections;
        config.perfmap = self.profile.is_some();
        config.pagemap_scan = self.pooling_pagemap_scan == "auto";
        if config.max_instances == 0 {
            bail!("--max-instances must be positive");
        }
        Ok(config)
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match Cli::try_parse() {
        Ok(cli) => cli.into_config(),
        Err(e) => e.exit(),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<()> {
    let mut host = meridian_host::start(config).await?;
    {
        // The first line is what scripts wait for; then the routes, as `spin up` lists them.
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "meridian-host listening on http://{}\n\n{}",
            host.local_addr(),
            host.startup_message()
        )?;
        out.flush()?;
    }
    let stop = host.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received; shutting down");
        let _ = stop.send(true);
    });
    host.wait().await;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config> {
        let args = std::iter::once("meridian-host").chain(s.split_whitespace());
        Cli::try_parse_from(args)?.into_config()
    }

    #[test]
    fn parses_cli() -> Result<()> {
        let c = parse(
            "--manifest app/spin.toml --listen 127.0.0.1:0 --state-dir /tmp/s --cache-dir=/tmp/c --timeout 2",
        )?;
        assert_eq!(c.manifest, PathBuf::from("app/spin.toml"));
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(c.cache_dir, Some(PathBuf::from("/tmp/c")));
        assert_eq!(c.timeout, Duration::from_secs(2));
        assert_eq!(
            c.kv_budgets,
            vec![("cache".to_owned(), meridian_host::DEFAULT_CACHE_BUDGET)]
        );
        assert_eq!(c.follow, Follow::All);
        let c = parse(
            "--kv-budget cache=1MiB --kv-budget sessions=512KiB --kv-budget=default=none \
             --post-response-timeout 0.5 --outbound-first-byte-timeout 2 --header-read-timeout 3 \
             --idle-timeout 4 --max-connections 9",
        )?;
        assert_eq!(
            c.kv_budgets,
            vec![
                ("cache".to_owned(), 1 << 20),
                ("sessions".to_owned(), 512 << 10)
            ]
        );
        assert_eq!(c.post_response_timeout, Duration::from_millis(500));
        assert_eq!(c.outbound_timeouts.first_byte, Duration::from_secs(2));
        assert_eq!(c.outbound_timeouts.connect, Duration::from_secs(5));
        assert_eq!(c.header_read_timeout, Duration::from_secs(3));
        assert_eq!(c.idle_timeout, Duration::from_secs(4));
        assert_eq!(c.max_connections, 9);
        let c = parse("--kv-budget cache=none")?;
        assert!(c.kv_budgets.is_empty());
        assert!(parse("--kv-budget cache").is_err());
        assert!(parse("--kv-budget cache=lots").is_err());
        assert!(parse("--idle-timeout 0").is_err());
        assert!(parse("--bogus").is_err());
        assert!(parse("--listen").is_err());
        assert!(parse("--max-connections 0").is_err());
        Ok(())
    }

    #[test]
    fn parses_spin_up_flags() -> Result<()> {
        let c = parse(
            "-f app/spin.toml -e A=1 --env B=x=y --key-value k=v --sqlite @m.sql:db \
             --sqlite SELECT --runtime-config-file rc.toml --follow web --follow api -L logs",
        )?;
        assert_eq!(c.state_dir, PathBuf::from("app/.spin"));
        assert_eq!(
            c.env,
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
        assert_eq!(c.key_values, vec![("k".into(), "v".into())]);
        assert_eq!(c.sqlite_statements, vec!["@m.sql:db", "SELECT"]);
        assert_eq!(c.runtime_config, Some(PathBuf::from("rc.toml")));
        assert_eq!(
            c.follow,
            Follow::Named(["api".to_owned(), "web".to_owned()].into())
        );
        assert_eq!(c.log_dir(), Some(PathBuf::from("logs")));
        assert_eq!(parse("-q")?.follow, Follow::None);
        assert_eq!(parse("")?.log_dir(), Some(PathBuf::from(".spin/logs")));
        assert!(parse("--follow a -q").is_err());
        let off = Cli::try_parse_from(["meridian-host", "-L", ""])?.into_config()?;
        assert_eq!(off.log_dir(), None);
        assert!(parse("-e novalue").is_err());
        Ok(())
    }

    #[test]
    fn parses_spin_reuse_flags_with_spin_defaults() -> Result<()> {
        assert_eq!(parse("")?.reuse, ReuseConfig::default());
        let c = parse(
            "--max-instance-reuse-count 1..128 --max-instance-concurrent-reuse-count 4 \
             --idle-instance-timeout 100ms..2s",
        )?;
        assert_eq!(c.reuse.max_requests, Range::Bounds(1, 128));
        assert_eq!(c.reuse.max_concurrent, Range::Value(4));
        assert_eq!(
            c.reuse.idle_timeout,
            Range::Bounds(Duration::from_millis(100), Duration::from_secs(2))
        );
        assert!(parse("--max-instance-reuse-count 0").is_err());
        assert!(parse("--max-instance-concurrent-reuse-count 8..8").is_err());
        assert!(parse("--idle-instance-timeout 1h").is_err());
        Ok(())
    }
}
