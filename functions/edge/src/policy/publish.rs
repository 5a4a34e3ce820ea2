//! Publishing a pack without redeploying: the new file is validated with
//! every other file in force, and only a set that validates as a whole is
//! compiled for the store. A refused file leaves the set in force as it was.

use std::collections::BTreeMap;

use super::codes::is_country;
use super::compiled::CompiledPacks;
use super::packs::EMBEDDED;
use super::set::{EMBARGO_FILE, MERCHANT_FILE, PackSet};
use crate::response::Refusal;

/// The largest pack file accepted.
pub const MAX_PACK_BYTES: usize = 64 * 1024;

/// A set ready to store: the compiled bytes and what they hold.
#[derive(Debug)]
pub struct Published {
    pub compiled: Vec<u8>,
    pub version: String,
    /// Files that differ from the shipped ones.
    pub overrides: Vec<String>,
}

/// Whether `name` is a file a set can hold: `merchant.toml`,
/// `embargo.toml`, or `markets/<CC>.toml` / `markets/<CC-SUB>.toml`.
fn known_file(name: &str) -> bool {
    if name == MERCHANT_FILE || name == EMBARGO_FILE {
        return true;
    }
    let Some(market) = name
        .strip_prefix("markets/")
        .and_then(|n| n.strip_suffix(".toml"))
    else {
        return false;
    };
    let country = market.split('-').next().unwrap_or_default();
    (is_country(country) || market == "ZZ")
        && market.len() <= 6
        && market
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// Validates `text` as `name` together with the packs in force and
/// compiles the resulting set.
pub fn publish(current: &CompiledPacks<'_>, name: &str, text: &[u8]) -> Result<Published, Refusal> {
    if !known_file(name) {
        return Err(Refusal::new(
            400,
            "policy-file-unknown",
            format!(
                "`{}` is not a pack file: use merchant.toml, embargo.toml or markets/<CC>.toml",
                name.escape_default()
            ),
        ));
    }
    if text.len() > MAX_PACK_BYTES {
        return Err(Refusal::new(
            413,
            "policy-too-large",
            format!("a pack file is at most {MAX_PACK_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| Refusal::new(400, "policy-not-utf8", "a pack file is UTF-8 TOML"))?;
    let mut overrides: BTreeMap<String, String> = current
        .overrides()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    overrides.insert(name.to_owned(), text.to_owned());
    let mut sources: BTreeMap<String, String> = EMBEDDED
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    sources.extend(overrides.clone());
    let set = PackSet::from_sources(sources)
        .map_err(|e| Refusal::new(422, "policy-invalid", e.to_string()))?;
    let overrides: Vec<(String, String)> = overrides.into_iter().collect();
    let compiled = set
        .compile(&overrides)
        .map_err(|e| Refusal::new(500, "policy-compile-failed", e.to_string()))?;
    Ok(Published {
        compiled,
        version: set.version().to_owned(),
        overrides: overrides.into_iter().map(|(n, _)| n).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyInput, Purpose, decide};

    fn shipped(name: &str) -> &'static str {
        EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .expect("shipped file")
    }

    #[test]
    fn a_valid_pack_is_compiled_and_then_decides() {
        let current = CompiledPacks::embedded().expect("shipped");
        let text = shipped("markets/JP.toml")
            .replace("version = \"2026.11.1\"", "version = \"2026.12.1\"");
        let published = publish(&current, "markets/JP.toml", text.as_bytes()).expect("publishes");
        assert_ne!(published.version, current.version());
        assert_eq!(published.overrides, vec!["markets/JP.toml".to_owned()]);
        let next = CompiledPacks::decode(&published.compiled).expect("decodes");
        assert_eq!(next.version(), published.version);
        let set = next.for_country("JP", None).expect("subset");
        let d = decide(&PolicyInput::new("JP", Purpose::Render), &set);
        assert_eq!(d.market, "JP");

        // A second publish keeps the first override.
        let again = publish(&next, "merchant.toml", shipped("merchant.toml").as_bytes())
            .expect("publishes");
        assert_eq!(again.overrides.len(), 2);
    }

    #[test]
    fn refusals_name_the_problem() {
        let current = CompiledPacks::embedded().expect("shipped");
        let cases: [(&str, &[u8], u16, &str); 5] = [
            ("markets/../x.toml", b"", 400, "policy-file-unknown"),
            ("secrets.toml", b"", 400, "policy-file-unknown"),
            ("markets/DE.toml", b"\xff\xfe", 400, "policy-not-utf8"),
            (
                "markets/DE.toml",
                b"schema = 1\nmarket = \"DE\"\n",
                422,
                "policy-invalid",
            ),
            (
                "markets/DE.toml",
                &[b' '; MAX_PACK_BYTES + 1],
                413,
                "policy-too-large",
            ),
        ];
        for (name, text, status, code) in cases {
            let r = publish(&current, name, text).expect_err(name);
            assert_eq!(
                (r.status, r.code.as_str()),
                (status, code),
                "{name}: {}",
                r.message
            );
        }
        // Loosening the law through the merchant file is refused with the reason.
        let loosen = shipped("merchant.toml").replace(
            "[markets.DE]\n",
            "[markets.DE]\nresidency = [\"eu\", \"us\"]\n",
        );
        let r = publish(&current, "merchant.toml", loosen.as_bytes()).expect_err("loosens");
        assert_eq!(r.status, 422);
        assert!(
            r.message.contains("merchant.toml") && r.message.contains("residency"),
            "{}",
            r.message
        );
    }
}
