//! `allowed_outbound_hosts` in Spin syntax: `scheme://host[:port]` where the
//! scheme, host and port may be `*`, and the host may be `*.example.com`.
//! Without a port, the scheme's default port applies (80 for http, 443 for https).

use std::time::Duration;

use anyhow::{Result, bail};

/// Host ceilings on outbound HTTP timeouts (wasmtime-wasi-http's own defaults
/// are 600 s each, long enough for a hung origin to hold an instance for ten
/// minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundTimeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

impl Default for OutboundTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            first_byte: Duration::from_secs(30),
            between_bytes: Duration::from_secs(30),
        }
    }
}

impl OutboundTimeouts {
    /// The timeouts one request runs under: the component's own where shorter,
    /// the host's otherwise.
    pub fn apply(
        &self,
        requested: Option<wasmtime_wasi_http::RequestOptions>,
    ) -> wasmtime_wasi_http::RequestOptions {
        let pick = |asked: Option<Duration>, ceiling: Duration| {
            Some(asked.map_or(ceiling, |a| a.min(ceiling)))
        };
        let r = requested.unwrap_or_default();
        wasmtime_wasi_http::RequestOptions {
            connect_timeout: pick(r.connect_timeout, self.connect),
            first_byte_timeout: pick(r.first_byte_timeout, self.first_byte),
            between_bytes_timeout: pick(r.between_bytes_timeout, self.between_bytes),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Any,
    Exact(String),
    /// `*.suffix`: any subdomain of suffix.
    Subdomain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Port {
    Any,
    Exact(u16),
    /// No port written: the scheme's default.
    Default,
}

#[derive(Debug, Clone)]
pub struct AllowedHost {
    scheme: Part,
    host: Part,
    port: Port,
}

impl AllowedHost {
    pub fn parse(text: &str) -> Result<Self> {
        let Some((scheme, rest)) = text.split_once("://") else {
            bail!(
                "{text:?} is not of the form scheme://host[:port] (for example \"https://example.com\" or \"http://*:*\")"
            );
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') {
            bail!("{text:?}: paths are not allowed in allowed_outbound_hosts");
        }
        let scheme = match scheme {
            "*" => Part::Any,
            s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') => {
                Part::Exact(s.to_ascii_lowercase())
            }
            _ => bail!("{text:?}: invalid scheme"),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        if host.is_empty() {
            bail!("{text:?}: missing host");
        }
        let host = if host == "*" {
            Part::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            Part::Subdomain(suffix.to_ascii_lowercase())
        } else if host.contains('*') {
            bail!("{text:?}: '*' is only allowed as the whole host or as '*.domain'");
        } else {
            Part::Exact(host.trim_matches(['[', ']']).to_ascii_lowercase())
        };
        let port = match port {
            None => Port::Default,
            Some("*") => Port::Any,
            Some(p) => match p.parse::<u16>() {
                Ok(p) => Port::Exact(p),
                Err(_) => bail!("{text:?}: invalid port {p:?} (port ranges are not supported)"),
            },
        };
        Ok(Self { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = match &self.scheme {
            Part::Any => true,
            Part::Exact(s) => s.eq_ignore_ascii_case(scheme),
            Part::Subdomain(_) => false,
        };
        let host = host.trim_matches(['[', ']']);
        let host_ok = match &self.host {
            Part::Any => true,
            Part::Exact(h) => h.eq_ignore_ascii_case(host),
            Part::Subdomain(suffix) => {
                host.len() > suffix.len() + 1
                    && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
        };
        let port_ok = match self.port {
            Port::Any => true,
            Port::Exact(p) => p == port,
            Port::Default => default_port(scheme) == Some(port),
        };
        scheme_ok && host_ok && port_ok
    }
}

pub fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else {
        None
    }
}

/// The outbound policy of one component.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<AllowedHost>,
}

impl OutboundPolicy {
    pub fn new(entries: &[String]) -> Result<Self> {
        let allowed = entries
            .iter()
            .map(|e| AllowedHost::parse(e))
            .collect::<Result<_>>()?;
        Ok(Self { allowed })
    }

    /// `Ok(())` when allowed, `Err(reason)` when refused.
    pub fn check(&self, uri: &http::Uri) -> Result<(), &'static str> {
        let Some(scheme) = uri.scheme_str() else {
            return Err("request has no scheme");
        };
        let Some(host) = uri.host() else {
            return Err("request has no host");
        };
        let Some(port) = uri.port_u16().or_else(|| default_port(scheme)) else {
            return Err("unsupported scheme");
        };
        if self.allowed.is_empty() {
            return Err("component has no allowed_outbound_hosts");
        }
        if self.allowed.iter().any(|a| a.allows(scheme, host, port)) {
            Ok(())
        } else {
            Err("not in allowed_outbound_hosts")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(rule: &str, url: &str) -> bool {
        let policy = OutboundPolicy::new(&[rule.to_owned()]).expect("valid rule");
        policy
            .check(&url.parse::<http::Uri>().expect("valid uri"))
            .is_ok()
    }

    #[test]
    fn exact_hosts() {
        assert!(allows("https://example.com", "https://example.com/x"));
        assert!(allows("https://example.com", "https://example.com:443/x"));
        assert!(!allows("https://example.com", "http://example.com/x"));
        assert!(!allows("https://example.com", "https://example.com:8443/"));
        assert!(!allows("https://example.com", "https://evil.com/"));
        assert!(allows(
            "http://127.0.0.1:8081",
            "http://127.0.0.1:8081/v1/x"
        ));
        assert!(!allows("http://127.0.0.1:8081", "http://127.0.0.1:8082/"));
    }

    #[test]
    fn wildcards() {
        assert!(allows("http://*:*", "http://anything:1234/"));
        assert!(!allows("http://*:*", "https://anything:1234/"));
        assert!(allows("*://host:*", "https://host:1/"));
        assert!(allows("*://host:*", "http://host/"));
        assert!(!allows("*://host:*", "http://other/"));
        assert!(allows("https://*.example.com", "https://a.example.com/"));
        assert!(!allows("https://*.example.com", "https://example.com/"));
        assert!(!allows("https://*.example.com", "https://badexample.com/"));
    }

    #[test]
    fn empty_policy_refuses() {
        let p = OutboundPolicy::new(&[]).expect("empty");
        assert!(
            p.check(&"https://example.com/".parse().expect("uri"))
                .is_err()
        );
    }

    #[test]
    fn timeouts_take_the_shorter() {
        let host = OutboundTimeouts::default();
        let none = host.apply(None);
        assert_eq!(none.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(none.first_byte_timeout, Some(Duration::from_secs(30)));
        assert_eq!(none.between_bytes_timeout, Some(Duration::from_secs(30)));
        let asked = wasmtime_wasi_http::RequestOptions {
            connect_timeout: Some(Duration::from_secs(600)),
            first_byte_timeout: Some(Duration::from_millis(250)),
            between_bytes_timeout: None,
        };
        let got = host.apply(Some(asked));
        assert_eq!(got.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(got.first_byte_timeout, Some(Duration::from_millis(250)));
        assert_eq!(got.between_bytes_timeout, Some(Duration::from_secs(30)));
    }

    #[test]
    fn bad_rules() {
        assert!(AllowedHost::parse("example.com").is_err());
        assert!(AllowedHost::parse("https://example.com/path").is_err());
        assert!(AllowedHost::parse("https://ex*ample.com").is_err());
        assert!(AllowedHost::parse("https://example.com:80-90").is_err());
    }
}
