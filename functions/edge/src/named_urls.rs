//! `name=url` pairs from one Spin variable: the merchant origins of
//! `origins`, the backend regions of `tryon_backends`.

use std::collections::BTreeMap;

use crate::http::response::Refusal;

/// Base URLs by name, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedUrls {
    by_name: BTreeMap<String, String>,
}

impl NamedUrls {
    /// Pairs separated by commas or newlines; names are `[A-Za-z0-9-]+`,
    /// URLs http(s) (a trailing `/` is dropped). A malformed entry is a 500
    /// with `code`, naming `what` the entry is.
    pub fn parse(text: &str, what: &str, code: &str) -> Result<NamedUrls, Refusal> {
        let invalid = |m: String| Refusal::new(500, code, m);
        let mut by_name = BTreeMap::new();
        for pair in text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (name, url) = pair
                .split_once('=')
                .ok_or_else(|| invalid(format!("`{pair}` is not name=url")))?;
            let (name, url) = (name.trim(), url.trim().trim_end_matches('/'));
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(invalid(format!(
                    "{what} name `{name}` is not [A-Za-z0-9-]+"
                )));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(format!(
                    "{what} `{name}`: `{url}` is not an http(s) URL"
                )));
            }
            by_name.insert(name.to_owned(), url.to_owned());
        }
        Ok(NamedUrls { by_name })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.by_name.get(name).map(String::as_str)
    }

    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_comma_or_line() {
        let urls =
            NamedUrls::parse("eu=http://a:1/, us = https://b\n", "region", "x").expect("parses");
        assert_eq!(urls.get("eu"), Some("http://a:1"));
        assert_eq!(urls.get("us"), Some("https://b"));
        assert_eq!(urls.names(), ["eu", "us"]);
        assert!(
            NamedUrls::parse("", "region", "x")
                .expect("empty")
                .is_empty()
        );
    }

    #[test]
    fn malformed_entries_name_the_problem() {
        for text in ["eu", "e u=http://a", "eu=ftp://a", "=http://a"] {
            let r = NamedUrls::parse(text, "region", "regions-invalid").expect_err(text);
            assert_eq!((r.status, r.code.as_str()), (500, "regions-invalid"));
        }
    }
}
