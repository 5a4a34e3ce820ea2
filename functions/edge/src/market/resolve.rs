//! Which country a request comes from: a trusted CDN's geo header, else the
//! IP database, else the configured default, always with the reason.

use std::net::IpAddr;
use std::sync::LazyLock;

use serde::Serialize;

use super::client_ip::{client_from_forwarded_for, is_public, parse_addr};
use super::config::{ClientIpFormat, MarketConfig};
use super::geo_header::{
    GeoHeader, GeoHeaderFormat, GeoLocation, parse_country_header, parse_edgescape_location,
};
use super::ip_db::CountryDb;

/// Request headers as this module reads them. Implemented for slices,
/// arrays and vectors of `(name, value)` pairs (`String`/`&str` names,
/// `String`/`&str`/`Vec<u8>` values), so hosts pass what they have.
pub trait RequestHeaders {
    /// Calls `f` with every value of header `name` (ASCII
    /// case-insensitive), in the order received.
    fn for_each_value<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8]));
}

impl<N: AsRef<str>, V: AsRef<[u8]>> RequestHeaders for [(N, V)] {
    fn for_each_value<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        for (n, v) in self {
            if n.as_ref().eq_ignore_ascii_case(name) {
                f(v.as_ref());
            }
        }
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>, const K: usize> RequestHeaders for [(N, V); K] {
    fn for_each_value<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().for_each_value(name, f);
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> RequestHeaders for Vec<(N, V)> {
    fn for_each_value<'a>(&'a self, name: &str, f: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().for_each_value(name, f);
    }
}

/// Why the country is what it is; values of [`CountryResolution::reason`].
pub mod reason {
    /// A trusted proxy's geo header named the country.
    pub const GEO_HEADER_TRUSTED: &str = "geo-header-trusted";
    /// No usable geo header (none sent, or the peer is not trusted); the
    /// client address is in the database.
    pub const IP_DATABASE: &str = "ip-database";
    /// A trusted proxy's geo header was not a country (`XX`, `T1`,
    /// malformed, or sent twice with different values); the database answered.
    pub const IP_DATABASE_GEO_HEADER_INVALID: &str = "ip-database-geo-header-invalid";
    /// Two geo headers from a trusted peer named different countries (one
    /// was likely sent by the client and passed through); the database answered.
    pub const IP_DATABASE_GEO_HEADER_CONFLICT: &str = "ip-database-geo-header-conflict";
    /// No client address: no or malformed peer, or a trusted peer without a
    /// usable client-IP header.
    pub const DEFAULT_NO_CLIENT_IP: &str = "default-no-client-ip";
    /// The client address is private, loopback, documentation... and has no place.
    pub const DEFAULT_CLIENT_IP_NOT_PUBLIC: &str = "default-client-ip-not-public";
    /// No database was given.
    pub const DEFAULT_NO_DATABASE: &str = "default-no-database";
    /// No usable geo header, and the database has no country for the address.
    pub const DEFAULT_NO_HEADER_NO_IP_MATCH: &str = "default-no-header-no-ip-match";
    /// The database failed on the address (corrupt data).
    pub const DEFAULT_DATABASE_ERROR: &str = "default-database-error";
}

/// Where the country came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CountrySource {
    /// A trusted proxy's geo header (the configured name).
    GeoHeader { header: String },
    /// The IP-to-country database.
    IpDatabase,
    /// Nothing located the shopper: [`MarketConfig::default_country`] when
    /// the merchant named one, else `ZZ` (the strict default pack).
    Default,
}

/// The market country of a request and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryResolution {
    /// ISO 3166-1 alpha-2, uppercase: an assigned country, or `ZZ` (unknown)
    /// when nothing located the shopper and no default country is configured.
    pub country: String,
    /// ISO 3166-2 (`US-CA`), when a geo header gave one.
    pub subdivision: Option<String>,
    pub source: CountrySource,
    /// Machine-readable, one of the [`reason`] constants.
    pub reason: &'static str,
    /// `name: value` of a geo header sent by an untrusted peer and ignored:
    /// a client trying to choose its market. Log it. (Escaped, truncated.)
    pub ignored_spoofed_header: Option<String>,
    /// `name: value` of a trusted proxy's geo header that was not used
    /// because it named no country or conflicted with another. (Escaped, truncated.)
    pub rejected_geo_header: Option<String>,
    /// The client's address (the peer, or what trusted proxies say it is),
    /// also when a geo header answered; `None` if there was none. Personal
    /// data: log it through [`super::truncate_ip`]; never serialized.
    #[serde(skip)]
    pub client_ip: Option<IpAddr>,
}

