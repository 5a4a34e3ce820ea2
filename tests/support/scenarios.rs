//! The market scenario table, `tests/scenarios/market/*.toml` (one file a
//! topic, read in name order): requests and what `GET /v1/market` must
//! answer for them, as JSON pointers. Loaded and checked here; run natively
//! by `market_native.rs` and through the real host by `market_host.rs`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use meridian_edge::market::client_ip::{canonical, is_public, parse_addr};
use serde::Deserialize;
use serde_json::Value;

use crate::{Reply, raw_request, repo_root};

/// The table's folder: every `*.toml` file in it is part of the table.
pub fn table_dir() -> PathBuf {
    repo_root().join("tests/scenarios/market")
}

pub use meridian_edge::policy::Purpose;

/// One request and what must be answered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// Why the case exists, or where a string in it came from.
    #[serde(default)]
    pub note: Option<String>,
    /// The immediate peer (`ip:port`, `[v6]:port`), as Spin's `spin-client-addr`.
    #[serde(default)]
    pub peer: Option<String>,
    #[serde(default, deserialize_with = "headers")]
    pub headers: Vec<(String, String)>,
    /// The URL's query string, with or without the leading `?`.
    #[serde(default)]
    pub query: Option<String>,
    /// Absent: not sent (the route's default, render).
    #[serde(default)]
    pub purpose: Option<Purpose>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// JSON pointer -> expected value, checked everywhere.
    pub expect: BTreeMap<String, toml::Value>,
    /// Pointers that must be null or absent.
    #[serde(default)]
    pub expect_null: Vec<String>,
    /// Checked only natively (where the peer is the case's own).
    #[serde(default)]
    pub expect_native: BTreeMap<String, toml::Value>,
    /// Checked only through the host (where the peer is 127.0.0.1).
    #[serde(default)]
    pub expect_host: BTreeMap<String, toml::Value>,
}

/// `headers = { name = "value" }` or `headers = [["name", "value"], ...]`
/// (the second allows a name more than once, in order).
fn headers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Pairs(Vec<(String, String)>),
        Table(BTreeMap<String, String>),
    }
    Ok(match Form::deserialize(d)? {
        Form::Pairs(pairs) => pairs,
        Form::Table(table) => table.into_iter().collect(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    case: Vec<Case>,
}

/// Which checks a case goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Native,
    Host,
}

/// Loads and validates the table: unique names across every file,
/// something expected, well-formed pointers.
pub fn load() -> Result<Vec<Case>> {
    let dir = table_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("listing {}", dir.display()))?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    paths.sort();
    if paths.is_empty() {
        bail!("{} holds no scenario file", dir.display());
    }
    let mut names = std::collections::BTreeMap::new();
    let mut cases = Vec::new();
    for path in &paths {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let table: Table =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for case in &table.case {
            if let Some(first) = names.insert(case.name.clone(), path.clone()) {
                bail!(
                    "case `{}` is listed twice: {} and {}",
                    case.name,
                    first.display(),
                    path.display()
                );
            }
            validate(case).with_context(|| format!("in {}", path.display()))?;
        }
        cases.extend(table.case);
    }
    Ok(cases)
}

fn validate(case: &Case) -> Result<()> {
    if case.expect.is_empty() {
        bail!("case `{}` expects nothing", case.name);
    }
    let pointers = case
        .expect
        .keys()
        .chain(case.expect_native.keys())
        .chain(case.expect_host.keys())
        .chain(case.expect_null.iter());
    for pointer in pointers {
        if !pointer.starts_with('/') {
            bail!(
                "case `{}`: `{pointer}` is not a JSON pointer (starts with /)",
                case.name
            );
        }
    }
    Ok(())
}

impl Case {
    /// The query string sent (without `?`): the case's own, then
    /// `purpose`, `sku` and `category` when given.
    pub fn request_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(q) = self.query.as_deref().map(|q| q.trim_start_matches('?'))
            && !q.is_empty()
        {
            parts.push(q.to_owned());
        }
        if let Some(p) = self.purpose {
            parts.push(format!("purpose={}", p.as_str()));
        }
        if let Some(s) = &self.sku {
            parts.push(format!("sku={s}"));
        }
        if let Some(c) = &self.category {
            parts.push(format!("category={c}"));
        }
        parts.join("&")
    }

    /// The headers as the `(&str, &str)` pairs the gate and the HTTP helpers take.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// Whether a header name occurs more than once (case-insensitively).
    pub fn repeats_a_header(&self) -> bool {
        self.headers.iter().enumerate().any(|(i, (a, _))| {
            self.headers[..i]
                .iter()
                .any(|(b, _)| a.eq_ignore_ascii_case(b))
        })
    }

    /// The expected purpose's name, for reports.
    pub fn purpose_name(&self) -> &'static str {
        self.purpose.unwrap_or(Purpose::Render).as_str()
    }
}

