//! `meridian-gpu-backend [--config FILE] [--listen ADDR] [--dev]`

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use meridian_gpu_backend::config::Config;
use meridian_rpc_server::process::{init_tracing, shutdown_signal};

const ENVIRONMENT: &str = "\
Environment (overrides the configuration file):
  MERIDIAN_BACKEND_LISTEN             address to serve on
  MERIDIAN_BACKEND_REGION             residency region served
  MERIDIAN_BACKEND_PLATFORM           deployment id in every watermark (0..=255)
  MERIDIAN_BACKEND_ENGINE             auto | gpu | cpu
  MERIDIAN_BACKEND_SIGNING_KEY        key the edge signs calls with
  MERIDIAN_BACKEND_CATALOG            directory of the source images
  MERIDIAN_BACKEND_TLS_CERTIFICATE    PEM certificate chain
  MERIDIAN_BACKEND_TLS_PRIVATE_KEY    PEM private key
  MERIDIAN_DEV=1                      development mode, as --dev";

/// Meridian's regional GPU backend: imaging, try-on and copy over the
/// signed HTTP binding.
#[derive(Parser)]
#[command(
    name = "meridian-gpu-backend",
    version,
    args_override_self = true,
    after_help = ENVIRONMENT
)]
struct Cli {
    /// Configuration file replacing the embedded default.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to serve on (overrides `listen` and MERIDIAN_BACKEND_LISTEN).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Development mode (or MERIDIAN_DEV=1): allows the public key and
    /// plain HTTP.
    #[arg(long)]
    dev: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let mut config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
    config.development |= cli.dev;
    if let Some(listen) = cli.listen {
        config.listen = listen
            .parse()
            .with_context(|| format!("--listen {listen}"))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let running = meridian_gpu_backend::start(config).await?;
        let mut stdout = std::io::stdout();
        writeln!(
            stdout,
            "meridian-gpu-backend listening on {}://{}",
            running.scheme, running.addr
        )?;
        stdout.flush()?;
        shutdown_signal().await;
        tracing::info!("shutting down");
        Ok(running.stop().await?)
    })
}
