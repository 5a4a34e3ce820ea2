//! Fuzz targets for the parsers that read what shoppers, CDNs, backends and
//! the key-value store send: one function per target, taking raw bytes.
//!
//! Each target asserts properties beyond "does not panic": round trips where
//! an encoder exists (TC strings, the RPC codec, cache entries), and the
//! invariants callers rely on elsewhere (a resolved country is a country, a
//! negotiated locale is one the market offers, every refusal is the JSON
//! refusal with its status). A violated property panics, which libFuzzer
//! reports as a crash and `cargo test` as a failed replay.
//!
//! `fuzz_targets/` wraps each in libFuzzer's `fuzz_target!` (feature
//! `libfuzzer`); `tests/replay.rs` feeds every file of `corpus/<target>/`
//! through its target.

use std::net::IpAddr;
use std::sync::OnceLock;

use meridian_edge::cache::Kv;
use meridian_edge::cache::kv::MemoryKv;
use meridian_edge::cache::store::{self, BodyRef};
use meridian_edge::catalog::sku_of_asset;
use meridian_edge::http::accept::negotiate;
use meridian_edge::http::request::{MEDIA_PREFIX, parse_media_path, validate_asset};
use meridian_edge::http::response::Refusal;
use meridian_edge::market::client_ip::{
    canonical, client_from_forwarded_for, is_public, is_trusted, parse_addr,
};
use meridian_edge::market::geo_header::{
    parse_country_header, parse_edgescape, parse_edgescape_location,
};
use meridian_edge::market::locale::MAX_LANGUAGE_RANGES;
use meridian_edge::market::{
    CountryDb, CountrySource, LocaleSource, MarketConfig, negotiate_locale, parse_accept_language,
    resolve_country,
};
use meridian_edge::policy::consent::gpp::{self, GppError, SectionData, UsField};
use meridian_edge::policy::consent::tcf::{self, MAX_TC_STRING_LEN, TcString, TcfError, VendorSet};
use meridian_edge::policy::consent::tcf_encode::{VendorEncoding, encode};
use meridian_edge::policy::consent::{
    self, ConsentOutcome, ConsentSignals, gpp_string, tc_string_from_cookie, tc_string_from_query,
};
use meridian_edge::policy::{PackSet, Purpose};
use meridian_edge::presets::Presets;
use meridian_wit::rpc::{
    self, BindingError, BytesPayload, decode_args, decode_bytes_args, decode_json_reply,
    decode_reply, encode_args, encode_bytes_args, encode_json_reply, encode_reply, error_reply,
};
use meridian_wit::types::{Detection, Error, ImageFormat, Rendition, TryonResult};

/// A target: its name (its corpus folder and binary) and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, as `infra/run fuzz` and the replay test know them.
pub const TARGETS: &[Target] = &[
    ("tcf", tcf),
    ("gpp", gpp),
    ("accept_language", accept_language),
    ("headers", headers),
    ("media_path", media_path),
    ("rpc_codec", rpc_codec),
    ("cache_entry", cache_entry),
];

/// Every refusal is JSON `{"status","code","message"}` with its HTTP status.
fn assert_refusal_json(refusal: Refusal) {
    let status = refusal.status;
    assert!((400..600).contains(&status), "refusal with status {status}");
    let response = refusal.into_response();
    assert_eq!(response.status, status);
    assert_eq!(
        response.get("content-type"),
        Some("application/problem+json")
    );
    let body: serde_json::Value =
        serde_json::from_slice(&response.body).expect("a refusal body is JSON");
    assert_eq!(body["status"], status, "body status matches");
    assert!(body["code"].is_string() && body["message"].is_string());
}

// --- GPP strings ------------------------------------------------------------

