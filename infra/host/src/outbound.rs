//! `allowed_outbound_hosts` in Spin syntax: `scheme://host[:port]` where the
//! scheme, host and port may be `*`, the host may be `*.example.com` or an IP
//! network (`10.0.0.0/8`), and the port a half-open range (`8000..8080`).
//! Without a port, the scheme's well-known port applies (http 80, https 443,
//! redis 6379, ...). `tcp://` and `udp://` entries govern `wasi:sockets`.

use std::time::Duration;

use std::net::{IpAddr, SocketAddr};

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
    /// An IP network (`10.0.0.0/8`); it matches IP hosts only.
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Port {
    Any,
    /// A port, or a half-open range (`8000..8080`, as Spin writes them).
    Range(std::ops::Range<u32>),
}

#[derive(Debug, Clone)]
pub struct AllowedHost {
    scheme: Part,
    host: Part,
    port: Port,
}

impl AllowedHost {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            bail!(
                "{text:?} is not of the form scheme://host[:port] (for example \"https://example.com\", \"tcp://10.0.0.1:5000..5010\" or \"*://*:*\")"
            );
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let scheme = match scheme {
            "*" => Part::Any,
            s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) => {
                Part::Exact(s.to_ascii_lowercase())
            }
            _ => bail!("{text:?}: invalid scheme (letters only, or '*')"),
        };
        let (host, port) = split_host_port(rest);
        if host.contains('/') && parse_cidr(host).is_none() {
            bail!("{text:?}: paths are not allowed in allowed_outbound_hosts");
        }
        if host.is_empty() {
            bail!("{text:?}: missing host");
        }
        let host = if host == "*" {
            Part::Any
        } else if let Some((ip, bits)) = parse_cidr(host) {
            Part::Cidr(ip, bits)
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.contains('*') {
                bail!("{text:?}: '*' is only allowed as the whole host or as '*.domain'");
            }
            Part::Subdomain(suffix.to_ascii_lowercase())
        } else if host.contains('*') {
            bail!("{text:?}: '*' is only allowed as the whole host or as '*.domain'");
        } else {
            Part::Exact(host.trim_matches(['[', ']']).to_ascii_lowercase())
        };
        let port = match port {
            None => {
                let Part::Exact(s) = &scheme else {
                    bail!("{text:?}: a port is required when the scheme is '*'");
                };
                let Some(p) = default_port(s) else {
                    bail!("{text:?}: no port was given and the scheme {s:?} has no default port");
                };
                Port::Range(u32::from(p)..u32::from(p) + 1)
            }
            Some("*") => Port::Any,
            Some(p) => Port::Range(
                parse_port(p)
                    .map_err(|why| anyhow::anyhow!("{text:?}: invalid port {p:?}: {why}"))?,
            ),
        };
        Ok(Self { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = match &self.scheme {
            Part::Any => true,
            Part::Exact(s) => s.eq_ignore_ascii_case(scheme),
            Part::Subdomain(_) | Part::Cidr(..) => false,
        };
        let host = host.trim_matches(['[', ']']);
        let host_ok = match &self.host {
            Part::Any => true,
            Part::Exact(h) => match (h.parse::<IpAddr>(), host.parse::<IpAddr>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => h.eq_ignore_ascii_case(host),
            },
            Part::Subdomain(suffix) => {
                host.parse::<IpAddr>().is_err()
                    && host.len() > suffix.len() + 1
                    && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
            Part::Cidr(net, bits) => host
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_network(ip, *net, *bits)),
        };
        let port_ok = match &self.port {
            Port::Any => true,
            Port::Range(r) => r.contains(&u32::from(port)),
        };
        scheme_ok && host_ok && port_ok
    }
}

/// `host[:port]`, where an IPv6 host is bracketed and a CIDR host has a `/`.
fn split_host_port(rest: &str) -> (&str, Option<&str>) {
    if rest.starts_with('[') {
        return match rest.find(']') {
            Some(end) => match rest[end + 1..].strip_prefix(':') {
                Some(port) => (&rest[..=end], Some(port)),
                None => (rest, None),
            },
            None => (rest, None),
        };
    }
    // A bare IPv6 address or network has several colons and no port.
    if rest.matches(':').count() > 1 {
        return (rest, None);
    }
    match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    }
}

/// A port (`443`) or Spin's half-open range (`8000..8080`).
fn parse_port(p: &str) -> Result<std::ops::Range<u32>, &'static str> {
    let num = |s: &str| {
        s.parse::<u16>()
            .map(u32::from)
            .map_err(|_| "not a port number")
    };
    match p.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a >= b {
                return Err("empty range (the end is exclusive: 8000..8080)");
            }
            Ok(a..b)
        }
        None => num(p).map(|n| n..n + 1),
    }
}

fn parse_cidr(host: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = host.split_once('/')?;
    let ip: IpAddr = ip.trim_matches(['[', ']']).parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (ip >> shift) == (net >> shift)
}

/// Spin's well-known ports, used when an allowed host or a URL has none.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Some(80),
        "https" => Some(443),
        "redis" => Some(6379),
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "mqtt" => Some(1883),
        _ => None,
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

    /// A `wasi:sockets` connection (`scheme` `tcp` or `udp`) to `addr`, as Spin
    /// checks it: against the IP address the guest resolved, never a name.
    pub fn allows_socket(&self, scheme: &str, addr: SocketAddr) -> bool {
        self.allowed
            .iter()
            .any(|a| a.allows(scheme, &addr.ip().to_string(), addr.port()))
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
        assert!(AllowedHost::parse("https://example.com:90..80").is_err());
        assert!(AllowedHost::parse("*://example.com").is_err());
        assert!(AllowedHost::parse("tcp://example.com").is_err());
    }

    #[test]
    fn ranges_networks_and_sockets() {
        assert!(allows(
            "http://127.0.0.1:8000..8080",
            "http://127.0.0.1:8079/"
        ));
        assert!(!allows(
            "http://127.0.0.1:8000..8080",
            "http://127.0.0.1:8080/"
        ));
        assert!(allows("redis://cache", "redis://cache/0"));
        assert!(!allows("redis://cache", "redis://cache:6380"));
        let p =
            OutboundPolicy::new(&["tcp://10.0.0.0/8:5432".to_owned(), "*://[::1]:7".to_owned()])
                .expect("valid");
        assert!(p.allows_socket("tcp", "10.1.2.3:5432".parse().expect("addr")));
        assert!(!p.allows_socket("tcp", "11.1.2.3:5432".parse().expect("addr")));
        assert!(!p.allows_socket("tcp", "10.1.2.3:5433".parse().expect("addr")));
        assert!(!p.allows_socket("udp", "10.1.2.3:5432".parse().expect("addr")));
        assert!(p.allows_socket("udp", "[::1]:7".parse().expect("addr")));
        let any = OutboundPolicy::new(&["tcp://*:*".to_owned()]).expect("valid");
        assert!(any.allows_socket("tcp", "192.0.2.1:1".parse().expect("addr")));
        assert!(!any.allows_socket("udp", "192.0.2.1:1".parse().expect("addr")));
    }
}
