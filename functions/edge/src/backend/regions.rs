//! Where a service's backends are deployed (`region=url` pairs from a Spin
//! variable) and how calls are routed among them (`backend_routing`).

use serde::Deserialize;

use crate::http::response::Refusal;
use crate::named_urls::NamedUrls;
use crate::policy::codes;

/// One deployed region of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    pub region: String,
    pub url: String,
    /// Share of traffic among regions the router ranks equal (default 1).
    pub weight: u32,
}

/// Backends of one service by region (`region=url` pairs, each optionally
/// `;weight=N`; every host also in `allowed_outbound_hosts`). Personal
/// data goes only to a region the residency decision allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regional {
    deployed: Vec<Deployed>,
    /// The service (`try-on backend`) and what it is sent (`try-on frames`).
    service: &'static str,
    payload: &'static str,
}

impl Regional {
    /// A malformed entry is a 500 with `code`.
    pub fn parse(
        text: &str,
        service: &'static str,
        payload: &'static str,
        code: &str,
    ) -> Result<Regional, Refusal> {
        let invalid = |m: String| Refusal::new(500, code, m);
        // Attributes come off first; the pairs are then NamedUrls' own.
        let mut pairs = Vec::new();
        let mut weights = Vec::new();
        for entry in text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let mut parts = entry.split(';').map(str::trim);
            let pair = parts.next().unwrap_or_default();
            let mut weight = 1;
            for attribute in parts {
                weight = attribute
                    .strip_prefix("weight=")
                    .and_then(|w| w.parse::<u32>().ok())
                    .filter(|w| (1..=1000).contains(w))
                    .ok_or_else(|| {
                        invalid(format!(
                            "{service} `{pair}`: `{attribute}` is not weight=N (1..=1000)"
                        ))
                    })?;
            }
            let name = pair.split_once('=').map(|(n, _)| n.trim()).unwrap_or(pair);
            weights.push((name.to_owned(), weight));
            pairs.push(pair);
        }
        let urls = NamedUrls::parse(&pairs.join(","), &format!("{service} region"), code)?;
        let deployed = urls
            .names()
            .into_iter()
            .filter_map(|name| {
                Some(Deployed {
                    region: name.to_owned(),
                    url: urls.get(name)?.to_owned(),
                    weight: weights
                        .iter()
                        .rev()
                        .find(|(n, _)| n == name)
                        .map_or(1, |(_, w)| *w),
                })
            })
            .collect();
        Ok(Regional {
            deployed,
            service,
            payload,
        })
    }

    /// Every deployed region, in name order.
    pub fn deployed(&self) -> &[Deployed] {
        &self.deployed
    }

    /// Every deployed region and its URL (for queries that read them all).
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.deployed
            .iter()
            .map(|d| (d.region.as_str(), d.url.as_str()))
    }

    pub fn names(&self) -> Vec<&str> {
        self.deployed.iter().map(|d| d.region.as_str()).collect()
    }

    pub fn service(&self) -> &'static str {
        self.service
    }

    pub fn payload(&self) -> &'static str {
        self.payload
    }
}

/// How calls choose among regions: the Spin variable `backend_routing`
/// (TOML; empty is every default).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// Regions nearest this edge first. Unlisted regions rank after the
    /// listed ones; with none listed, the residency order decides.
    pub locality: Vec<String>,
    /// Rank by measured latency (passive, from calls, and active probes
    /// of `/readyz`) before locality.
    pub latency_aware: bool,
    /// One attempt's limit, connect to last byte.
    pub attempt_timeout_ms: u64,
    /// All attempts of one call together; kept inside the host's own
    /// request deadline (30 s by default) so a failover can still answer.
    pub deadline_ms: u64,
    pub breaker: BreakerConfig,
}

/// The circuit breaker each region has per backend URL.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failures: u32,
    /// Failures over calls, counted from a window's first failure, that
    /// open it once `min_calls` were made in the window.
    pub error_rate: f64,
    pub min_calls: u32,
    pub window_s: u64,
    /// How long an open circuit sends nothing before one probe may.
    pub cooldown_s: u64,
    /// Active probes (`/readyz`) of one region at most this often, across
    /// every instance and node sharing the store.
    pub probe_interval_s: u64,
    pub probe_timeout_ms: u64,
}