/// The GPP decoder: the first line is the string, the second (if any)
/// `gpp_sid`. What decodes has strictly ascending section ids within
/// range, one section per id, and US sections whose every field is a
/// 2-bit choice (0-2) in the layout's lengths; the extractors return part
/// of their input; refusals are typed (a code for every error).
pub fn gpp(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let (string, sid) = raw.split_once('\n').unwrap_or((raw, ""));
    let (found, found_sid) = gpp_string(None, None, Some(raw), Some(raw));
    for part in [found, found_sid].into_iter().flatten() {
        assert!(raw.contains(part));
    }
    if let Err(e) = gpp::parse_sid(sid) {
        assert_eq!(e, GppError::Sid);
    }
    if !string.trim().is_empty() {
        gpp_decisions(string, (!sid.is_empty()).then_some(sid));
    }
    let decoded = match gpp::decode(string) {
        Ok(g) => g,
        Err(e) => {
            assert!(e.code().starts_with("gpp-"));
            return;
        }
    };
    assert!(string.len() <= gpp::MAX_GPP_STRING_LEN);
    assert_eq!(decoded.section_ids.len(), decoded.sections.len());
    assert!(decoded.section_ids.windows(2).all(|w| w[0] < w[1]));
    for (id, section) in decoded.section_ids.iter().zip(&decoded.sections) {
        assert_eq!(*id, section.id);
        assert!((1..=gpp::MAX_SECTION_ID).contains(id));
        let Ok(SectionData::Us(kind, s)) = &section.data else {
            continue;
        };
        assert_eq!(kind.id(), *id);
        let layout = kind.layout(s.version).expect("decoded with a layout");
        for field in layout {
            match field {
                UsField::SensitiveDataProcessing(n) => {
                    assert_eq!(s.sensitive_data_processing.len(), usize::from(*n));
                }
                UsField::KnownChildSensitiveDataConsents(n) => {
                    assert_eq!(
                        s.known_child_sensitive_data_consents.len(),
                        usize::from((*n).max(1))
                    );
                }
                _ => {}
            }
        }
        let all = s
            .sensitive_data_processing
            .iter()
            .chain(&s.known_child_sensitive_data_consents)
            .copied()
            .chain([
                s.mspa_covered_transaction,
                s.mspa_opt_out_option_mode,
                s.mspa_service_provider_mode,
            ])
            .chain(s.sale_opt_out)
            .chain(s.sharing_opt_out)
            .chain(s.targeted_advertising_opt_out);
        for v in all {
            assert!(v <= 2, "{kind:?}: value {v}");
        }
        assert!(s.gpc.is_none() || kind.has_gpc_segment());
    }
}

/// Whatever the string, personalisation is decided, never refused: a
/// reason from the consent codes, and "granted" only with a decoded section.
fn gpp_decisions(string: &str, sid: Option<&str>) {
    static PACKS: OnceLock<PackSet> = OnceLock::new();
    let packs = PACKS.get_or_init(|| PackSet::embedded().expect("shipped packs"));
    let signals = ConsentSignals {
        gpp: Some(string),
        gpp_sid: sid,
        ..ConsentSignals::default()
    };
    for (country, sub) in [("US", Some("US-CA")), ("US", None), ("DE", None)] {
        let pack = packs.market(country, sub).pack;
        let d = consent::decide(Purpose::Personalize, pack, packs.merchant(), &signals);
        assert!(
            d.reason.code.starts_with("consent-"),
            "{}: {}",
            pack.market,
            d.reason.code
        );
        if d.outcome == ConsentOutcome::Granted {
            assert!(d.summary.gpp.is_some_and(|g| g.section.is_some()));
        }
        assert!(!d.reason.detail.contains(string) || string.len() < 8);
    }
}

// --- TC strings -------------------------------------------------------------

