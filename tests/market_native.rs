//! Every case of `tests/scenarios/market/*.toml` through `gate::admit`
//! natively: trusted proxies 10.0.0.0/8 and 127.0.0.1/32, the embedded
//! country database and the embedded compiled packs.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use meridian_e2e::scenarios::{self, Case, Purpose, Where, check_at, host_peer};
use meridian_edge::gate::{Ask, admit};
use meridian_edge::market::{CountryDb, MarketConfig};
use meridian_edge::policy::CompiledPacks;

/// The native configuration the table's expectations assume.
const NATIVE_CONFIG: &str = r#"trusted_proxies = ["10.0.0.0/8", "127.0.0.1/32"]"#;

fn purpose(case: &Case) -> Purpose {
    case.purpose.unwrap_or_default()
}

#[test]
fn every_market_scenario_natively() -> Result<()> {
    let cases = scenarios::load()?;
    let config = MarketConfig::from_toml(NATIVE_CONFIG).context("native market config")?;
    let db = CountryDb::embedded().context("embedded country database")?;
    let packs = CompiledPacks::embedded().context("embedded compiled packs")?;

    let mut failures = Vec::new();
    let mut markets = BTreeSet::new();
    let mut host_runnable = 0;
    for case in &cases {
        if host_peer(case) != scenarios::HostPeer::NativeOnly {
            host_runnable += 1;
        }
        let query = format!("?{}", case.request_query());
        let headers = case.header_pairs();
        let ask = Ask {
            purpose: purpose(case),
            sku: case.sku.as_deref(),
            category: case.category.as_deref(),
        };
        let admission = match admit(
            &headers,
            case.peer.as_deref(),
            &query,
            ask,
            &config,
            Some(&db),
            &packs,
        ) {
            Ok(a) => a,
            Err(refusal) => {
                failures.push(format!("{}: the gate refused: {refusal:?}", case.name));
                continue;
            }
        };
        let json: serde_json::Value =
            serde_json::from_slice(&admission.to_json()).context("Admission::to_json is JSON")?;
        if let Some(market) = json.pointer("/decision/market").and_then(|m| m.as_str()) {
            markets.insert(market.to_owned());
        }
        if let Err(problems) = check_at(case, &json, Where::Native) {
            failures.push(format!(
                "{} ({}):\n{problems}",
                case.name,
                case.purpose_name()
            ));
        }
    }
    eprintln!(
        "market scenarios: {} cases natively ({host_runnable} also runnable through the host), {} markets: {}",
        cases.len(),
        markets.len(),
        markets.iter().cloned().collect::<Vec<_>>().join(" ")
    );
    assert!(
        failures.is_empty(),
        "{} of {} market scenarios failed natively:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 540, "only {} cases", cases.len());
    assert!(
        markets.len() >= 45,
        "only {} markets covered: {markets:?}",
        markets.len()
    );
    assert!(
        host_runnable >= 530,
        "only {host_runnable} cases can run through the host"
    );
    Ok(())
}

#[test]
fn the_classifier_follows_the_peer() -> Result<()> {
    use scenarios::HostPeer::{NativeOnly, Trusted, Untrusted};
    let case = |peer: Option<&str>, xff: Option<&str>| -> Result<Case> {
        let mut text = String::from("name = \"x\"\n");
        if let Some(p) = peer {
            text.push_str(&format!("peer = \"{p}\"\n"));
        }
        if let Some(x) = xff {
            text.push_str(&format!("headers = {{ x-forwarded-for = \"{x}\" }}\n"));
        }
        text.push_str("[expect]\n\"/outcome\" = \"allow\"\n");
        Ok(toml::from_str(&text)?)
    };
    for (peer, xff, want) in [
        (Some("10.1.2.3:443"), None, Trusted),
        (Some("127.0.0.1:80"), None, Trusted),
        (Some("[::ffff:10.0.0.9]:80"), None, Trusted),
        (Some("10.1.2.3:443"), Some("8.8.8.8, 10.0.0.2"), NativeOnly),
        (None, None, Untrusted),
        (Some("[2001:db8::1"), None, Untrusted),
        (Some("127.0.0.2:1"), None, Untrusted),
        (Some("[::1]:1"), None, Untrusted),
        (Some("192.168.0.1:1"), None, Untrusted),
        (Some("203.0.113.9:1"), None, Untrusted),
        (Some("198.51.100.9:1"), None, Untrusted),
        (Some("192.0.2.1:1"), None, Untrusted),
        (Some("[2001:db8::5]:1"), None, Untrusted),
        (Some("[fe80::1]:1"), None, Untrusted),
        (Some("169.254.1.1:1"), None, Untrusted),
        (Some("8.8.8.8:443"), None, NativeOnly),
        (Some("[2001:67c:2e8::1]:443"), None, NativeOnly),
        (Some("[::ffff:8.8.8.8]:443"), None, NativeOnly),
    ] {
        assert_eq!(host_peer(&case(peer, xff)?), want, "{peer:?} {xff:?}");
    }
    Ok(())
}
