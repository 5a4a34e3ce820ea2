//! What can go wrong: only loading what GrowthBook sent. Evaluation never
//! fails; a rule that cannot apply is skipped, as in the JS SDK.

use crate::http::response::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum GrowthBookError {
    /// The payload is not GrowthBook's JSON.
    #[error("the GrowthBook payload does not parse: {0}")]
    Payload(#[source] serde_json::Error),
    #[error("the GrowthBook payload is {len} bytes, more than the configured {max}")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("the sticky bucket assignments are {len} bytes, more than the configured {max}")]
    StickyTooLarge { len: usize, max: usize },
    /// A sticky-bucket cookie that is not the SDK's document map.
    #[error("the sticky bucket assignments do not parse: {0}")]
    StickyBuckets(#[source] serde_json::Error),
}

impl GrowthBookError {
    pub fn code(&self) -> &'static str {
        match self {
            GrowthBookError::Payload(_) => "growthbook-payload-invalid",
            GrowthBookError::PayloadTooLarge { .. } => "growthbook-payload-too-large",
            GrowthBookError::StickyTooLarge { .. } => "growthbook-sticky-too-large",
            GrowthBookError::StickyBuckets(_) => "growthbook-sticky-invalid",
        }
    }

    /// The payload is the platform's upstream (502); a sticky cookie is
    /// the shopper's request (400).
    pub fn refusal(&self) -> Refusal {
        let status = match self {
            GrowthBookError::Payload(_) | GrowthBookError::PayloadTooLarge { .. } => 502,
            GrowthBookError::StickyBuckets(_) | GrowthBookError::StickyTooLarge { .. } => 400,
        };
        Refusal::new(status, self.code(), self.to_string())
    }
}

impl From<GrowthBookError> for Refusal {
    fn from(e: GrowthBookError) -> Refusal {
        e.refusal()
    }
}