/// The TCF v2 decoder: `parse` and `decode` agree; what parses keeps the
/// structure's invariants and survives an encode/parse round trip in every
/// vendor encoding; the cookie and query extractors return part of their
/// input.
pub fn tcf(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(found) = tc_string_from_cookie(raw) {
        assert!(raw.contains(found));
    }
    if let Some(found) = tc_string_from_query(raw) {
        assert!(raw.contains(found));
    }
    let parsed = tcf::parse(raw);
    match (&parsed, tcf::decode(raw)) {
        (Ok(p), Ok(d)) => assert_eq!(p, &d),
        (Ok(p), Err(e)) => assert!(
            matches!(
                e,
                TcfError::PolicyVersionTooOld { .. } | TcfError::NotServiceSpecific
            ) && p.clone().check_policy().is_err(),
            "decode refused a parsed string for {e:?}"
        ),
        (Err(p), Err(d)) => assert_eq!(p, &d),
        (Err(e), Ok(_)) => panic!("decode accepted what parse refused ({e:?})"),
    }
    let Ok(tc) = parsed else {
        return;
    };
    check_tc(&tc);
    for encoding in [
        VendorEncoding::Auto,
        VendorEncoding::BitField,
        VendorEncoding::Range,
    ] {
        let text = encode(&tc, encoding);
        match tcf::parse(&text) {
            // A bit field over 65535 vendors is longer than the decoder reads.
            Err(TcfError::TooLong { .. }) if text.len() > MAX_TC_STRING_LEN => {
                assert_ne!(
                    encoding,
                    VendorEncoding::Auto,
                    "Auto stays within the limit"
                )
            }
            again => assert_eq!(again.as_ref(), Ok(&tc), "round trip in {encoding:?}"),
        }
    }
}

fn check_vendor_set(set: &VendorSet, bounded: bool) {
    check_ranges(set.ranges());
    if let Some(&(_, end)) = set.ranges().last()
        && bounded
    {
        assert!(end <= set.max_vendor_id(), "vendor {end} past MaxVendorId");
    }
    assert_eq!(set.len(), set.ids().count());
    for &(start, end) in set.ranges() {
        assert!(set.contains(start) && set.contains(end));
        assert!(!set.contains(start - 1));
    }
}

/// Ascending, non-overlapping, merged, and never vendor 0.
fn check_ranges(ranges: &[(u16, u16)]) {
    for &(start, end) in ranges {
        assert!(start >= 1 && start <= end, "range {start}..={end}");
    }
    for pair in ranges.windows(2) {
        assert!(
            u32::from(pair[0].1) + 1 < u32::from(pair[1].0),
            "ranges {pair:?} overlap or touch"
        );
    }
}

fn check_tc(tc: &TcString) {
    assert_eq!(tc.version, 2);
    assert!(tc.purposes_consent < 1 << 24 && tc.purposes_li < 1 << 24);
    assert!(tc.special_feature_opt_ins < 1 << 12);
    assert!(tc.consent_language.bytes().all(|b| b.is_ascii_lowercase()));
    assert!(tc.publisher_cc.bytes().all(|b| b.is_ascii_uppercase()));
    assert_eq!((tc.consent_language.len(), tc.publisher_cc.len()), (2, 2));
    check_vendor_set(&tc.vendor_consents, true);
    check_vendor_set(&tc.vendor_li, true);
    for set in [&tc.disclosed_vendors, &tc.allowed_vendors]
        .into_iter()
        .flatten()
    {
        check_vendor_set(set, true);
    }
    for r in &tc.pub_restrictions {
        assert!((1..64).contains(&r.purpose_id));
        check_ranges(&r.vendors);
    }
    if let Some(p) = &tc.publisher_tc {
        assert!(p.num_custom_purposes < 64);
        let width = u32::from(p.num_custom_purposes);
        assert!(p.custom_consent.checked_shr(width).unwrap_or(0) == 0);
        assert!(p.custom_li.checked_shr(width).unwrap_or(0) == 0);
    }
    let consented = tc.purposes_with_consent();
    assert!(consented.iter().all(|&p| tc.purpose_consent(p)));
    assert!(tc.purposes_with_li().iter().all(|&p| tc.purpose_li(p)));
    for r in &tc.pub_restrictions {
        for &(start, _) in &r.vendors {
            assert!(tc.restriction(r.purpose_id, start).is_some());
        }
    }
}

