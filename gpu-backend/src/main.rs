//! `meridian-gpu-backend [--config FILE] [--listen ADDR] [--dev]`

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use meridian_gpu_backend::config::Config;
use meridian_rpc_server::process::{init_tracing, shutdown_signal};

fn main() -> Result<()> {
    init_tracing();
    let mut config_path = None;
    let mut listen = None;
    let mut dev = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => {
                config_path = Some(PathBuf::from(args.next().context("--config needs a file")?))
            }
            "--listen" => listen = Some(args.next().context("--listen needs an address")?),
            "--dev" => dev = true,
            "-h" | "--help" => {
                println!(
                    "meridian-gpu-backend [--config FILE] [--listen ADDR] [--dev]\n--dev (or MERIDIAN_DEV=1): development mode, allowing the public key and plain HTTP\nEnvironment: MERIDIAN_BACKEND_LISTEN, _REGION, _ENGINE (auto|gpu|cpu), _SIGNING_KEY, _CATALOG, _TLS_CERTIFICATE, _TLS_PRIVATE_KEY"
                );
                return Ok(());
            }
            other => bail!("unknown argument `{other}` (see --help)"),
        }
    }
    let mut config = Config::load(config_path.as_deref(), |k| std::env::var(k).ok())?;
    config.development |= dev;
    if let Some(listen) = listen {
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
