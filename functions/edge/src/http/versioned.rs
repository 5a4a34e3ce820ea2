//! What the admin APIs that publish versioned documents (policy packs,
//! experiment definitions) share: a version named by an entity tag, and
//! changes that must name the version they were made against
//! (`If-Match`), so two operators cannot lose each other's change.

use crate::http::response::{Refusal, Response};

/// The strong entity tag of `version`.
pub fn etag(version: &str) -> String {
    format!("\"{version}\"")
}

/// A refusal that still says which version is in force.
pub fn refused(refusal: Refusal, version: &str) -> Response {
    refusal.into_response().header("etag", etag(version))
}

/// A JSON answer about the document at `version`; never stored by caches.
pub fn json_response(value: serde_json::Value, version: &str) -> Response {
    Response::new(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .header("etag", etag(version))
        .body(value.to_string().into_bytes())
}

/// Names a versioned document in messages and codes: `policy_version`
/// and `policy-version-mismatch`, say.
#[derive(Debug, Clone, Copy)]
pub struct Versioned<'a> {
    /// What `If-Match` must quote, as the docs name it.
    pub version_name: &'a str,
    /// The 412 code.
    pub mismatch_code: &'a str,
    /// The document, in messages (`the policy`).
    pub document: &'a str,
}

impl Versioned<'_> {
    /// Whether `If-Match` names `version`: 428 when absent or `*`, 412
    /// when it names another version.
    pub fn check_if_match(&self, if_match: Option<&str>, version: &str) -> Result<(), Response> {
        let need = |why: &str| {
            refused(
                Refusal::new(
                    428,
                    "precondition-required",
                    format!(
                        "{why}: send If-Match: \"<{}>\" with the version you changed (now {version})",
                        self.version_name
                    ),
                ),
                version,
            )
        };
        let Some(value) = if_match.map(str::trim).filter(|v| !v.is_empty()) else {
            return Err(need("a change needs If-Match"));
        };
        let tags: Vec<&str> = value.split(',').map(str::trim).collect();
        if tags.contains(&"*") {
            return Err(need("If-Match: * would overwrite any version"));
        }
        let named = |tag: &str| tag.trim_start_matches("W/").trim_matches('"') == version;
        if tags.into_iter().any(named) {
            return Ok(());
        }
        Err(self.mismatch(
            &format!(
                "If-Match names {}, but {} in force is {version}: read it again and redo the change",
                value.escape_default(),
                self.document
            ),
            version,
        ))
    }

    /// 412: another change won (`winner` is in force now).
    pub fn mismatch(&self, message: &str, winner: &str) -> Response {
        refused(Refusal::new(412, self.mismatch_code, message), winner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: Versioned<'static> = Versioned {
        version_name: "version",
        mismatch_code: "version-mismatch",
        document: "the document",
    };

    #[test]
    fn if_match_must_name_the_version_in_force() {
        assert!(DOC.check_if_match(Some("\"v1\""), "v1").is_ok());
        assert!(DOC.check_if_match(Some("W/\"v1\", \"v0\""), "v1").is_ok());
        for (given, status) in [
            (None, 428),
            (Some(" "), 428),
            (Some("*"), 428),
            (Some("\"v0\""), 412),
        ] {
            let r = DOC.check_if_match(given, "v1").expect_err("refused");
            assert_eq!(r.status, status, "{given:?}");
            assert_eq!(r.get("etag"), Some("\"v1\""));
        }
    }
}
