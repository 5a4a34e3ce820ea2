//! Instance reuse, as Spin 4 does it: a WASIp3 HTTP component instance
//! serves up to `--max-instance-reuse-count` requests (default 128), up to
//! `--max-instance-concurrent-reuse-count` at once (default 16), and is
//! dropped after `--idle-instance-timeout` without work (default 1 s).
//! Each flag takes a value or a half-open range `a..b`, from which every new
//! instance draws its own value, so a component is tested both fresh and
//! reused. A WASIp2 component is never reused (Spin's rule): one instance a
//! request.

use std::fmt::Display;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A value, or a half-open range `start..end` drawn from per instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range<T> {
    Value(T),
    Bounds(T, T),
}

impl<T: FromStr> FromStr for Range<T>
where
    T::Err: Display,
{
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let error = |e: T::Err| format!("expected a value or a range like 1..8; got {s:?}: {e}");
        match s.split_once("..") {
            Some((start, end)) => Ok(Range::Bounds(
                start.parse().map_err(error)?,
                end.parse().map_err(error)?,
            )),
            None => Ok(Range::Value(s.parse().map_err(error)?)),
        }
    }
}

impl Range<usize> {
    /// This instance's value; `None` for an empty range (refused at start).
    pub fn draw(self) -> Option<usize> {
        match self {
            Range::Value(v) => Some(v),
            Range::Bounds(a, b) if a < b => Some(a + (random_u64() % (b - a) as u64) as usize),
            Range::Bounds(..) => None,
        }
    }
}

impl Range<Duration> {
    pub fn draw(self) -> Option<Duration> {
        match self {
            Range::Value(v) => Some(v),
            Range::Bounds(a, b) if a < b => {
                let span = (b - a).as_nanos().min(u64::MAX as u128) as u64;
                Some(a + Duration::from_nanos(random_u64() % span))
            }
            Range::Bounds(..) => None,
        }
    }
}

/// A duration as Spin writes one: seconds without a suffix, or with `s`,
/// `ms`, `us`/`μs` or `ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpinDuration(pub Duration);

impl FromStr for SpinDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let error = || format!("expected a number with `s`, `ms`, `us`, `μs` or `ns`; got {s:?}");
        let number = |n: &str| n.parse::<u64>().map_err(|_| error());
        let d = if let Ok(secs) = s.parse::<u64>() {
            Duration::from_secs(secs)
        } else if let Some(n) = s.strip_suffix("ms") {
            Duration::from_millis(number(n)?)
        } else if let Some(n) = s.strip_suffix("us").or_else(|| s.strip_suffix("μs")) {
            Duration::from_micros(number(n)?)
        } else if let Some(n) = s.strip_suffix("ns") {
            Duration::from_nanos(number(n)?)
        } else if let Some(n) = s.strip_suffix('s') {
            Duration::from_secs(number(n)?)
        } else {
            return Err(error());
        };
        Ok(SpinDuration(d))
    }
}

impl Display for SpinDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Parse a duration range flag (`1s`, `500ms..2s`).
pub fn parse_duration_range(s: &str) -> Result<Range<Duration>, String> {
    Ok(match s.parse::<Range<SpinDuration>>()? {
        Range::Value(v) => Range::Value(v.0),
        Range::Bounds(a, b) => Range::Bounds(a.0, b.0),
    })
}

/// How WASIp3 instances are reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReuseConfig {
    pub max_requests: Range<usize>,
    pub max_concurrent: Range<usize>,
    pub idle_timeout: Range<Duration>,
}

impl Default for ReuseConfig {
    /// Spin 4's defaults.
    fn default() -> Self {
        Self {
            max_requests: Range::Value(128),
            max_concurrent: Range::Value(16),
            idle_timeout: Range::Value(Duration::from_secs(1)),
        }
    }
}

