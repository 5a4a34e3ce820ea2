//! Compiles the catalog's asset → SKU index at build time: the media route
//! needs it on every request, and parsing the whole catalog there would
//! cost more than the lookup it serves.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=catalog.toml");
    let text =
        std::fs::read_to_string("catalog.toml").expect("functions/edge/catalog.toml is readable");
    let value: toml::Table = text
        .parse()
        .expect("catalog.toml is TOML (the catalog tests say where it is wrong)");
    let mut out = String::from(
        "/// `(asset, sku)` of every product, from `catalog.toml`.\npub static ASSET_SKUS: &[(&str, &str)] = &[\n",
    );
    for product in value
        .get("product")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let field = |name: &str| product.get(name).and_then(|v| v.as_str());
        if let (Some(asset), Some(sku)) = (field("asset"), field("sku")) {
            let _ = writeln!(out, "    ({asset:?}, {sku:?}),");
        }
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{dir}/asset_skus.rs"), out).expect("writing the asset index");
}
