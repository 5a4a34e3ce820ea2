//! Surrogate keys (tags): which entries a purge reaches. Each tag of an
//! entry is a marker key `c/t/<tag>/<id>`, written with the entry, so no
//! shared index is read, changed and written back by concurrent requests.

use super::Kv;

pub const TAG_PREFIX: &str = "c/t/";

/// Longest tag accepted; keys in real stores are bounded (Spin: 255 bytes).
pub const MAX_TAG_LEN: usize = 128;

pub fn marker_key(tag: &str, id: &str) -> String {
    format!("{TAG_PREFIX}{tag}/{id}")
}

/// Whether `tag` can be a surrogate key: 1 to 128 of `A-Z a-z 0-9 : . _ -`.
pub fn is_valid(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":._-".contains(&b))
}

/// Tags from `Surrogate-Key` / `Cache-Tag` values (space- or
/// comma-separated); invalid ones are returned apart so the caller can
/// say so.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for tag in values
        .into_iter()
        .flat_map(|v| v.split([' ', ',', '\t']))
        .filter(|t| !t.is_empty())
    {
        if is_valid(tag) {
            good.push(tag.to_owned());
        } else {
            bad.push(tag.chars().take(MAX_TAG_LEN).collect());
        }
    }
    good.sort();
    good.dedup();
    (good, bad)
}

/// The tag every entry of a URL carries, so "purge this URL" reaches all
/// its variants (every market, locale, format, preset version).
pub fn url_tag(url: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("url:{}", hex::encode(&Sha256::digest(url.as_bytes())[..12]))
}

/// Ids of the entries carrying any of `tags`.
pub fn entries_tagged(kv: &impl Kv, tags: &[String]) -> Result<Vec<String>, String> {
    let prefixes: Vec<String> = tags.iter().map(|t| format!("{TAG_PREFIX}{t}/")).collect();
    let mut ids: Vec<String> = kv
        .keys()?
        .into_iter()
        .filter_map(|k| {
            prefixes
                .iter()
                .find_map(|p| k.strip_prefix(p.as_str()).map(str::to_owned))
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_keys_parse_and_refuse_what_cannot_be_a_key() {
        let (good, bad) = parse(["sku:A-1 asset:x.jpg", "sku:A-1,market:DE", "bad/tag  é"]);
        assert_eq!(good, ["asset:x.jpg", "market:DE", "sku:A-1"]);
        assert_eq!(bad, ["bad/tag", "é"]);
        assert!(!is_valid(&"a".repeat(129)));
        assert!(is_valid(&"a".repeat(128)));
    }

    #[test]
    fn url_tags_are_stable_valid_tags() {
        let t = url_tag("/v1/origin/catalog/p/1?a=1");
        assert!(is_valid(&t));
        assert_eq!(t, url_tag("/v1/origin/catalog/p/1?a=1"));
        assert_ne!(t, url_tag("/v1/origin/catalog/p/2"));
    }
}