impl Default for RoutingConfig {
    fn default() -> RoutingConfig {
        RoutingConfig {
            locality: Vec::new(),
            latency_aware: false,
            attempt_timeout_ms: 10_000,
            deadline_ms: 25_000,
            breaker: BreakerConfig::default(),
        }
    }
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            failures: 3,
            error_rate: 0.5,
            min_calls: 20,
            window_s: 10,
            cooldown_s: 5,
            probe_interval_s: 10,
            probe_timeout_ms: 2_000,
        }
    }
}

impl RoutingConfig {
    /// Parses and checks `backend_routing`; a bad value is 500
    /// `backend-routing-invalid` naming the field.
    pub fn from_toml(text: &str) -> Result<RoutingConfig, Refusal> {
        let invalid = |m: String| Refusal::new(500, "backend-routing-invalid", m);
        let config: RoutingConfig =
            toml::from_str(text).map_err(|e| invalid(format!("backend_routing: {e}")))?;
        if let Some(unknown) = config.locality.iter().find(|r| !codes::is_region(r)) {
            return Err(invalid(format!(
                "backend_routing.locality: region `{unknown}` is unknown (known: {})",
                codes::REGIONS.join(", ")
            )));
        }
        let b = &config.breaker;
        let positive = [
            ("attempt_timeout_ms", config.attempt_timeout_ms),
            ("deadline_ms", config.deadline_ms),
            ("breaker.failures", u64::from(b.failures)),
            ("breaker.window_s", b.window_s),
            ("breaker.cooldown_s", b.cooldown_s),
            ("breaker.probe_interval_s", b.probe_interval_s),
            ("breaker.probe_timeout_ms", b.probe_timeout_ms),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(invalid(format!("backend_routing.{field} must be above 0")));
        }
        if !(b.error_rate > 0.0 && b.error_rate <= 1.0) {
            return Err(invalid(format!(
                "backend_routing.breaker.error_rate is {}; it must be in (0, 1]",
                b.error_rate
            )));
        }
        Ok(config)
    }

    /// Where `region` ranks by locality: its place in the list, else after.
    pub fn locality_rank(&self, region: &str) -> usize {
        self.locality
            .iter()
            .position(|r| r == region)
            .unwrap_or(self.locality.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_with_weights() {
        let r = Regional::parse(
            "us=https://us.b;weight=3, eu=https://eu.b/\nuk = https://uk.b",
            "try-on backend",
            "try-on frames",
            "x",
        )
        .expect("parses");
        assert_eq!(r.names(), ["eu", "uk", "us"]);
        assert_eq!(r.deployed()[2].weight, 3);
        assert_eq!(r.deployed()[0].url, "https://eu.b");
        assert_eq!(r.deployed()[0].weight, 1);
        for bad in [
            "eu=https://a;weight=0",
            "eu=https://a;w=2",
            "eu=ftp://a",
            "eu",
        ] {
            let refusal = Regional::parse(bad, "s", "p", "bad-code").expect_err(bad);
            assert_eq!((refusal.status, refusal.code.as_str()), (500, "bad-code"));
        }
    }

    #[test]
    fn routing_defaults_and_refusals() {
        assert_eq!(
            RoutingConfig::from_toml("").expect("empty"),
            RoutingConfig::default()
        );
        let c = RoutingConfig::from_toml(
            "locality = [\"uk\", \"eu\"]\nlatency_aware = true\n[breaker]\nfailures = 2",
        )
        .expect("parses");
        assert_eq!((c.locality_rank("uk"), c.locality_rank("us")), (0, 2));
        assert_eq!(c.breaker.failures, 2);
        for (bad, says) in [
            ("locality = [\"mars\"]", "mars"),
            ("attempt_timeout_ms = 0", "attempt_timeout_ms"),
            ("[breaker]\nerror_rate = 1.5", "error_rate"),
            ("nearest = [\"eu\"]", "nearest"),
        ] {
            let r = RoutingConfig::from_toml(bad).expect_err(bad);
            assert_eq!(r.code, "backend-routing-invalid");
            assert!(r.message.contains(says), "{bad}: {}", r.message);
        }
    }
}
