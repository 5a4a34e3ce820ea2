//! `meridian-demo-origin [--listen ADDR] [--max-age S] [--webhook URL --webhook-secret S]
//! [--merchant-token T]`

use std::net::SocketAddr;

use anyhow::Result;
use clap::Parser;
use meridian_demo_origin::{Config, spawn};

/// A merchant's own catalog and pricing API, for the demo and the
/// end-to-end tests (see infra/demo-origin/README.md).
#[derive(Parser)]
#[command(name = "meridian-demo-origin", version, args_override_self = true)]
struct Cli {
    /// Address to serve on.
    #[arg(long, value_name = "ADDR", default_value_t = Config::default().listen)]
    listen: SocketAddr,
    /// `max-age` of product answers, in seconds.
    #[arg(long, value_name = "S", default_value_t = Config::default().max_age_s)]
    max_age: u64,
    /// The edge's purge webhook, told of price changes (signed with
    /// --webhook-secret).
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook: Option<String>,
    /// The secret the webhook calls are signed with.
    #[arg(long, value_name = "S", requires = "webhook")]
    webhook_secret: Option<String>,
    /// Bearer token of the merchant API (`/merchant/...`); without one it
    /// refuses everyone (401).
    #[arg(long, value_name = "T")]
    merchant_token: Option<String>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let config = Config {
        listen: cli.listen,
        max_age_s: cli.max_age,
        webhook: cli.webhook.zip(cli.webhook_secret),
        merchant_token: cli.merchant_token,
        ..Config::default()
    };
    let running = spawn(config)?;
    println!("meridian-demo-origin listening on {}", running.url());
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
