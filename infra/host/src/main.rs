//! `meridian-host`: run the repository's `spin.toml` on wasmtime.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use meridian_host::Config;

const USAGE: &str = "\
meridian-host: run a Spin application (spin.toml, manifest version 2) on wasmtime

USAGE:
    meridian-host [OPTIONS]

OPTIONS:
    --manifest <PATH>       Spin manifest [default: spin.toml]
    --listen <ADDR>         address to listen on [default: 127.0.0.1:3000]; port 0 picks one
    --state-dir <DIR>       key-value data and compile cache [default: .spin]
    --cache-dir <DIR>       compiled-component cache [default: <state-dir>/compiled]
    --memory-limit <MIB>    linear memory per request, MiB [default: 128]
    --timeout <SECS>        deadline per request, seconds [default: 30]
    --max-body <BYTES>      largest request body [default: 10485760]
    --max-instances <N>     concurrent instances (pooling allocator) [default: 1000]
    --kv-max-value <BYTES>  largest key-value value [default: 1048576]
    --kv-budget <LABEL=SIZE>
                            byte budget of a key-value label (key + value bytes), least
                            recently used keys evicted; repeatable; SIZE like 256MiB, or
                            `none` [default: cache=256MiB, other labels unbudgeted]
    --post-response-timeout <SECS>
                            how long a component may run after its response [default: 30]
    --outbound-connect-timeout <SECS>       [default: 5]
    --outbound-first-byte-timeout <SECS>    [default: 30]
    --outbound-between-bytes-timeout <SECS> [default: 30]
                            ceilings on components' outbound HTTP (shorter ones they ask stand)
    --header-read-timeout <SECS>
                            from a connection's start or a request's first byte to its
                            complete head [default: 10]
    --idle-timeout <SECS>   a kept-alive connection's wait for its next request [default: 60]
    --max-connections <N>   open client connections; more get 503 [default: 4096]
    -h, --help              print this help

Application variables are overridden by SPIN_VARIABLE_<NAME> environment variables.
Logs go to stderr; filter with RUST_LOG (default: info).";

/// A positive number of seconds (fractions allowed).
fn seconds(flag: &str, v: &str) -> Result<Duration> {
    let secs: f64 = v
        .parse()
        .with_context(|| format!("{flag} {v:?}: expected seconds"))?;
    if !(secs > 0.0 && secs.is_finite()) {
        bail!("{flag} must be positive");
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Config>> {
    let mut config = Config::new("spin.toml");
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || -> Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .with_context(|| format!("{flag} needs a value (see --help)")),
            }
        };
        match flag.as_str() {
            "--manifest" | "-f" | "--from" => config.manifest = PathBuf::from(value()?),
            "--listen" => {
                let v = value()?;
                config.listen = v
                    .parse()
                    .with_context(|| format!("--listen {v:?}: expected IP:PORT"))?;
            }
            "--state-dir" => config.state_dir = PathBuf::from(value()?),
            "--cache-dir" => config.cache_dir = Some(PathBuf::from(value()?)),
            "--memory-limit" => {
                let v = value()?;
                let mib: usize = v
                    .parse()
                    .with_context(|| format!("--memory-limit {v:?}: expected MiB"))?;
                config.memory_limit = mib << 20;
            }
            "--timeout" => config.timeout = seconds(&flag, &value()?)?,
            "--max-body" => {
                let v = value()?;
                config.max_body = v
                    .parse()
                    .with_context(|| format!("--max-body {v:?}: expected bytes"))?;
            }
            "--max-instances" => {
                let v = value()?;
                config.max_instances = v
                    .parse()
                    .with_context(|| format!("--max-instances {v:?}: expected a number"))?;
            }
            "--kv-budget" => {
                let v = value()?;
                let (label, size) = v
                    .split_once('=')
                    .with_context(|| format!("--kv-budget {v:?}: expected LABEL=SIZE"))?;
                config.kv_budgets.retain(|(l, _)| l != label);
                if size != "none" {
                    let bytes = meridian_host::kv::parse_size(size)
                        .filter(|b| *b > 0)
                        .with_context(|| {
                            format!("--kv-budget {v:?}: expected a size like 256MiB, or none")
                        })?;
                    config.kv_budgets.push((label.to_owned(), bytes));
                }
            }
            "--post-response-timeout" => {
                config.post_response_timeout = seconds(&flag, &value()?)?;
            }
            "--outbound-connect-timeout" => {
                config.outbound_timeouts.connect = seconds(&flag, &value()?)?;
            }
            "--outbound-first-byte-timeout" => {
                config.outbound_timeouts.first_byte = seconds(&flag, &value()?)?;
            }
            "--outbound-between-bytes-timeout" => {
                config.outbound_timeouts.between_bytes = seconds(&flag, &value()?)?;
            }
            "--header-read-timeout" => config.header_read_timeout = seconds(&flag, &value()?)?,
            "--idle-timeout" => config.idle_timeout = seconds(&flag, &value()?)?,
            "--max-connections" => {
                let v = value()?;
                config.max_connections = v.parse().ok().filter(|n| *n > 0).with_context(|| {
                    format!("--max-connections {v:?}: expected a positive number")
                })?;
            }
            "--kv-max-value" => {
                let v = value()?;
                config.kv_max_value = v
                    .parse()
                    .with_context(|| format!("--kv-max-value {v:?}: expected bytes"))?;
            }
            other => bail!("unknown argument {other:?} (see --help)"),
        }
    }
    if config.cache_dir.is_none()
        && let Some(xdg) = std::env::var_os("XDG_CACHE_HOME")
    {
        config.cache_dir = Some(PathBuf::from(xdg).join("meridian"));
    }
    Ok(Some(config))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
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
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "meridian-host listening on http://{}",
            host.local_addr()
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

    fn args(s: &str) -> impl Iterator<Item = String> {
        s.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn parses_cli() -> Result<()> {
        let c = parse_args(args(
            "--manifest app/spin.toml --listen 127.0.0.1:0 --state-dir /tmp/s --cache-dir=/tmp/c --timeout 2",
        ))?
        .context("config")?;
        assert_eq!(c.manifest, PathBuf::from("app/spin.toml"));
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(c.cache_dir, Some(PathBuf::from("/tmp/c")));
        assert_eq!(c.timeout, Duration::from_secs(2));
        assert_eq!(
            c.kv_budgets,
            vec![("cache".to_owned(), meridian_host::DEFAULT_CACHE_BUDGET)]
        );
        let c = parse_args(args(
            "--kv-budget cache=1MiB --kv-budget sessions=512KiB --kv-budget=default=none \
             --post-response-timeout 0.5 --outbound-first-byte-timeout 2 --header-read-timeout 3 \
             --idle-timeout 4 --max-connections 9",
        ))?
        .context("config")?;
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
        let c = parse_args(args("--kv-budget cache=none"))?.context("config")?;
        assert!(c.kv_budgets.is_empty());
        assert!(parse_args(args("--kv-budget cache")).is_err());
        assert!(parse_args(args("--kv-budget cache=lots")).is_err());
        assert!(parse_args(args("--idle-timeout 0")).is_err());
        assert!(parse_args(args("--bogus")).is_err());
        assert!(parse_args(args("--listen")).is_err());
        assert!(parse_args(args("--help"))?.is_none());
        Ok(())
    }
}