/// The country database as [`resolve_country`] takes it: at hand
/// (`Some(&db)`, `None`), or opened on first use (`&LazyLock`), so a request
/// a trusted geo header answers never opens it.
pub trait CountryDbSource<'a> {
    /// The database, opened now if it was not.
    fn open(self) -> Option<&'a CountryDb>;
}

impl<'a> CountryDbSource<'a> for Option<&'a CountryDb> {
    fn open(self) -> Option<&'a CountryDb> {
        self
    }
}

impl<'a, F: FnOnce() -> Option<CountryDb>> CountryDbSource<'a>
    for &'a LazyLock<Option<CountryDb>, F>
{
    fn open(self) -> Option<&'a CountryDb> {
        LazyLock::force(self).as_ref()
    }
}

/// Finds the market country of a request. Never fails: each step that has
/// nothing usable falls through to the next, and `reason` says why.
///
/// `peer` is the immediate peer (Spin's `spin-client-addr`: `ip:port` or
/// `[v6]:port`). Geo and client-IP headers count only when the peer is in
/// [`MarketConfig::trusted_proxies`]; otherwise the peer itself is the
/// client and geo headers are reported in `ignored_spoofed_header`.
pub fn resolve_country<'d, H: RequestHeaders + ?Sized>(
    headers: &H,
    peer: Option<&str>,
    cfg: &MarketConfig,
    db: impl CountryDbSource<'d>,
) -> CountryResolution {
    let peer_ip = peer.and_then(parse_addr);
    let trusted = peer_ip.is_some_and(|ip| cfg.is_trusted(ip));
    // Found even when a geo header answers, for the audit log.
    let client_ip = if trusted {
        client_ip_from_headers(headers, cfg)
    } else {
        peer_ip
    };

    let mut result = CountryResolution {
        country: cfg.default_market().to_owned(),
        subdivision: None,
        source: CountrySource::Default,
        reason: reason::DEFAULT_NO_CLIENT_IP,
        ignored_spoofed_header: None,
        rejected_geo_header: None,
        client_ip,
    };
    let mut via_database = reason::IP_DATABASE;

    if trusted {
        match read_geo_headers(headers, &cfg.geo_headers) {
            GeoRead::Found { header, location } => {
                result.country = location.country.to_string();
                result.subdivision = location.subdivision;
                result.source = CountrySource::GeoHeader { header };
                result.reason = reason::GEO_HEADER_TRUSTED;
                return result;
            }
            GeoRead::Invalid(described) => {
                result.rejected_geo_header = Some(described);
                via_database = reason::IP_DATABASE_GEO_HEADER_INVALID;
            }
            GeoRead::Conflict(described) => {
                result.rejected_geo_header = Some(described);
                via_database = reason::IP_DATABASE_GEO_HEADER_CONFLICT;
            }
            GeoRead::Absent => {}
        }
    } else {
        result.ignored_spoofed_header = cfg.geo_headers.iter().find_map(|h| {
            let mut first = None;
            headers.for_each_value(&h.name, &mut |v| {
                first.get_or_insert(v);
            });
            first.map(|v| describe(&h.name, v))
        });
    }

    let Some(ip) = client_ip else {
        result.reason = reason::DEFAULT_NO_CLIENT_IP;
        return result;
    };
    if !is_public(ip) {
        result.reason = reason::DEFAULT_CLIENT_IP_NOT_PUBLIC;
        return result;
    }
    let Some(db) = db.open() else {
        result.reason = reason::DEFAULT_NO_DATABASE;
        return result;
    };
    match db.lookup(ip) {
        Ok(Some(country)) => {
            result.country = country.to_string();
            result.source = CountrySource::IpDatabase;
            result.reason = via_database;
        }
        Ok(None) => result.reason = reason::DEFAULT_NO_HEADER_NO_IP_MATCH,
        Err(_) => result.reason = reason::DEFAULT_DATABASE_ERROR,
    }
    result
}

enum GeoRead {
    Absent,
    Found {
        header: String,
        location: GeoLocation,
    },
    Invalid(String),
    Conflict(String),
}

