//! `meridian-collector [--config FILE] [--listen ADDR] [--dev]`: serve.
//! `meridian-collector bandit-once [--config FILE] [--dev]`: run the bandit
//! job once and print what it published.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use meridian_collector::bandit::{BanditJob, unix_now_s};
use meridian_collector::config::Config;
use meridian_collector::store::Store;
use meridian_rpc_server::process::{init_tracing, shutdown_signal};

const ENVIRONMENT: &str = "\
Environment (overrides the configuration file):
  MERIDIAN_COLLECTOR_LISTEN               address to serve on
  MERIDIAN_COLLECTOR_REGION               residency region served (421 for others)
  MERIDIAN_COLLECTOR_SIGNING_KEY          key the edge signs calls with (32+ bytes)
  MERIDIAN_COLLECTOR_DATA_DIR             directory of the store (.meridian/collector)
  MERIDIAN_COLLECTOR_STORE                the SQLite file (<data_dir>/events.sqlite)
  MERIDIAN_COLLECTOR_DURABILITY           normal | full
  MERIDIAN_COLLECTOR_TLS_CERTIFICATE      PEM certificate chain
  MERIDIAN_COLLECTOR_TLS_PRIVATE_KEY      PEM private key
  MERIDIAN_COLLECTOR_BANDIT_EDGE_URL      edge base URL of the bandit job (empty: off)
  MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN   bearer token of the edge's experiments admin API
  MERIDIAN_COLLECTOR_REDIS_URL            Redis of the stream sink, redis://host:port (empty: off)
  MERIDIAN_DEV=1                          development mode, as --dev
  RUST_LOG                                log filter (info)";

/// Meridian's regional event collector.
///
/// Serves by default: stores the signed event batches the edge forwards
/// (SQLite, each event once), answers the bandit's counts and, with
/// `[bandit] edge_url`, publishes bandit weights to the edge every
/// `interval_s`.
#[derive(Parser)]
#[command(
    name = "meridian-collector",
    version,
    args_conflicts_with_subcommands = true,
    after_help = ENVIRONMENT
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Address to serve on (overrides `listen` and MERIDIAN_COLLECTOR_LISTEN).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Common {
    /// Configuration file replacing the embedded default
    /// (gpu-backend/collector/config/default.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Development mode (or MERIDIAN_DEV=1): allows the public signing key,
    /// short keys and plain HTTP, the bandit's edge included.
    #[arg(long)]
    dev: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bandit job once and print what it published.
    ///
    /// Reads the definitions from `[bandit] edge_url`, publishes each
    /// bandit experiment's state per market with events in the store, and
    /// prints one line per state: experiment, market, weight per arm,
    /// promoted arm (`-`: none). Exits 1 when any experiment or market
    /// failed (each is named on stderr).
    #[command(after_help = ENVIRONMENT)]
    BanditOnce {
        #[command(flatten)]
        common: Common,
    },
}

impl Common {
    fn load(&self) -> Result<Config> {
        let mut config = Config::load(self.config.as_deref(), |k| std::env::var(k).ok())?;
        config.development |= self.dev;
        Ok(config)
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_tracing();
    match cli.command {
        Some(Command::BanditOnce { common }) => bandit_once(common.load()?),
        None => {
            let mut config = cli.common.load()?;
            if let Some(listen) = cli.listen {
                config.listen = listen;
            }
            serve(config)
        }
    }
}

fn serve(config: Config) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let running = meridian_collector::start(config).await?;
        let mut stdout = std::io::stdout();
        writeln!(
            stdout,
            "meridian-collector listening on {}://{}",
            running.scheme, running.addr
        )?;
        stdout.flush()?;
        shutdown_signal().await;
        tracing::info!("shutting down");
        running.stop().await
    })
}

fn bandit_once(config: Config) -> Result<()> {
    if !config.bandit.enabled() {
        bail!(
            "the bandit job has no edge: set [bandit] edge_url (or MERIDIAN_COLLECTOR_BANDIT_EDGE_URL)"
        );
    }
    config.check_bandit_safety()?;
    let path = config.store_path();
    // Opening would create an empty store; a wrong path is the likelier
    // mistake, and its counts would all be zero.
    if !path.exists() {
        bail!("there is no event store at {}", path.display());
    }
    let store = Store::open(&path, config.store.durability)?;
    let job = BanditJob::new(&config.bandit, Arc::new(store));
    let run = job.run_once(unix_now_s()).context("the bandit job")?;
    let mut stdout = std::io::stdout();
    for published in &run.published {
        writeln!(stdout, "{}", published.line())?;
    }
    stdout.flush()?;
    if !run.failures.is_empty() {
        for failure in &run.failures {
            eprintln!("failed: {failure}");
        }
        bail!(
            "{} experiment(s) or market(s) failed, {} state(s) published",
            run.failures.len(),
            run.published.len()
        );
    }
    if run.published.is_empty() {
        tracing::info!("nothing to publish: no bandit experiment has exposures here");
    }
    Ok(())
}
