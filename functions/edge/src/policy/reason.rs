//! The reason every decision carries: a stable machine-readable code and a
//! short detail for people.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable, kebab-case: `residency-eu-gdpr`, `gpc-opt-out`, ...
    pub code: &'static str,
    /// One sentence for logs and refusal messages; never personal data.
    pub detail: String,
}

impl Reason {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Reason {
        Reason {
            code,
            detail: detail.into(),
        }
    }
}