// --- Accept-Language and Accept -----------------------------------------

/// A market's languages, as packs spell them (mixed case on purpose).
const LANGUAGES: &[&str] = &["de-CH", "fr-CH", "it-CH", "en", "zh-Hant-TW", "sr-Latn"];

/// `Accept-Language` parsing and RFC 4647 Lookup, and `Accept` for
/// renditions. Input: an optional override line, `\n`, then the header.
pub fn accept_language(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (over, header) = match text.split_once('\n') {
        Some((over, header)) => (Some(over), header),
        None => (None, text.as_ref()),
    };

    let parsed = parse_accept_language(header);
    assert!(parsed.ranges.len() + parsed.refused.len() <= MAX_LANGUAGE_RANGES);
    for pair in parsed.ranges.windows(2) {
        assert!(pair[0].quality >= pair[1].quality, "sorted by weight");
    }
    for r in &parsed.ranges {
        assert!((1..=1000).contains(&r.quality));
        assert_language_range(&r.range);
        assert!(header.contains(r.range.as_str()));
    }
    parsed.refused.iter().for_each(|r| assert_language_range(r));

    let choice = negotiate_locale(Some(header), over, LANGUAGES, "de-CH");
    assert!(LANGUAGES.contains(&choice.locale.as_str()));
    match choice.source {
        LocaleSource::Override => {
            let over = over
                .map(|o| o.trim_matches([' ', '\t']))
                .unwrap_or_default();
            assert!(choice.locale.eq_ignore_ascii_case(over));
            assert!(choice.ignored_override.is_none());
        }
        LocaleSource::AcceptLanguage => {
            assert!(
                !parsed
                    .refused
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&choice.locale)),
                "chose a refused language"
            );
            assert!(
                parsed
                    .ranges
                    .iter()
                    .any(|r| r.range.len() >= choice.locale.len()
                        && r.range[..choice.locale.len()].eq_ignore_ascii_case(&choice.locale)),
                "Lookup never widens"
            );
        }
        LocaleSource::MarketDefault => assert_eq!(choice.locale, "de-CH"),
    }
    if let Some(ignored) = &choice.ignored_override {
        // Escaped and cut for the log: printable ASCII, bounded.
        assert!(ignored.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
        assert!(ignored.len() <= 4 * 64 + 3);
    }

    // The same header as `Accept` for a preset's formats.
    let offered = [ImageFormat::Avif, ImageFormat::Webp, ImageFormat::Jpeg];
    if let Some(format) = negotiate(Some(header), &offered) {
        assert!(offered.contains(&format));
    }
    assert_eq!(negotiate(None, &offered), Some(ImageFormat::Avif));
    assert_eq!(negotiate(Some(header), &[]), None);
}

fn assert_language_range(range: &str) {
    assert!(
        range == "*"
            || (!range.is_empty()
                && range.len() <= 64
                && range
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')),
        "range {range:?}"
    );
}

// --- geo and forwarding headers ------------------------------------------

fn market_config() -> &'static MarketConfig {
    static CONFIG: OnceLock<MarketConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        MarketConfig::from_toml(
            r#"trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8", "::1", "2001:db8::/32"]
default_country = "CH""#,
        )
        .expect("the fuzz config parses")
    })
}

fn country_db() -> Option<&'static CountryDb> {
    static DB: OnceLock<Option<CountryDb>> = OnceLock::new();
    DB.get_or_init(|| CountryDb::embedded().ok()).as_ref()
}

