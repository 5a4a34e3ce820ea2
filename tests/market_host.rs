//! Every case of `tests/scenarios/market/*.toml` that can run through the
//! real host, as `GET /v1/market`: cases whose peer is a trusted proxy
//! through a host trusting 127.0.0.1/32, cases whose peer is absent or not
//! public through a host trusting nothing. Public untrusted peers run only
//! natively (`market_native.rs`): the host cannot send from them.

use anyhow::{Context, Result};
use meridian_e2e::scenarios::{
    self, Case, HostPeer, Where, check_at, get_with_repeated, host_peer,
};
use meridian_e2e::{Service, get, repo_root, start_backend, start_host_with, test_catalog};

struct Stack {
    _catalog: tempfile::TempDir,
    _states: [tempfile::TempDir; 2],
    _backend: Service,
    trusting: Service,
    untrusting: Service,
}

fn stack() -> Result<Stack> {
    let catalog = test_catalog()?;
    let backend = start_backend(catalog.path())?;
    let states = [tempfile::tempdir()?, tempfile::tempdir()?];
    let manifest = repo_root().join("spin.toml");
    let trusting = start_host_with(
        &manifest,
        states[0].path(),
        &backend.url,
        &[(
            "SPIN_VARIABLE_MARKET_CONFIG",
            r#"trusted_proxies = ["127.0.0.1/32"]"#,
        )],
    )?;
    let untrusting = start_host_with(
        &manifest,
        states[1].path(),
        &backend.url,
        &[("SPIN_VARIABLE_MARKET_CONFIG", "")],
    )?;
    Ok(Stack {
        _catalog: catalog,
        _states: states,
        _backend: backend,
        trusting,
        untrusting,
    })
}

/// Sends one case; `Err` says what was wrong with the answer.
fn run(host: &Service, case: &Case) -> Result<(), String> {
    let query = case.request_query();
    let path = if query.is_empty() {
        "/v1/market".to_owned()
    } else {
        format!("/v1/market?{query}")
    };
    let headers = case.header_pairs();
    let reply = if case.repeats_a_header() {
        get_with_repeated(&host.url, &path, &headers)
    } else {
        get(&format!("{}{path}", host.url), &headers)
    }
    .map_err(|e| format!("  request failed: {e:#}"))?;
    let body = String::from_utf8_lossy(&reply.body);
    if reply.status != 200 {
        return Err(format!("  status {} (expected 200): {body}", reply.status));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&reply.body).map_err(|e| format!("  not JSON ({e}): {body}"))?;
    check_at(case, &json, Where::Host)
}

fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn every_market_scenario_through_the_host() -> Result<()> {
    let cases = scenarios::load()?;
    let s = stack().context("starting backend and hosts")?;
    let mut failures = Vec::new();
    let (mut trusted, mut untrusted, mut native_only) = (0, 0, 0);
    for case in &cases {
        let host = match host_peer(case) {
            HostPeer::Trusted => {
                trusted += 1;
                &s.trusting
            }
            HostPeer::Untrusted => {
                untrusted += 1;
                &s.untrusting
            }
            HostPeer::NativeOnly => {
                native_only += 1;
                continue;
            }
        };
        if let Err(problems) = run(host, case) {
            failures.push(format!(
                "{} ({}):\n{problems}",
                case.name,
                case.purpose_name()
            ));
        }
    }
    let through_host = trusted + untrusted;
    eprintln!(
        "market scenarios: {} cases; {through_host} through the host ({trusted} via a trusted proxy, \
         {untrusted} untrusted), {native_only} native only",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {through_host} market scenarios failed through the host:\n\n{}\n\n\
         trusting host, last lines:\n{}\n\nuntrusting host, last lines:\n{}",
        failures.len(),
        failures.join("\n\n"),
        tail(&s.trusting.logs(), 20),
        tail(&s.untrusting.logs(), 20)
    );
    assert!(
        through_host >= 85,
        "only {through_host} cases ran through the host"
    );
    Ok(())
}

/// A merchant's own database, mounted at `/country` through `files`, is
/// used in place of the compiled-in one: a country table that puts
/// 8.0.0.0/8 in Japan turns Google's 8.8.8.8 (US in the shipped database)
/// into a Japanese shopper, and an address it lacks into the default.
#[test]
fn a_mounted_country_database_replaces_the_compiled_in_one() -> Result<()> {
    use meridian_edge::market::{CountryCode, country_table};
    let catalog = test_catalog()?;
    let backend = start_backend(catalog.path())?;
    let state = tempfile::tempdir()?;
    // Mounted files must lie inside the app directory.
    let mount = tempfile::tempdir_in(repo_root().join("target"))?;
    let jp = CountryCode::parse("JP").context("JP is a country")?;
    let table = country_table::build(1, "test", &[(0x0800_0000, 0x08ff_ffff, jp)], &[])?;
    std::fs::write(mount.path().join("country.table"), table)?;
    let shipped = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let source = r#"source = "target/wasm32-wasip2/component/meridian_market.wasm""#;
    anyhow::ensure!(shipped.contains(source), "spin.toml lacks `{source}`");
    let relative = mount
        .path()
        .strip_prefix(repo_root())?
        .display()
        .to_string();
    let manifest = shipped.replace(
        source,
        &format!("{source}\nfiles = [{{ source = \"{relative}\", destination = \"/country\" }}]"),
    );
    let path = repo_root().join(format!(".test-country-mount-{}.toml", std::process::id()));
    std::fs::write(&path, manifest)?;
    let _remove = meridian_e2e::RemoveOnDrop(path.clone());
    let host = start_host_with(
        &path,
        state.path(),
        &backend.url,
        &[(
            "SPIN_VARIABLE_MARKET_CONFIG",
            r#"trusted_proxies = ["127.0.0.1/32"]"#,
        )],
    )?;
    let country = |ip: &str| -> Result<String> {
        let answer = get_with_repeated(&host.url, "/v1/market", &[("x-forwarded-for", ip)])?;
        anyhow::ensure!(answer.status == 200, "{ip}: status {}", answer.status);
        let body: serde_json::Value = serde_json::from_slice(&answer.body)?;
        Ok(format!(
            "{} {}",
            body["country"]["country"], body["country"]["reason"]
        ))
    };
    assert_eq!(country("8.8.8.8")?, r#""JP" "ip-database""#);
    assert_eq!(
        country("1.1.1.1")?,
        r#""ZZ" "default-no-header-no-ip-match""#
    );
    Ok(())
}
