//! The workspace's declared `rust-version` is true: no dependency that
//! Linux builds use asks for a newer compiler (wasmtime 48 asks for 1.95).

use std::process::Command;

use anyhow::{Context, Result, bail};
use meridian_e2e::repo_root;

fn parse(version: &str) -> Result<(u64, u64, u64)> {
    let mut parts = version.trim().split('.').map(str::parse::<u64>);
    let mut next = || parts.next().transpose().map(Option::unwrap_or_default);
    Ok((next()?, next()?, next()?))
}

/// `cargo metadata` for the platforms the workspace builds on; offline when
/// the sources are already here, else through the registry.
fn metadata() -> Result<serde_json::Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut last = String::new();
    for offline in [true, false] {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(repo_root()).args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
            "--filter-platform",
            "wasm32-wasip2",
        ]);
        if offline {
            cmd.arg("--offline");
        }
        let out = cmd.output().context("running cargo metadata")?;
        if out.status.success() {
            return serde_json::from_slice(&out.stdout).context("cargo metadata is JSON");
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
    }
    bail!("cargo metadata failed: {last}")
}

#[test]
fn the_declared_rust_version_covers_every_dependency() -> Result<()> {
    let manifest: toml::Table = std::fs::read_to_string(repo_root().join("Cargo.toml"))?.parse()?;
    let declared = manifest
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("rust-version"))
        .and_then(|v| v.as_str())
        .context("[workspace.package] rust-version")?;
    let declared_v = parse(declared)?;
    let metadata = metadata()?;
    let mut too_new = Vec::new();
    for package in metadata["packages"].as_array().context("packages")? {
        let Some(needs) = package["rust_version"].as_str() else {
            continue;
        };
        if parse(needs)? > declared_v {
            too_new.push(format!(
                "{} {} needs {needs}",
                package["name"], package["version"]
            ));
        }
    }
    assert!(
        too_new.is_empty(),
        "Cargo.toml declares rust-version = {declared}, but:\n{}",
        too_new.join("\n")
    );
    Ok(())
}