/// The market country from the peer address and request headers (trusted
/// proxies, CDN geo headers, Akamai edgescape, `X-Forwarded-For`), and the
/// address, geo and edgescape parsers on their own. Input: the peer address
/// on the first line, then `name: value` header lines (values raw bytes).
pub fn headers(data: &[u8]) {
    let mut lines = data.split(|&b| b == b'\n');
    let peer = lines.next().and_then(|p| std::str::from_utf8(p).ok());
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
            Some((name, line[colon + 1..].trim_ascii_start().to_vec()))
        })
        .collect();
    let cfg = market_config();
    let peer_ip = peer.and_then(parse_addr);
    let trusted = peer_ip.is_some_and(|ip| cfg.is_trusted(ip));

    for db in [None, country_db()] {
        let r = resolve_country(&headers, peer, cfg, db);
        assert!(
            r.country.len() == 2 && r.country.bytes().all(|b| b.is_ascii_uppercase()),
            "country {:?}",
            r.country
        );
        if let Some(sub) = &r.subdivision {
            assert!(sub.starts_with(&format!("{}-", r.country)));
        }
        if !trusted {
            assert_eq!(r.client_ip, peer_ip, "an untrusted peer is the client");
            assert!(!matches!(r.source, CountrySource::GeoHeader { .. }));
        }
        if matches!(r.source, CountrySource::IpDatabase) {
            assert!(r.client_ip.is_some_and(is_public));
        }
        if let Some(ip) = r.client_ip {
            assert_eq!(canonical(ip), ip, "client addresses are canonical");
        }
    }

    let texts: Vec<&str> = headers
        .iter()
        .filter_map(|(_, v)| std::str::from_utf8(v).ok())
        .collect();
    for value in peer.into_iter().chain(texts.iter().copied()) {
        if let Some(ip) = parse_addr(value) {
            assert_eq!(canonical(ip), ip);
            assert_eq!(parse_addr(&ip.to_string()), Some(ip), "address round trip");
        }
        if let Some(place) = parse_country_header(value, Some(value)) {
            assert!(
                value
                    .trim_matches([' ', '\t'])
                    .eq_ignore_ascii_case(place.country.as_str())
            );
        }
        if let Some(fields) = parse_edgescape(value) {
            for field in [fields.country_code, fields.region_code]
                .into_iter()
                .flatten()
            {
                assert!(value.contains(field));
            }
        }
        if let Some(place) = parse_edgescape_location(value)
            && let Some(sub) = place.subdivision
        {
            assert!(sub.starts_with(place.country.as_str()));
        }
    }
    if let Some(client) = client_from_forwarded_for(&texts, &cfg.trusted_proxies) {
        let entries: Vec<IpAddr> = texts
            .iter()
            .flat_map(|t| t.split(','))
            .filter_map(parse_addr)
            .collect();
        assert!(entries.contains(&client), "the client is one of the hops");
        let _ = is_trusted(client, &cfg.trusted_proxies);
    }
}

// --- media paths ----------------------------------------------------------

fn presets() -> &'static Presets {
    static PRESETS: OnceLock<Presets> = OnceLock::new();
    PRESETS.get_or_init(|| Presets::load(None).expect("the shipped presets load"))
}

/// `/v1/media/{asset}/{preset}.{ext}`: what parses names a valid asset and
/// rebuilds the path; what does not is a JSON 400/404; the preset lookup
/// and `Accept` negotiation on what parsed.
pub fn media_path(data: &[u8]) {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(refusal) = validate_asset(path) {
        assert_eq!(refusal.status, 400);
        assert_refusal_json(refusal);
    }
    let m = match parse_media_path(path) {
        Ok(m) => m,
        Err(refusal) => {
            assert!(matches!(refusal.status, 400 | 404), "{refusal}");
            return assert_refusal_json(refusal);
        }
    };
    assert!(validate_asset(&m.asset).is_ok());
    assert!(
        !m.asset
            .split('/')
            .any(|s| s == ".." || s == "." || s.is_empty())
    );
    assert!(!m.preset.is_empty() && !m.preset.contains('/'));
    assert_eq!(m.format.is_some(), !m.ext.is_empty());
    let path_only = path.split(['?', '#']).next().unwrap_or_default();
    let mut rebuilt = format!("{MEDIA_PREFIX}{}/{}", m.asset, m.preset);
    if let Some(format) = m.format {
        assert_eq!(ImageFormat::from_extension(&m.ext), Some(format));
        rebuilt = format!("{rebuilt}.{}", m.ext);
    } else {
        assert!(!m.preset.contains('.'));
    }
    assert!(
        rebuilt.eq_ignore_ascii_case(path_only),
        "{rebuilt} from {path_only}"
    );
    assert!(path_only.starts_with(&format!("{MEDIA_PREFIX}{}/{}", m.asset, m.preset)));
    let _ = sku_of_asset(&m.asset);
    match presets().get(&m.preset) {
        Ok(preset) => {
            let formats = preset.formats();
            assert!(!formats.is_empty());
            let chosen = negotiate(Some(path), formats);
            assert!(chosen.is_none_or(|f| preset.offers(f)));
            if let Some(format) = m.format
                && preset.offers(format)
            {
                assert!((1..=100).contains(&preset.quality(format)));
            }
        }
        Err(refusal) => {
            assert_eq!(refusal.status, 404);
            assert_refusal_json(refusal);
        }
    }
}