/// The first configured geo header present decides; if it names no
/// country, later ones are not consulted (a client may have sent them,
/// e.g. when Cloudflare says `T1`). If another present header names a
/// different country, neither is believed.
fn read_geo_headers<H: RequestHeaders + ?Sized>(headers: &H, geo_headers: &[GeoHeader]) -> GeoRead {
    let mut chosen: Option<(&GeoHeader, GeoLocation)> = None;
    for header in geo_headers {
        let Some(value) = one_value(headers, &header.name) else {
            continue;
        };
        let location = match value {
            OneValue::One(bytes) => parse_geo_value(headers, header, bytes),
            OneValue::Ambiguous(_) => None,
        };
        match (&chosen, location) {
            (None, Some(location)) => chosen = Some((header, location)),
            (None, None) => return GeoRead::Invalid(describe(&header.name, value.bytes())),
            (Some((first, found)), Some(other)) if other.country != found.country => {
                return GeoRead::Conflict(format!(
                    "{}; {}",
                    describe(&first.name, found.country.as_str().as_bytes()),
                    describe(&header.name, value.bytes())
                ));
            }
            (Some(_), _) => {}
        }
    }
    match chosen {
        Some((header, location)) => GeoRead::Found {
            header: header.name.clone(),
            location,
        },
        None => GeoRead::Absent,
    }
}

fn parse_geo_value<H: RequestHeaders + ?Sized>(
    headers: &H,
    header: &GeoHeader,
    bytes: &[u8],
) -> Option<GeoLocation> {
    let text = std::str::from_utf8(bytes).ok()?;
    match header.format {
        GeoHeaderFormat::Country => {
            let region =
                header
                    .region_header
                    .as_deref()
                    .and_then(|name| match one_value(headers, name) {
                        Some(OneValue::One(r)) => std::str::from_utf8(r).ok(),
                        _ => None,
                    });
            parse_country_header(text, region)
        }
        GeoHeaderFormat::AkamaiEdgescape => parse_edgescape_location(text),
    }
}

/// A header's value when it must occur once (repeats of the same value are fine).
#[derive(Clone, Copy)]
enum OneValue<'a> {
    One(&'a [u8]),
    /// Sent more than once with different values; the first one.
    Ambiguous(&'a [u8]),
}

impl<'a> OneValue<'a> {
    fn bytes(self) -> &'a [u8] {
        match self {
            OneValue::One(b) | OneValue::Ambiguous(b) => b,
        }
    }
}

fn one_value<'a, H: RequestHeaders + ?Sized>(headers: &'a H, name: &str) -> Option<OneValue<'a>> {
    let mut found: Option<OneValue<'a>> = None;
    headers.for_each_value(name, &mut |v| {
        found = Some(match found {
            None => OneValue::One(v),
            Some(OneValue::One(first)) if trim(first) == trim(v) => OneValue::One(first),
            Some(other) => OneValue::Ambiguous(other.bytes()),
        });
    });
    found
}

fn client_ip_from_headers<H: RequestHeaders + ?Sized>(
    headers: &H,
    cfg: &MarketConfig,
) -> Option<IpAddr> {
    let header = cfg.client_ip_header.as_ref()?;
    match header.format {
        ClientIpFormat::ForwardedFor => {
            let mut lines: Vec<&str> = Vec::new();
            let mut all_text = true;
            headers.for_each_value(&header.name, &mut |v| match std::str::from_utf8(v) {
                Ok(text) => lines.push(text),
                Err(_) => all_text = false,
            });
            // A line we cannot read may hide a hop: trust none of the list.
            if !all_text {
                return None;
            }
            client_from_forwarded_for(&lines, &cfg.trusted_proxies)
        }
        ClientIpFormat::Single => match one_value(headers, &header.name)? {
            OneValue::One(v) => parse_addr(std::str::from_utf8(v).ok()?),
            OneValue::Ambiguous(_) => None,
        },
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Longest header value echoed into a log line.
const DESCRIBE_MAX: usize = 64;

/// `name: value` for logs: the value escaped (no control characters or
/// non-ASCII reach the log) and cut to [`DESCRIBE_MAX`] bytes.
fn describe(name: &str, value: &[u8]) -> String {
    let cut = &value[..value.len().min(DESCRIBE_MAX)];
    let escaped: String = cut.escape_ascii().to_string();
    let more = if value.len() > DESCRIBE_MAX {
        "..."
    } else {
        ""
    };
    format!("{name}: {escaped}{more}")
}

#[cfg(test)]
mod tests;
