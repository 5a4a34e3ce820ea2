//! `meridian-demo-origin [--listen ADDR] [--max-age S] [--webhook URL --webhook-secret S]
//! [--merchant-token T]`

use anyhow::{Context, Result, bail};
use meridian_demo_origin::{Config, spawn};

fn main() -> Result<()> {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    let (mut webhook, mut secret) = (None, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => config.listen = value()?.parse().context("--listen")?,
            "--max-age" => config.max_age_s = value()?.parse().context("--max-age")?,
            "--webhook" => webhook = Some(value()?),
            "--webhook-secret" => secret = Some(value()?),
            "--merchant-token" => config.merchant_token = Some(value()?),
            other => bail!("unknown argument {other}; see infra/demo-origin/README.md"),
        }
    }
    config.webhook = match (webhook, secret) {
        (Some(url), Some(secret)) => Some((url, secret)),
        (None, None) => None,
        _ => bail!("--webhook and --webhook-secret go together"),
    };
    let running = spawn(config)?;
    println!("meridian-demo-origin listening on {}", running.url());
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