// --- the RPC codec --------------------------------------------------------

/// The HTTP binding's codec, both directions. The first byte picks what the
/// rest is: JSON arguments, bytes arguments, a bytes reply (status, a
/// `meridian-meta` line, body) for renditions or try-on, or a JSON reply.
/// Whatever decodes must encode and decode back to itself.
pub fn rpc_codec(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => {
            if let Ok(args) = decode_args::<rpc::imaging::RenderArgs>(rest) {
                let again = decode_args::<rpc::imaging::RenderArgs>(&encode_args(&args));
                assert_eq!(again.as_ref(), Ok(&args), "render arguments round trip");
            }
        }
        1 => match decode_bytes_args::<rpc::tryon::CompositeArgs>(rest) {
            Ok((args, frame)) => {
                let split = rest.iter().position(|&b| b == b'\n').expect("framed");
                assert_eq!(frame, &rest[split + 1..], "the frame is the rest, raw");
                let body = encode_bytes_args(&args, frame);
                let again = decode_bytes_args::<rpc::tryon::CompositeArgs>(&body);
                assert_eq!(
                    again,
                    Ok((args.clone(), frame)),
                    "bytes arguments round trip"
                );
            }
            Err(e) => check_error(&e),
        },
        2 => reply_round_trip::<Rendition>(rest),
        3 => reply_round_trip::<TryonResult>(rest),
        _ => {
            let (status, body) = status_of(rest);
            match decode_json_reply::<Detection>(status, body) {
                Ok(result) => {
                    let reply = encode_json_reply(result.clone());
                    let again = decode_json_reply::<Detection>(reply.status, &reply.body);
                    assert_eq!(again.ok(), Some(result), "JSON reply round trip");
                }
                Err(BindingError::Meta(_)) => assert!((200..300).contains(&status)),
                Err(BindingError::MissingMeta) => panic!("JSON replies have no meta"),
            }
        }
    }
}

fn status_of(data: &[u8]) -> (u16, &[u8]) {
    match data.split_first_chunk::<2>() {
        Some((status, rest)) => (u16::from_be_bytes(*status) % 1000, rest),
        None => (200, data),
    }
}

fn check_error(e: &Error) {
    let reply = error_reply(e);
    assert_eq!(reply.status, e.status());
    assert_eq!(reply.content_type, "application/problem+json");
    let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("error JSON");
    assert_eq!(body["status"], e.status());
}

