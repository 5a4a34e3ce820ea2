//! What the re-rank cost, as a `Server-Timing` entry (W3C Server Timing):
//! browsers' developer tools and benchmarks read the component's own time
//! there, apart from the host's and the network's.

use std::time::Duration;

/// `rerank;dur=<milliseconds, 3 decimals>;desc="<n> candidates"`.
pub fn server_timing(rerank: Duration, candidates: usize) -> String {
    format!(
        "rerank;dur={:.3};desc=\"{candidates} candidates\"",
        rerank.as_secs_f64() * 1e3
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_has_a_name_milliseconds_and_the_candidate_count() {
        assert_eq!(
            server_timing(Duration::from_micros(42), 500),
            "rerank;dur=0.042;desc=\"500 candidates\""
        );
        assert_eq!(
            server_timing(Duration::from_nanos(1_234_567_891), 0),
            "rerank;dur=1234.568;desc=\"0 candidates\""
        );
        assert_eq!(
            server_timing(Duration::ZERO, 14),
            "rerank;dur=0.000;desc=\"14 candidates\""
        );
    }
}
