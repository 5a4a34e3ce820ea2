//! Validates the shipped policy packs and writes their compiled form,
//! `functions/edge/policy/compiled.bin`, which components embed.
//!
//! `cargo run -p meridian-edge --example compile-policy`

use anyhow::Context;
use meridian_edge::policy::PackSet;

fn main() -> anyhow::Result<()> {
    let set = PackSet::embedded().context("the shipped packs do not validate")?;
    let blob = set.compile(&[]).context("compiling the packs")?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policy/compiled.bin");
    std::fs::write(path, &blob).with_context(|| format!("writing {path}"))?;
    println!(
        "{path}: {} bytes, policy version {}",
        blob.len(),
        set.version()
    );
    Ok(())
}