impl ReuseConfig {
    /// Refuse what no instance could draw from: an empty range, or a count
    /// of zero (an instance that could never take its request).
    pub fn validate(&self) -> Result<(), String> {
        for (flag, range) in [
            ("--max-instance-reuse-count", self.max_requests),
            ("--max-instance-concurrent-reuse-count", self.max_concurrent),
        ] {
            match range {
                Range::Value(0) => return Err(format!("{flag} must be at least 1")),
                Range::Bounds(a, b) if a >= b => {
                    return Err(format!("{flag} {a}..{b} is an empty range"));
                }
                Range::Bounds(0, _) => return Err(format!("{flag} must be at least 1")),
                _ => {}
            }
        }
        if let Range::Bounds(a, b) = self.idle_timeout
            && a >= b
        {
            return Err(format!(
                "--idle-instance-timeout {a:?}..{b:?} is an empty range"
            ));
        }
        Ok(())
    }

    /// One new instance's limits.
    pub fn draw(&self) -> InstanceLimits {
        InstanceLimits {
            max_requests: self.max_requests.draw().unwrap_or(1).max(1),
            max_concurrent: self.max_concurrent.draw().unwrap_or(1).max(1),
            idle_timeout: self.idle_timeout.draw().unwrap_or(Duration::ZERO),
        }
    }
}

/// The limits one instance drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    pub max_requests: usize,
    pub max_concurrent: usize,
    pub idle_timeout: Duration,
}

static RANDOM_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random `u64` from the standard library's per-process random keys; for
/// drawing limits and naming errors, not for secrets.
pub fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(RANDOM_COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_ranges_as_spin_does() {
        assert_eq!("128".parse::<Range<usize>>(), Ok(Range::Value(128)));
        assert_eq!("1..8".parse::<Range<usize>>(), Ok(Range::Bounds(1, 8)));
        assert!("1..x".parse::<Range<usize>>().is_err());
        assert!("".parse::<Range<usize>>().is_err());
        assert_eq!(
            parse_duration_range("1"),
            Ok(Range::Value(Duration::from_secs(1)))
        );
        assert_eq!(
            parse_duration_range("250ms..2s"),
            Ok(Range::Bounds(
                Duration::from_millis(250),
                Duration::from_secs(2)
            ))
        );
        assert_eq!(
            parse_duration_range("5us"),
            Ok(Range::Value(Duration::from_micros(5)))
        );
        assert_eq!(
            parse_duration_range("7ns"),
            Ok(Range::Value(Duration::from_nanos(7)))
        );
        assert!(parse_duration_range("1h").is_err());
        assert!(parse_duration_range("ms").is_err());
    }

    #[test]
    fn a_range_draws_within_its_half_open_bounds_and_reaches_both_ends() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let v = Range::Bounds(3usize, 7).draw().expect("non-empty");
            assert!((3..7).contains(&v), "{v}");
            seen.insert(v);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        for _ in 0..200 {
            let d = Range::Bounds(Duration::from_millis(10), Duration::from_millis(20))
                .draw()
                .expect("non-empty");
            assert!(d >= Duration::from_millis(10) && d < Duration::from_millis(20));
        }
    }

    #[test]
    fn refuses_ranges_no_instance_could_draw_from() {
        let bad = |c: ReuseConfig| c.validate().expect_err("refused");
        let base = ReuseConfig::default();
        assert!(base.validate().is_ok());
        assert!(
            bad(ReuseConfig {
                max_requests: Range::Value(0),
                ..base
            })
            .contains("at least 1")
        );
        assert!(
            bad(ReuseConfig {
                max_concurrent: Range::Bounds(4, 4),
                ..base
            })
            .contains("empty range")
        );
        assert!(
            bad(ReuseConfig {
                max_requests: Range::Bounds(0, 4),
                ..base
            })
            .contains("at least 1")
        );
        assert!(
            bad(ReuseConfig {
                idle_timeout: Range::Bounds(Duration::from_secs(2), Duration::from_secs(1)),
                ..base
            })
            .contains("empty range")
        );
    }
}
