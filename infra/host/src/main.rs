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
    -h, --help              print this help

Application variables are overridden by SPIN_VARIABLE_<NAME> environment variables.
Logs go to stderr; filter with RUST_LOG (default: info).";

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
            "--timeout" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .with_context(|| format!("--timeout {v:?}: expected seconds"))?;
                if !(secs > 0.0 && secs.is_finite()) {
                    bail!("--timeout must be positive");
                }
                config.timeout = Duration::from_secs_f64(secs);
            }
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
        assert!(parse_args(args("--bogus")).is_err());
        assert!(parse_args(args("--listen")).is_err());
        assert!(parse_args(args("--help"))?.is_none());
        Ok(())
    }
}