fn reply_round_trip<T>(data: &[u8])
where
    T: BytesPayload + Clone + PartialEq + std::fmt::Debug,
{
    let (status, rest) = status_of(data);
    let (meta, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(split) => (std::str::from_utf8(&rest[..split]).ok(), &rest[split + 1..]),
        None => (None, rest),
    };
    let result = match decode_reply::<T>(status, meta, body.to_vec()) {
        Ok(result) => result,
        Err(BindingError::MissingMeta) => return assert!(meta.is_none()),
        Err(BindingError::Meta(_)) => return assert!((200..300).contains(&status)),
    };
    if let Err(e) = &result {
        assert!(!(200..300).contains(&status));
        check_error(e);
    }
    let reply = encode_reply(result.clone());
    let again = decode_reply::<T>(reply.status, reply.meta.as_deref(), reply.body);
    assert_eq!(again.ok(), Some(result), "bytes reply round trip");
}

// --- cache entries --------------------------------------------------------

/// The cache entry decoder on a store holding arbitrary bytes. The first
/// byte's low bit picks the input's shape: 0, a head value's length (u16
/// BE), the value as stored, then the bytes its chunk keys hold, split
/// evenly; 1, head JSON, NUL, policy JSON, NUL, then the inline body or the
/// chunks' bytes, framed here as the store frames them (so mutations reach
/// the head's fields past the length prefixes). What reads back is whole (its
/// body as long as the head says), answers every accessor, and survives a
/// head rewrite unchanged.
pub fn cache_entry(data: &[u8]) {
    let Some((&shape, data)) = data.split_first() else {
        return;
    };
    let (value, chunk_data) = if shape & 1 == 0 {
        let Some((len, rest)) = data.split_first_chunk::<2>() else {
            return;
        };
        let (value, chunks) = rest.split_at(usize::from(u16::from_be_bytes(*len)).min(rest.len()));
        (value.to_vec(), chunks)
    } else {
        let mut parts = data.splitn(3, |&b| b == 0);
        let (Some(head), Some(policy), rest) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let rest = rest.unwrap_or_default();
        let chunked = serde_json::from_slice::<store::Head>(head)
            .is_ok_and(|h| matches!(h.body, BodyRef::Chunked { .. }));
        let mut value = b"MRC3".to_vec();
        for part in [head, policy] {
            value.extend_from_slice(&(part.len() as u32).to_be_bytes());
            value.extend_from_slice(part);
        }
        if chunked {
            (value, rest)
        } else {
            value.extend_from_slice(rest);
            (value, &[][..])
        }
    };
    let kv = MemoryKv::default();
    let id = "fuzz";
    kv.set(&store::head_key(id), &value).expect("memory store");
    if let Some(head) = store::read_head(&kv, id)
        && let BodyRef::Chunked {
            digest,
            chunks,
            chunk_bytes: size,
            ..
        } = &head.body
    {
        // Chunks as a writer of that chunk size would have cut them; real
        // entries have a handful.
        let mut parts = chunk_data.chunks(usize::try_from(*size).unwrap_or(usize::MAX).max(1));
        for i in 0..(*chunks).min(64) {
            let part = parts.next().unwrap_or_default();
            kv.set(&store::chunk_key(id, digest, *size, i), part)
                .expect("memory store");
        }
    }
    let Some(stored) = store::read(&kv, id) else {
        return;
    };
    let head = &stored.head;
    assert_eq!(stored.body.len() as u64, head.body_length(), "whole body");
    assert_eq!(stored.id, id);
    // Clocks a store can meet: the epoch, the entry's own times, today.
    for now in [0, head.stored_at, head.fresh_until, 1_800_000_000] {
        let _ = (head.staleness(now), head.age(now), head.is_fresh(now));
    }
    let _ = (head.header("vary"), head.policy_vary(), stored.policy());

    store::rewrite_head(&kv, &stored).expect("memory store");
    let again = store::read(&kv, id).expect("a rewritten head reads back");
    let json = |h: &store::Head| serde_json::to_value(h).expect("a head serializes");
    assert_eq!(json(&again.head), json(head), "head round trip");
    assert_eq!(again.body, stored.body, "body round trip");
    assert_eq!(
        again.policy().map(|p| serde_json::to_value(p).ok()),
        stored.policy().map(|p| serde_json::to_value(p).ok()),
        "policy round trip"
    );
}