/// The expectation as JSON. TOML has no null; `expect_null` covers that.
fn to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect::<serde_json::Map<String, Value>>(),
        ),
    }
}

fn matches(expected: &toml::Value, actual: &Value) -> bool {
    if let (toml::Value::String(want), Value::String(got)) = (expected, actual)
        && let Some(part) = want.strip_prefix('~')
    {
        return got.contains(part);
    }
    to_json(expected) == *actual
}

/// Compares every expectation of `case` with the JSON answered for it;
/// `Err` lists every mismatch, one per line.
pub fn check(case: &Case, json: &Value) -> Result<(), String> {
    check_at(case, json, Where::Native)
}

/// [`check`], with the expectations for where the case ran.
pub fn check_at(case: &Case, json: &Value, at: Where) -> Result<(), String> {
    let extra = match at {
        Where::Native => &case.expect_native,
        Where::Host => &case.expect_host,
    };
    let mut problems = Vec::new();
    for (pointer, want) in case.expect.iter().chain(extra.iter()) {
        match json.pointer(pointer) {
            Some(got) if matches(want, got) => {}
            Some(got) => problems.push(format!(
                "  {pointer}: expected {}, got {got}",
                to_json(want)
            )),
            None => problems.push(format!("  {pointer}: expected {}, missing", to_json(want))),
        }
    }
    for pointer in &case.expect_null {
        match json.pointer(pointer) {
            None | Some(Value::Null) => {}
            Some(got) => problems.push(format!("  {pointer}: expected null, got {got}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// How a case can run through the host, where every request comes from
/// 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPeer {
    /// The peer is a trusted proxy (10.0.0.0/8 or 127.0.0.1): run through a
    /// host that trusts 127.0.0.1/32.
    Trusted,
    /// No peer, an unparseable one, or a non-public one (loopback, private,
    /// link-local, documentation...): run through a host that trusts
    /// nothing, where 127.0.0.1 is just as non-public.
    Untrusted,
    /// A public untrusted peer: the host cannot send from it.
    NativeOnly,
}

/// Classifies a case by its peer. A trusted case whose `x-forwarded-for`
/// names an address in 10.0.0.0/8 is native-only too: natively that hop
/// is a trusted proxy, through the host (trusting 127.0.0.1 alone) it is
/// the client.
pub fn host_peer(case: &Case) -> HostPeer {
    let Some(ip) = case.peer.as_deref().and_then(peer_ip) else {
        return HostPeer::Untrusted;
    };
    if is_native_proxy(ip) {
        let private_hop = case
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-forwarded-for"))
            .flat_map(|(_, v)| v.split(','))
            .filter_map(peer_ip)
            .any(|hop| matches!(hop, IpAddr::V4(v4) if v4.octets()[0] == 10));
        return if private_hop {
            HostPeer::NativeOnly
        } else {
            HostPeer::Trusted
        };
    }
    if is_public(ip) {
        HostPeer::NativeOnly
    } else {
        HostPeer::Untrusted
    }
}

/// `ip`, `ip:port`, `[v6]` or `[v6]:port`; IPv4-mapped IPv6 as IPv4 (as
/// the gate reads `spin-client-addr`).
fn peer_ip(text: &str) -> Option<IpAddr> {
    parse_addr(text).map(canonical)
}

/// The native test's `trusted_proxies`: 10.0.0.0/8 and 127.0.0.1/32.
fn is_native_proxy(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 10 || v4 == Ipv4Addr::LOCALHOST,
        IpAddr::V6(_) => false,
    }
}

/// `GET base + path` with every header as given, repeated names included
/// (`meridian_e2e::get` goes through ureq, whose `set` replaces a header
/// of the same name).
pub fn get_with_repeated(base: &str, path: &str, headers: &[(&str, &str)]) -> Result<Reply> {
    let mut extra = String::new();
    for (name, value) in headers {
        if [name, value].iter().any(|s| s.contains(['\r', '\n'])) {
            bail!("header {name:?} cannot be sent: it contains a line break");
        }
        extra.push_str(&format!("{name}: {value}\r\n"));
    }
    raw_request(base, "GET", path, &extra)
}
