//! Publishing a pack without redeploying: the new file is validated with
//! every other file in force, and only a set that validates as a whole is
//! compiled. A refused file leaves the set in force as it was.
//!
//! What is stored is the operator's files as published (their TOML), never
//! the compiled set: [`compile_overrides`] builds the set against the
//! running build's shipped packs, so a market the operator never published
//! follows the build ([`super::stored`]).

use std::collections::BTreeMap;

use super::codes::is_country;
use super::pack::PackError;
use super::set::{EMBARGO_FILE, MERCHANT_FILE, PackSet};
use crate::http::response::Refusal;

/// The largest pack file accepted.
pub const MAX_PACK_BYTES: usize = 64 * 1024;

/// A set ready to store: the files, what they compile to and its version.
#[derive(Debug)]
pub struct Published {
    pub compiled: Vec<u8>,
    pub version: String,
    /// Files that replace or add to the shipped ones, with their TOML.
    pub files: BTreeMap<String, String>,
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

/// Validates `files` over `shipped` (name, TOML) as one set and compiles it.
pub fn compile_overrides(
    files: &BTreeMap<String, String>,
    shipped: &[(&str, &str)],
) -> Result<Published, PackError> {
    let mut sources: BTreeMap<String, String> = shipped
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    sources.extend(files.clone());
    let set = PackSet::from_sources(sources)?;
    let listed: Vec<(String, String)> = files.iter().map(|(n, t)| (n.clone(), t.clone())).collect();
    Ok(Published {
        compiled: set.compile(&listed)?,
        version: set.version().to_owned(),
        files: files.clone(),
    })
}

/// Validates `text` as `name` together with the `current` overrides and
/// the `shipped` packs, and compiles the resulting set.
pub fn publish(
    current: &BTreeMap<String, String>,
    name: &str,
    text: &[u8],
    shipped: &[(&str, &str)],
) -> Result<Published, Refusal> {
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
    let mut files = current.clone();
    files.insert(name.to_owned(), text.to_owned());
    compile_overrides(&files, shipped).map_err(invalid)
}

/// A set that does not validate: 422 naming the file and the rule.
pub fn invalid(e: PackError) -> Refusal {
    Refusal::new(422, "policy-invalid", e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::compiled::CompiledPacks;
    use crate::policy::packs::EMBEDDED;
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
        let published = publish(
            &BTreeMap::new(),
            "markets/JP.toml",
            text.as_bytes(),
            EMBEDDED,
        )
        .expect("publishes");
        assert_ne!(published.version, current.version());
        assert_eq!(
            published.files.keys().collect::<Vec<_>>(),
            ["markets/JP.toml"]
        );
        let next = CompiledPacks::decode(&published.compiled).expect("decodes");
        assert_eq!(next.version(), published.version);
        let set = next.for_country("JP", None).expect("subset");
        let d = decide(&PolicyInput::new("JP", Purpose::Render), &set);
        assert_eq!(d.market, "JP");

        // A second publish keeps the first override.
        assert_eq!(next.overrides().count(), 1);
        let again = publish(
            &published.files,
            "merchant.toml",
            shipped("merchant.toml").as_bytes(),
            EMBEDDED,
        )
        .expect("publishes");
        assert_eq!(again.files.len(), 2);
    }

    #[test]
    fn refusals_name_the_problem() {
        let current = BTreeMap::new();
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
            let r = publish(&current, name, text, EMBEDDED).expect_err(name);
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
        let r =
            publish(&current, "merchant.toml", loosen.as_bytes(), EMBEDDED).expect_err("loosens");
        assert_eq!(r.status, 422);
        assert!(
            r.message.contains("merchant.toml") && r.message.contains("residency"),
            "{}",
            r.message
        );
    }
}
