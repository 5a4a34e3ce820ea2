//! The `meridian-demo-origin` binary as the demo and the fault suite run
//! it: flags, its printed address, and the catalog answers the edge caches.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[test]
fn the_binary_serves_the_catalog_with_cache_headers() -> anyhow::Result<()> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meridian-demo-origin"))
        .args(["--listen", "127.0.0.1:0", "--max-age", "7"])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .split("listening on ")
        .nth(1)
        .map(str::trim)
        .ok_or_else(|| anyhow::anyhow!("no address in {line:?}"))?
        .to_owned();
    let result = (|| -> anyhow::Result<()> {
        let r = ureq::get(&format!("{url}/products/MRD-SOLSTICE-SUN")).call()?;
        let cache_control = r.header("cache-control").unwrap_or_default().to_owned();
        let mut body = String::new();
        r.into_reader().read_to_string(&mut body)?;
        assert!(cache_control.contains("max-age=7"), "{cache_control}");
        let product: serde_json::Value = serde_json::from_str(&body)?;
        assert_eq!(product["sku"], "MRD-SOLSTICE-SUN", "{body}");
        match ureq::get(&format!("{url}/products/NO-SUCH-SKU")).call() {
            Err(ureq::Error::Status(404, _)) => {}
            other => anyhow::bail!("an unknown SKU answered {:?}", other.map(|r| r.status())),
        }
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}
